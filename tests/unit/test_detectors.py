"""Both built-in detectors find the real faces in the astronaut and Grace Hopper pictures."""

from __future__ import annotations

import numpy as np
import pytest

from fer_video.builtins.haar import HaarDetector
from fer_video.builtins.mediapipe import MediaPipeDetector
from fer_video.types import Face

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


@pytest.mark.parametrize("model, side", [("full", 192), ("short", 128)])
def test_mediapipe_detector_decodes_blazeface_exactly_as_mediapipe_does(model, side, pictures):
    """On an image already at the network's size, our pre- and post-processing and MediaPipe's
    graph see the same tensor: same faces, same scores, boxes equal up to pixel rounding."""
    import sys

    import cv2

    from fer_video.builtins.mediapipe import MODELS

    hidden = "tensorflow" not in sys.modules
    if hidden:  # mediapipe imports TensorFlow only for a decorator; spare the test that
        sys.modules["tensorflow"] = None
    try:
        face_detection = pytest.importorskip(
            "mediapipe.python.solutions.face_detection",
            reason="compares with MediaPipe's own graph: pip install 'fer-video[mediapipe]'")
    finally:
        if hidden:
            del sys.modules["tensorflow"]
    square = cv2.resize(pictures["hopper"], (side, side), interpolation=cv2.INTER_AREA)
    ours = MediaPipeDetector(model=model).detect(square)
    with face_detection.FaceDetection(model_selection=1 if model == "full" else 0) as graph:
        theirs = graph.process(cv2.cvtColor(square, cv2.COLOR_BGR2RGB)).detections
    assert MODELS[model].side == side and len(ours) == len(theirs) == 1
    box = theirs[0].location_data.relative_bounding_box
    expected = Face(round(box.xmin * side), round(box.ymin * side), round(box.width * side),
                    round(box.height * side))
    assert ours[0].iou(expected) > 0.9
    assert ours[0].detector_score == pytest.approx(theirs[0].score[0], abs=1e-3)


@pytest.mark.parametrize("model", ["full", "short"])
def test_xnnpacks_newest_operators_change_no_detection(model, pictures):
    """The detector asks XNNPACK for its newest operators (less CPU time): the network's raw
    outputs on a real face must be those of the default interpreter, bit for bit."""
    from fer_video.builtins.mediapipe import MODELS
    from fer_video.models.model_file import lite_interpreter_class
    from fer_video.models.shipped import face_detector_model

    detector = MediaPipeDetector(model=model)
    side = MODELS[model].side
    image = pictures["hopper"][:side, :side].astype(np.float32)[None] / 127.5 - 1
    default = lite_interpreter_class()(model_path=str(face_detector_model(MODELS[model].file)), num_threads=1)
    outputs = []
    for interpreter in (detector._interpreter, default):
        interpreter.allocate_tensors()
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], image)
        interpreter.invoke()
        outputs.append([interpreter.get_tensor(d["index"]).copy() for d in interpreter.get_output_details()])
    for newest, plain in zip(*outputs):
        assert np.array_equal(newest, plain)


def test_making_the_detector_prints_nothing(capfd):
    """LiteRT announces its delegate, and a flag it no longer needs in a line headed ERROR: a user
    who builds the detector in their own code must not see either."""
    MediaPipeDetector(model="full")
    assert capfd.readouterr().err == ""
