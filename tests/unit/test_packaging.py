"""The shipped weights travel inside the package, found with importlib.resources, not beside a checkout."""

from __future__ import annotations

import tomllib
from pathlib import Path

from fer_video.models import shipped as models_dir

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "fer_video"


def test_every_shipped_model_file_is_packaged_as_package_data():
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["fer_video"]
    packaged = {path for pattern in patterns for path in PACKAGE.glob(pattern) if path.is_file()}
    shipped = {path for path in (PACKAGE / "weights").rglob("*") if path.is_file() and "__pycache__" not in path.parts}
    assert {"fernet.tflite", "fernet.card.toml", "face_detection_short_range.tflite", "NOTICE", "LICENSE"} <= {
        path.name for path in shipped}
    keras_weights = {path for path in shipped if path.name.endswith(".weights.h5")}
    assert packaged == shipped - keras_weights, "every model a core install can run, not the checkout's Keras weights"


def test_the_models_are_found_inside_the_package_whatever_the_working_folder(monkeypatch, tmp_path):
    monkeypatch.delenv(models_dir.MODELS_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert models_dir.models_dir() == PACKAGE / "weights"
    assert models_dir.shipped("fernet.tflite") == PACKAGE / "weights" / "fernet.tflite"
    assert models_dir.face_detector_model("face_detection_full_range_sparse.tflite").parent.name == "blazeface"
    assert models_dir.shipped("no-such-model.tflite") is None
    monkeypatch.setenv(models_dir.MODELS_ENV, str(tmp_path / "mine"))
    assert models_dir.models_dir() == tmp_path / "mine"
