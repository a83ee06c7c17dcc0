"""Ctrl+C during a run is acted on between frames: the frame in hand is finished, nothing hangs."""

from __future__ import annotations

import os
import signal

from fer_video.builtins.iou import IouTracker
from fer_video.builtins.mediapipe import MediaPipeDetector
from fer_video.io.sources import open_source
from fer_video.plugins.manager import PluginManager
from fer_video.runtime.pipeline import Pipeline
from tests.support import KeepFrames


class InterruptingClassifier:
    """The shipped classifier, pressing Ctrl+C in the middle of its ``at``-th call."""

    def __init__(self, classifier, at: int) -> None:
        self.classifier, self.at, self.calls = classifier, at, 0

    def predict(self, crops):
        self.calls += 1
        if self.calls == self.at:
            os.kill(os.getpid(), signal.SIGINT)
        return self.classifier.predict(crops)


def test_ctrl_c_stops_the_run_at_the_next_frame_and_finishes_the_frame_in_hand(sample_video):
    classifier = InterruptingClassifier(PluginManager().create("classifier", "fernet"), at=5)
    sink = KeepFrames()
    # Ctrl+C as the fer-video command has it: a library loaded earlier in this test process may set its own.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        summary = Pipeline(open_source(sample_video), MediaPipeDetector(), classifier, tracker=IouTracker(),
                           sinks=[sink]).run()
        restored = signal.getsignal(signal.SIGINT)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert summary.interrupted and summary.signal == signal.SIGINT
    assert summary.frames == len(sink.frames) < 60
    scored = [frame for frame in sink.frames if frame.faces]
    # The frame whose faces were being scored when Ctrl+C came was finished and written, and was the last.
    assert len(scored) == classifier.calls == 5 and scored[-1] is sink.frames[-1]
    assert all(face.scores is not None for face in scored[-1].faces)
    assert restored is signal.default_int_handler  # put back after the run
