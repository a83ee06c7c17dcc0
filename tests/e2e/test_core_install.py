"""A core install (no TensorFlow, Keras, JAX or MediaPipe) runs every command a user of the shipped models
needs, and a command that needs TensorFlow says in one line how to get it.

The command runs with those packages hidden from imports, as in a core venv, whatever this venv holds."""

from __future__ import annotations

import os

import cv2
import numpy as np
import pytest

from fer_video.models.shipped import shipped
from tests.support import run_cli

OPTIONAL = ("tensorflow", "keras", "tf_keras", "jax", "jaxlib", "mediapipe")
HIDER = f"""
import sys

class _Hidden:
    \"\"\"Makes the train extra and MediaPipe look uninstalled: their import fails, find_spec finds nothing.\"\"\"

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {OPTIONAL!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}} (hidden by the test)", name=name)
        return None

sys.meta_path.insert(0, _Hidden())
"""


@pytest.fixture(scope="module")
def core_env(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("core-install")
    (folder / "sitecustomize.py").write_text(HIDER)
    return {"PYTHONPATH": os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")]))}


def test_shipped_models_run_every_analysis_command_without_tensorflow(core_env, sample_video, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    hidden = run_cli("plugins", env=core_env)
    assert hidden.returncode == 0 and "mediapipe" in hidden.stdout, hidden.stderr
    for command in (["timeline", sample_video, "-o", out / "t.csv", "-q"],
                    ["annotate", sample_video, "-o", out / "a.mp4", "--csv", out / "a.csv", "-q"],
                    ["timeline", sample_video, "-o", out / "m3.csv", "--classifier", "model3",
                     "--detector-opt", "model=short", "-q"],
                    ["report", out / "t.csv", "-o", out / "report.html"],
                    ["batch", sample_video, "-o", out / "batch", "--workers", "1", "-q"]):
        result = run_cli(*command, env=core_env)
        assert result.returncode == 0, (command[0], result.stderr)
    assert (out / "t.csv").read_bytes() == (out / "a.csv").read_bytes()
    assert len((out / "t.csv").read_text().splitlines()) > 30
    assert (out / "report.html").stat().st_size and (out / "batch" / "summary.csv").exists()


def test_evaluate_runs_a_tflite_model_without_tensorflow(core_env, tmp_path, pictures):
    faces = np.stack([cv2.resize(cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY), (48, 48), interpolation=cv2.INTER_AREA)
                      for picture in pictures.values()] * 4)
    data = tmp_path / "faces.npz"
    np.savez(data, x_val=faces, y_val=np.array([3, 3] * 4))
    result = run_cli("evaluate", "--data", data, "--weights", shipped("fernet.tflite"), env=core_env)
    assert result.returncode == 0, result.stderr
    assert "accuracy" in result.stdout


def test_what_needs_tensorflow_says_how_to_install_it_in_one_line(core_env, sample_video, tmp_path):
    keras_weights = shipped("fernet.weights.h5")
    for command in (["train", "--model", "fernet", "--data", tmp_path / "faces.npz", "--out", tmp_path / "run"],
                    ["export", "--model", "fernet", "--weights", keras_weights, "--out", tmp_path / "f.tflite",
                     "--data", tmp_path / "faces.npz"],
                    ["blend", "--model", "fernet", "--weights", keras_weights, keras_weights, "--data",
                     tmp_path / "faces.npz", "--out", tmp_path / "b.weights.h5"],
                    ["timeline", sample_video, "-o", tmp_path / "t.csv", "--weights", keras_weights]):
        result = run_cli(*command, env=core_env)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2, (command[0], result.stderr)
        assert len(lines) == 1 and "needs TensorFlow" in lines[0] and "pip install 'fer-video[train]'" in lines[0]
    assert list(tmp_path.iterdir()) == []
