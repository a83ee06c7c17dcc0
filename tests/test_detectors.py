"""Both built-in detectors find the real faces in the astronaut and Grace Hopper pictures."""

from __future__ import annotations

import numpy as np
import pytest

from fer_video.builtins.haar import HaarDetector
from fer_video.builtins.mediapipe_detector import MediaPipeDetector
from fer_video.face import Face

# Face boxes in the face_pictures() crops (astronaut 190x190, hopper 400x400), found by eye and Haar.
EXPECTED = {"astronaut": Face(48, 48, 95, 95), "hopper": Face(89, 89, 222, 222)}


@pytest.mark.parametrize("make", [HaarDetector, lambda: MediaPipeDetector(model="full"),
                                  lambda: MediaPipeDetector(model="short")], ids=["haar", "mp-full", "mp-short"])
@pytest.mark.parametrize("name", ["astronaut", "hopper"])
def test_detector_finds_the_face(make, name, pictures):
    faces = make().detect(pictures[name])
    assert len(faces) == 1, f"expected one face in {name}, got {faces}"
    assert faces[0].iou(EXPECTED[name]) > 0.4
    assert 0 < faces[0].detector_score <= 1


def test_detectors_find_nothing_in_a_blank_frame():
    blank = np.full((360, 640, 3), 90, np.uint8)
    assert HaarDetector().detect(blank) == []
    assert MediaPipeDetector().detect(blank) == []


def test_downscaled_detection_maps_boxes_back_to_full_resolution(pictures):
    import cv2

    big = cv2.resize(pictures["hopper"], (1600, 1600))
    [face] = HaarDetector(max_width=400).detect(big)
    assert face.iou(Face(356, 356, 888, 888)) > 0.4


def test_unknown_mediapipe_model_is_refused():
    with pytest.raises(ValueError, match="short, full"):
        MediaPipeDetector(model="tiny")
