"""How stages end: every stage the pipeline holds is closed when the run ends (the MediaPipe
detector's model too), a stage the live page switches away from is closed, and a failed run never
publishes the output of a sink that cannot discard it."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from fer_video.builtins.mediapipe import MediaPipeDetector
from fer_video.io.sources import open_source
from fer_video.plugins.manager import PluginManager
from fer_video.runtime.controls import PipelineControls
from fer_video.runtime.pipeline import Pipeline
from fer_video.types import Frame


class PublishingSink:
    """Writes its output only at ``close``, as a sink that renames its file into place does; no ``discard``."""

    def __init__(self, output: Path, refuse_start: bool = False) -> None:
        self.output = output
        self.refuse_start = refuse_start
        self.frames = 0

    def start(self, run) -> None:
        if self.refuse_start:
            raise ValueError("this sink refuses to start")

    def write(self, frame) -> None:
        self.frames += 1

    def close(self) -> None:
        self.output.write_text(f"{self.frames} frames\n")


class FailingClassifier:
    """Uniform scores until its 5th call, then a crash."""

    def __init__(self) -> None:
        self.calls = 0

    def predict(self, crops):
        self.calls += 1
        if self.calls == 5:
            raise RuntimeError("the classifier crashed")
        return np.full((len(crops), 7), 1 / 7, np.float32)


class Closing:
    """A stage of any kind that records being closed."""

    def __init__(self, fails: bool = False) -> None:
        self.closed = 0
        self.fails = fails

    def close(self) -> None:
        self.closed += 1
        if self.fails:
            raise OSError("the device went away")

    def update(self, faces, frame_index):  # as a tracker: ids in order
        for number, face in enumerate(faces):
            face.face_id = number
        return faces

    def smooth(self, faces, frame_index) -> None:  # as a smoother: the raw scores
        pass

    def annotate(self, frame):  # as an annotator: nothing drawn
        return frame.image


def test_the_mediapipe_detector_is_closed_when_the_run_ends_unless_kept_open(sample_video):
    """Before, nothing called its close(): its model stayed loaded after the run."""
    plugins = PluginManager()
    classifier = plugins.create("classifier", "fernet")
    detector = MediaPipeDetector()
    Pipeline(open_source(sample_video), detector, classifier, detect_every=6).run()
    assert detector._interpreter is None, "the detector's model is let go of"

    kept = MediaPipeDetector()  # batch keeps its models from one video to the next
    for _ in range(2):
        summary = Pipeline(open_source(sample_video), kept, classifier, detect_every=6, keep_open=[kept]).run()
        assert summary.frames == 60 and summary.faces > 0
    assert kept._interpreter is not None


def test_every_stage_is_closed_once_and_a_failing_close_is_a_warning(sample_video):
    plugins = PluginManager()
    shared, failing = Closing(), Closing(fails=True)
    detector = plugins.create("detector", "haar")
    summary = Pipeline(open_source(sample_video), detector, plugins.create("classifier", "fernet"),
                       tracker=shared, smoother=failing, annotator=shared, detect_every=6).run()
    assert shared.closed == 1 and failing.closed == 1
    assert summary.warnings == ["the smoother Closing failed to close: OSError: the device went away"]


def test_a_failed_run_does_not_publish_a_sink_without_discard(sample_video, tmp_path):
    """Before, a sink without discard() was closed after a crash: its half-made output was published."""
    plugins = PluginManager()
    sink = PublishingSink(tmp_path / "out.txt")
    pipeline = Pipeline(open_source(sample_video), plugins.create("detector", "haar"), FailingClassifier(),
                        sinks=[sink], detect_every=1)
    with pytest.raises(RuntimeError, match="the classifier crashed"):
        pipeline.run()
    assert not sink.output.exists()


def test_a_failed_start_does_not_publish_a_sink_without_discard(sample_video, tmp_path):
    """Before, the sinks started before one that refused were closed when they had no discard()."""
    plugins = PluginManager()
    first, refusing = PublishingSink(tmp_path / "first.txt"), PublishingSink(tmp_path / "second.txt", True)
    pipeline = Pipeline(open_source(sample_video), plugins.create("detector", "haar"),
                        plugins.create("classifier", "fernet"), sinks=[first, refusing])
    with pytest.raises(ValueError, match="refuses to start"):
        pipeline.run()
    assert not first.output.exists() and not refusing.output.exists()


def _switched(controls: PipelineControls, kind: str, name: str) -> None:
    controls.switch(kind, name)
    deadline = time.monotonic() + 30
    while controls.state()["switching"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not controls.state()["switching"] and controls.state()["error"] is None, controls.state()


def test_a_stage_the_live_page_switches_away_from_is_closed():
    """Before, the old stage was dropped unclosed: a MediaPipe model stayed loaded for each switch."""
    old = MediaPipeDetector()
    pipeline = SimpleNamespace(detector=old, classifier=None, smoother=None)
    controls = PipelineControls(PluginManager(), {"detector": "mediapipe", "classifier": "fernet", "smoother": "ema"})
    _switched(controls, "detector", "haar")
    assert old._interpreter is not None, "nothing changes until the pipeline's next frame"
    assert controls.before_frame(pipeline, Frame(index=0, time_s=0.0, image=None)) is True
    assert type(pipeline.detector).__name__ == "HaarDetector"
    assert old._interpreter is None, "the detector switched away from is closed"
