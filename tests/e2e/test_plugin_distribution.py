"""The blur plugin (a ``soft-blur`` annotator) as a real third-party distribution: pip-installed, found,
run, and blocked.

Everything goes through what a user has: ``pip install``, the ``fer-video`` console script and
the ``fer_video`` entry-point group. The classifier gets untrained but real fernet weights, so
the test does not depend on a finished training run.
"""

from __future__ import annotations

import csv
import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.support import REPO, run_cli

PLUGIN = REPO / "plugins" / "fer-video-blur"
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check"]


def plugin_rows(listing: str) -> list[list[str]]:
    return [line.split() for line in listing.splitlines()[1:] if line.strip()]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """pip-install a copy of the plugin (its build files stay out of the repo); uninstall afterwards."""
    source = tmp_path_factory.mktemp("dist") / "fer-video-blur"
    shutil.copytree(PLUGIN, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    result = subprocess.run([*PIP, "install", "-q", "--no-deps", "--no-build-isolation", str(source)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    importlib.invalidate_caches()
    try:
        yield
    finally:
        subprocess.run([*PIP, "uninstall", "-q", "-y", "fer-video-blur"], capture_output=True, text=True)


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    """A 2-second 640x360 sample with faces and audio, and untrained fernet weights."""
    from fer_video.io.sample_video import make_sample_video
    from fer_video.models.fernet import build_fernet

    folder = tmp_path_factory.mktemp("blur")
    make_sample_video(folder / "sample.mp4", width=640, height=360, seconds=2)
    build_fernet().save_weights(str(folder / "w.weights.h5"))
    return folder


def read_frame(path: Path, index: int) -> np.ndarray:
    capture = cv2.VideoCapture(str(path))
    try:
        for _ in range(index + 1):
            ok, image = capture.read()
            assert ok, f"{path} has no frame {index}"
    finally:
        capture.release()
    return image


def sharpness(image: np.ndarray) -> float:
    """Variance of the Laplacian: high for detail (eyes, hair), near zero once blurred."""
    return float(cv2.Laplacian(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), cv2.CV_64F).var())


def test_plugins_lists_soft_blur_with_its_distribution(installed):
    result = run_cli("plugins")
    assert result.returncode == 0, result.stderr
    rows = [row[:5] for row in plugin_rows(result.stdout)]
    assert ["annotator", "soft-blur", "blur", "fer-video-blur", "0.1.0"] in rows


def test_soft_blur_through_the_cli(installed, work):
    from fer_video.io.ffmpeg import count_frames, probe

    sample, blurred, timeline = work / "sample.mp4", work / "blurred.mp4", work / "t.csv"
    result = run_cli("annotate", sample, "-o", blurred, "--csv", timeline, "--detector", "haar",
                     "--annotator", "soft-blur", "--annotator-opt", "shape=box", "--annotator-opt", "strength=1.0",
                     "--weights", work / "w.weights.h5", "-q")
    assert result.returncode == 0, result.stderr
    assert count_frames(blurred) == count_frames(sample)
    assert probe(blurred).has_audio
    assert not list(work.glob(".*partial*")), "a partial file was left behind"

    with timeline.open() as handle:
        rows = list(csv.DictReader(handle))
    biggest = max(rows, key=lambda row: int(row["w"]) * int(row["h"]))
    index = int(biggest["frame"])
    original, private = read_frame(sample, index), read_frame(blurred, index)
    x, y, w, h = (int(biggest[key]) for key in ("x", "y", "w", "h"))
    inside_before, inside_after = original[y:y + h, x:x + w], private[y:y + h, x:x + w]
    assert inside_after.astype(float).var() < 0.5 * inside_before.astype(float).var()
    assert sharpness(inside_after) < 0.05 * sharpness(inside_before)

    outside = np.ones(original.shape[:2], bool)  # away from every face of that frame (margin included)
    for row in rows:
        if int(row["frame"]) == index:
            fx, fy, fw, fh = (int(row[key]) for key in ("x", "y", "w", "h"))
            outside[max(0, fy - fh // 4):fy + fh + fh // 4, max(0, fx - fw // 4):fx + fw + fw // 4] = False
    difference = np.abs(original.astype(int) - private.astype(int))[outside]
    assert difference.mean() < 3, "the blur leaked outside the faces"


def test_soft_blur_on_an_image(installed, work):
    """An oval over the face, the rest untouched; built through the same registry the CLI uses."""
    from fer_video import Frame, PluginManager

    image = read_frame(work / "sample.mp4", 30)
    plugins = PluginManager()
    face = max(plugins.create("detector", "haar").detect(image), key=lambda f: f.w * f.h)
    annotator = plugins.create("annotator", "soft-blur")  # default shape: ellipse
    original = image.copy()
    private = annotator.annotate(Frame(0, 0.0, image, [face], name="frame.png"))
    assert np.array_equal(image, original), "the annotator changed the frame that every sink receives"
    x, y, w, h = face.box
    centre = np.s_[y + h // 4:y + 3 * h // 4, x + w // 4:x + 3 * w // 4]  # well inside the ellipse
    assert sharpness(private[centre]) < 0.05 * sharpness(original[centre])
    outside = np.ones(image.shape[:2], bool)
    outside[max(0, y - h // 4):y + h + h // 4, max(0, x - w // 4):x + w + w // 4] = False
    assert np.array_equal(private[outside], original[outside])


def test_blocked_plugin_is_gone(installed, work):
    blocked = {"FER_VIDEO_BLOCK_PLUGINS": "blur"}
    listing = run_cli("plugins", env=blocked)
    assert listing.returncode == 0, listing.stderr
    assert "soft-blur" not in [row[1] for row in plugin_rows(listing.stdout)]

    result = run_cli("annotate", work / "sample.mp4", "-o", work / "never.mp4", "--csv", work / "t-blocked.csv",
                     "--detector", "haar", "--annotator", "soft-blur", "--weights", work / "w.weights.h5", "-q",
                     env=blocked)
    assert result.returncode == 2
    assert "no annotator named 'soft-blur'" in result.stderr
    known = result.stderr.split("known annotators:")[1].splitlines()[0]
    names = {name.strip() for name in known.split(",")}
    assert {"blur", "none", "overlay"} <= names and "soft-blur" not in names  # fer-video's own are left
    assert not (work / "never.mp4").exists() and not (work / "t-blocked.csv").exists()
