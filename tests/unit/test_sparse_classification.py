"""Classifying a tracked face on one frame in n: its scores kept between, new faces scored at once.
(The option's checks and its config key are tested with ``detect_every``'s, in test_sparse_detection.)"""

from __future__ import annotations

import numpy as np
import pytest

from fer_video.builtins.iou import IouTracker
from fer_video.builtins.mediapipe import MediaPipeDetector
from fer_video.io.sources import open_source
from fer_video.plugins.manager import PluginManager
from fer_video.runtime.pipeline import Pipeline
from tests.support import KeepFrames


class CountingClassifier:
    """The shipped classifier, counting the faces it is asked to score."""

    def __init__(self, classifier) -> None:
        self.classifier, self.scored = classifier, 0

    def predict(self, crops):
        self.scored += len(crops)
        return self.classifier.predict(crops)


@pytest.fixture(scope="module")
def fernet():
    return PluginManager().create("classifier", "fernet")


def _run(video, fernet, every: int, tracker=True):
    classifier, sink = CountingClassifier(fernet), KeepFrames()
    Pipeline(open_source(video), MediaPipeDetector(), classifier, tracker=IouTracker() if tracker else None,
             sinks=[sink], detect_every=1, classify_every=every).run()
    return classifier.scored, sink.frames


def test_classifying_every_third_frame_scores_a_third_of_the_faces_and_keeps_the_scores_between(
        sample_video, fernet):
    scored_all, frames_all = _run(sample_video, fernet, 1)
    scored, frames = _run(sample_video, fernet, 3)
    faces = sum(len(frame.faces) for frame in frames)
    assert faces == sum(len(frame.faces) for frame in frames_all) == scored_all > 50
    assert scored <= faces / 3 + 5  # a new face is scored at once, so a few more than a third
    ids = {face.face_id for frame in frames for face in frame.faces}
    for face_id in ids:
        rows = [face.raw_scores for frame in frames for face in frame.faces if face.face_id == face_id]
        changes = sum(not np.array_equal(a, b) for a, b in zip(rows, rows[1:]))
        assert changes <= len(rows) / 3 + 1  # the same scores for three frames running
    agreeing = sum(a.emotion == b.emotion for x, y in zip(frames_all, frames) for a, b in zip(x.faces, y.faces))
    assert agreeing >= 0.9 * faces


def test_without_a_tracker_every_face_is_scored_on_every_frame(sample_video, fernet):
    scored, frames = _run(sample_video, fernet, 3, tracker=False)
    assert scored == sum(len(frame.faces) for frame in frames)
