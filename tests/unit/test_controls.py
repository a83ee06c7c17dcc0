"""The live page's controls: stage names checked against the installed ones, a new stage swapped in
between two frames, pause and resume."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from fer_video.plugins.manager import PluginManager
from fer_video.runtime.controls import PipelineControls
from fer_video.types import Frame


def test_controls_check_names_against_installed_stages_and_swap_between_frames():
    controls = PipelineControls(PluginManager(), {"detector": "haar", "classifier": "fernet", "smoother": "ema"})
    pipeline = SimpleNamespace(smoother="old")
    frame = Frame(index=0, time_s=0.0, image=None)
    with pytest.raises(ValueError, match="no smoother named 'kalman'; installed: ema, none, vote"):
        controls.switch("smoother", "kalman")
    with pytest.raises(ValueError, match="only the detector, classifier, smoother"):
        controls.switch("tracker", "iou")
    controls.switch("smoother", "vote")
    deadline = time.monotonic() + 10
    while controls.state()["switching"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert pipeline.smoother == "old", "nothing changes until the pipeline's next frame"
    assert controls.before_frame(pipeline, frame) is True
    assert type(pipeline.smoother).__name__ == "VoteSmoother" and controls.state()["stages"]["smoother"] == "vote"
    controls.pause()
    assert controls.before_frame(pipeline, frame) is False and controls.state()["paused"]
    controls.resume()
    controls.switch("classifier", "file")  # needs a model file: fails, and says so
    deadline = time.monotonic() + 10
    while controls.state()["switching"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "could not switch the classifier to file" in controls.state()["error"]
    assert controls.state()["stages"]["classifier"] == "fernet"
