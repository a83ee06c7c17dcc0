"""The blur plugin as a real third-party distribution: pip-installed, found, run, and blocked.

Everything goes through what a user has: ``pip install``, the ``fer-video`` console script and
the ``fer_video`` entry-point group. The classifier gets untrained but real fernet weights, so
the test does not depend on a finished training run.
"""

from __future__ import annotations

import csv
import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "plugins" / "fer-video-blur"
FER_VIDEO = Path(sys.executable).parent / "fer-video"
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check"]


def fer_video(*args: object, block: str | None = None) -> subprocess.CompletedProcess:
    """Run the installed console script, as a user would, optionally blocking plugins."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("FER_VIDEO_BLOCK_PLUGINS", None)
    if block is not None:
        env["FER_VIDEO_BLOCK_PLUGINS"] = block
    return subprocess.run([str(FER_VIDEO), *map(str, args)], capture_output=True, text=True, env=env, timeout=300)


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


def test_plugins_lists_blur_with_its_distribution(installed):
    result = fer_video("plugins")
    assert result.returncode == 0, result.stderr
    assert ["sink", "blur", "blur", "fer-video-blur", "0.1.0"] in [row[:5] for row in plugin_rows(result.stdout)]


def test_blur_sink_through_the_cli(installed, work):
    from fer_video.io.ffmpeg import count_frames, probe

    sample, blurred, timeline = work / "sample.mp4", work / "blurred.mp4", work / "t.csv"
    result = fer_video("timeline", sample, "-o", timeline, "--detector", "haar", "--sink", "blur",
                       "--sink-opt", f"blur.output={blurred}", "--sink-opt", "blur.shape=box",
                       "--sink-opt", "blur.strength=1.0", "--weights", work / "w.weights.h5", "-q")
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


def test_blur_sink_on_an_image(installed, work):
    """An image source gets a blurred image; built through the same registry the CLI uses."""
    from fer_video.plugins.manager import PluginManager
    from fer_video.types import Frame, RunInfo, SourceInfo

    image = read_frame(work / "sample.mp4", 30)
    face = max(PluginManager().create("detector", "haar").detect(image), key=lambda f: f.w * f.h)
    output = work / "blurred.png"
    sink = PluginManager().create("sink", "blur", output=output)  # default shape: ellipse
    sink.start(RunInfo(SourceInfo(path=None, fps=0.0, width=640, height=360, frame_count=1, kind="image")))
    original = image.copy()
    sink.write(Frame(0, 0.0, image, [face], name="frame.png"))
    sink.close()
    assert np.array_equal(image, original), "the sink changed the frame that other sinks receive"
    private = cv2.imread(str(output))
    x, y, w, h = face.box
    centre = np.s_[y + h // 4:y + 3 * h // 4, x + w // 4:x + 3 * w // 4]  # well inside the ellipse
    assert sharpness(private[centre]) < 0.05 * sharpness(original[centre])
    outside = np.ones(image.shape[:2], bool)
    outside[max(0, y - h // 4):y + h + h // 4, max(0, x - w // 4):x + w + w // 4] = False
    assert np.array_equal(private[outside], original[outside])


def test_blocked_plugin_is_gone(installed, work):
    listing = fer_video("plugins", block="blur")
    assert listing.returncode == 0, listing.stderr
    assert "blur" not in [row[1] for row in plugin_rows(listing.stdout)]

    result = fer_video("timeline", work / "sample.mp4", "-o", work / "t-blocked.csv", "--detector", "haar",
                       "--sink", "blur", "--sink-opt", f"blur.output={work / 'never.mp4'}",
                       "--weights", work / "w.weights.h5", "-q", block="blur")
    assert result.returncode != 0
    assert "no sink named 'blur'" in result.stderr
    known = result.stderr.split("known sinks:")[1].splitlines()[0]
    assert {"csv", "video"} <= {name.strip() for name in known.split(",")}
    assert "blur" not in known
    assert not (work / "never.mp4").exists() and not (work / "t-blocked.csv").exists()
