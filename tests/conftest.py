"""Shared fixtures: real pictures, a real sample video, and the fer-video command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

REPO = Path(__file__).resolve().parent.parent
FER2013 = REPO.parent / "shared" / "data" / "fer2013" / "fer2013_train_val.npz"
FER_VIDEO = Path(sys.executable).parent / "fer-video"

needs_fer2013 = pytest.mark.skipif(
    not FER2013.exists(),
    reason=f"FER-2013 is not on this machine ({FER2013}); it is never shipped with fer-video",
)


@pytest.fixture(scope="session")
def pictures() -> dict[str, "object"]:
    """The two real face pictures that ship inside scikit-image and matplotlib, as BGR crops."""
    from fer_video.io.sample_video import face_pictures

    astronaut, hopper = face_pictures()
    return {"astronaut": astronaut, "hopper": hopper}


@pytest.fixture(scope="session")
def picture_files(tmp_path_factory, pictures) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pictures")
    paths = {}
    for name, image in pictures.items():
        paths[name] = folder / f"{name}.jpg"
        cv2.imwrite(str(paths[name]), cv2.copyMakeBorder(image, 60, 60, 60, 60, cv2.BORDER_REPLICATE))
    return paths


@pytest.fixture(scope="session")
def sample_video(tmp_path_factory) -> Path:
    """2 s, 640x360, 30 fps, with an AAC tone: faces appear after 0.24 s and leave before 1.76 s."""
    from fer_video.io.sample_video import make_sample_video

    return make_sample_video(tmp_path_factory.mktemp("video") / "sample.mp4", width=640, height=360, seconds=2.0)


def ctrl_c_reaches_the_child() -> None:
    """``preexec_fn`` for a child the test will stop with a signal: a shell starts background jobs
    with SIGINT ignored, and ``nohup`` ignores SIGHUP; a child that inherits that never sees the
    test's Ctrl+C or hang-up (fer-video rightly leaves an ignored SIGHUP ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def run_cli(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the installed ``fer-video`` console script, as a user would."""
    full_env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})}
    return subprocess.run([str(FER_VIDEO), *map(str, args)], capture_output=True, text=True, env=full_env,
                          timeout=timeout)
