"""Ctrl+C, SIGTERM and SIGHUP during a run are acted on between frames: the frame in hand is finished,
nothing hangs."""

from __future__ import annotations

import gc
import os
import signal
import threading
import time
from dataclasses import replace

import pytest

from fer_video.builtins.iou import IouTracker
from fer_video.builtins.mediapipe import MediaPipeDetector
from fer_video.cli import _terminate
from fer_video.io.sources import open_source
from fer_video.plugins.manager import PluginManager
from fer_video.runtime.pipeline import Pipeline
from fer_video.runtime.signals import SignalsBetweenFrames
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
                           sinks=[sink], classify_every=1).run()  # a classifier call per frame
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


class StalledCamera:
    """A live source that sends ``frames`` frames of the sample video, then stops sending (a camera unplugged
    mid-run, a network stream gone quiet) without ending."""

    def __init__(self, video, frames: int) -> None:
        self.file = open_source(video)
        self.info = replace(self.file.info, live=True, kind="webcam")
        self.frames = frames
        self.stopped_early = None
        self.stalled = threading.Event()

    def __iter__(self):
        for number, frame in enumerate(self.file):
            if number == self.frames:
                break
            yield frame
        self.stalled.set()
        while True:  # no frame ever again; waits with a timeout, as fer-video's own sources do, so that
            time.sleep(0.5)  # Python gets to run a signal's handler whichever thread the signal woke

    def close(self) -> None:
        self.file.close()


@pytest.mark.parametrize("signum", list(COMMAND_HANDLERS), ids=lambda signum: signal.Signals(signum).name)
def test_a_signal_stops_a_run_whose_camera_stopped_sending(sample_video, signum, monkeypatch):
    monkeypatch.setattr(SignalsBetweenFrames, "GRACE_S", 0.3)
    camera = StalledCamera(sample_video, frames=4)
    sink = KeepFrames()
    finished = threading.Event()

    def send() -> None:
        if camera.stalled.wait(30):
            os.kill(os.getpid(), signum)
            if not finished.wait(20):  # still running: a second signal ends it at once, so a failure never hangs
                os.kill(os.getpid(), signum)

    sender = threading.Thread(target=send, daemon=True)
    previous = {number: signal.signal(number, handler) for number, handler in COMMAND_HANDLERS.items()}
    try:
        sender.start()
        started = time.monotonic()
        summary = Pipeline(camera, MediaPipeDetector(), PluginManager().create("classifier", "fernet"),
                           tracker=IouTracker(), sinks=[sink]).run()
        took = time.monotonic() - started
    finally:
        finished.set()
        for number, handler in previous.items():
            signal.signal(number, handler)
    assert summary.interrupted and summary.signal == signum
    assert summary.frames == len(sink.frames) == 4  # every frame the camera sent, written
    assert took < 20  # before the fix it waited for a frame that never came


def test_a_prefetch_inside_a_prefetch_is_closed_on_its_thread_not_by_the_garbage_collector():
    """A second SIGTERM 50 ms after the first printed a traceback ("Exception ignored in: <generator object
    prefetch>"): the decoding prefetch inside the detecting one was left to the garbage collector, which
    ran its cleanup on the main thread, where the signal's exception landed."""
    from fer_video.runtime.buffering import prefetch

    closed_on = []

    def frames():
        try:
            yield from range(10_000)
        finally:
            closed_on.append(threading.current_thread())

    def detected():
        yield from prefetch(frames(), 2)

    gc.disable()  # the collector may come whenever; here it never does
    try:
        outer = prefetch(detected(), 2)
        next(outer)
        outer.close()
        assert closed_on and closed_on[0] is not threading.main_thread()
    finally:
        gc.enable()
