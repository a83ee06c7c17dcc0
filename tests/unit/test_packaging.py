"""The shipped weights travel with every kind of install, not only with a checkout."""

from __future__ import annotations

import tomllib
from pathlib import Path

from fer_video.models import shipped as models_dir

ROOT = Path(__file__).resolve().parents[2]


def test_every_shipped_model_file_is_packaged_as_data():
    data_files = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["data-files"]
    patterns = data_files["share/fer-video/models"]
    packaged = {path for pattern in patterns for path in ROOT.glob(pattern)}
    shipped = {path for path in (ROOT / "models").iterdir() if not path.name.startswith(".")}
    assert shipped and packaged == shipped
    assert models_dir.INSTALLED_MODELS.parts[-3:] == ("share", "fer-video", "models")


def test_a_regular_install_looks_where_pip_put_the_models(monkeypatch, tmp_path):
    monkeypatch.delenv(models_dir.MODELS_ENV, raising=False)
    assert models_dir.models_dir() == ROOT / "models"  # this checkout
    monkeypatch.setattr(models_dir, "CHECKOUT_MODELS", tmp_path / "no-checkout")
    monkeypatch.setattr(models_dir, "INSTALLED_MODELS", tmp_path)
    (tmp_path / "fernet.tflite").write_bytes(b"x")
    assert models_dir.shipped("fernet.tflite") == tmp_path / "fernet.tflite"
    monkeypatch.setenv(models_dir.MODELS_ENV, str(tmp_path / "mine"))
    assert models_dir.models_dir() == tmp_path / "mine"
