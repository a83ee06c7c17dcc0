"""Ctrl+C, SIGTERM and SIGHUP during a run are acted on between frames: the frame in hand is finished,
nothing hangs."""

from __future__ import annotations

import os
import signal

import pytest

from fer_video.builtins.iou import IouTracker
from fer_video.builtins.mediapipe import MediaPipeDetector
from fer_video.cli import _terminate
from fer_video.io.sources import open_source
from fer_video.plugins.manager import PluginManager
from fer_video.runtime.pipeline import Pipeline
from tests.support import KeepFrames


class InterruptingClassifier:
    """The shipped classifier, sending ``signum`` to this process in the middle of its ``at``-th call."""

    def __init__(self, classifier, at: int, signum: int = signal.SIGINT) -> None:
        self.classifier, self.at, self.signum, self.calls = classifier, at, signum, 0

    def predict(self, crops):
        self.calls += 1
        if self.calls == self.at:
            os.kill(os.getpid(), self.signum)
        return self.classifier.predict(crops)


# Each signal with the handler the fer-video command gives it (a library loaded earlier in this test
# process may have set its own).
COMMAND_HANDLERS = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: _terminate, signal.SIGHUP: _terminate}


@pytest.mark.parametrize("signum", list(COMMAND_HANDLERS), ids=lambda signum: signal.Signals(signum).name)
def test_a_signal_stops_the_run_at_the_next_frame_and_finishes_the_frame_in_hand(sample_video, signum):
    classifier = InterruptingClassifier(PluginManager().create("classifier", "fernet"), at=5, signum=signum)
    sink = KeepFrames()
    previous = {number: signal.signal(number, handler) for number, handler in COMMAND_HANDLERS.items()}
    try:
        summary = Pipeline(open_source(sample_video), MediaPipeDetector(), classifier, tracker=IouTracker(),
                           sinks=[sink]).run()
        restored = signal.getsignal(signum)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    assert summary.interrupted and summary.signal == signum
    assert summary.frames == len(sink.frames) < 60
    scored = [frame for frame in sink.frames if frame.faces]
    # The frame whose faces were being scored when Ctrl+C came was finished and written, and was the last.
    assert len(scored) == classifier.calls == 5 and scored[-1] is sink.frames[-1]
    assert all(face.scores is not None for face in scored[-1].faces)
    assert restored is COMMAND_HANDLERS[signum]  # put back after the run
