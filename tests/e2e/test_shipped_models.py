"""The models inside the package are today's, byte for byte, and so are the timelines they give."""

from __future__ import annotations

import hashlib
import importlib.util
import re
from pathlib import Path

import pytest

from fer_video.builtins.mediapipe import MODELS
from fer_video.models import shipped

BLAZEFACE = Path(shipped.package_weights()) / "blazeface"


def _mediapipe_wheel_models() -> Path:
    """The face detection folder of an installed mediapipe 0.10.21 (the last wheel that holds the models)."""
    spec = importlib.util.find_spec("mediapipe")
    folder = Path(next(iter(spec.submodule_search_locations))) / "modules" / "face_detection" if spec else None
    if folder is None or not all((folder / model.file).exists() for model in MODELS.values()):
        pytest.skip("needs mediapipe 0.10.21 (pip install 'fer-video[mediapipe]'), whose wheel holds the "
                    "BlazeFace models fer-video read before it shipped its own copies")
    return folder


def test_the_face_models_are_the_ones_their_notice_names():
    recorded = dict(re.findall(r"^\s+(\S+\.tflite)\s+sha256 ([0-9a-f]{64})$", (BLAZEFACE / "NOTICE").read_text(), re.M))
    assert set(recorded) == {model.file for model in MODELS.values()}
    for file, digest in recorded.items():
        assert hashlib.sha256((BLAZEFACE / file).read_bytes()).hexdigest() == digest, file
    assert "Apache License" in (BLAZEFACE / "LICENSE").read_text()


def test_a_timeline_is_byte_for_byte_the_one_mediapipes_own_model_files_give(sample_video, tmp_path, monkeypatch):
    """Today's detector read BlazeFace from the mediapipe wheel: the copies inside fer-video must give
    the same timeline, byte for byte, with both models."""
    from fer_video.cli import main

    wheel = _mediapipe_wheel_models()
    for model in MODELS:
        ours, theirs = tmp_path / f"ours-{model}.csv", tmp_path / f"theirs-{model}.csv"
        args = [str(sample_video), "--detector-opt", f"model={model}", "-q"]
        assert main(["timeline", *args, "-o", str(ours)]) == 0
        with monkeypatch.context() as patch:
            patch.setattr(shipped, "face_detector_model", lambda file: wheel / file)
            assert main(["timeline", *args, "-o", str(theirs)]) == 0
        assert ours.read_bytes() == theirs.read_bytes()
        assert len(ours.read_text().splitlines()) > 30  # faces were found: the comparison says something
