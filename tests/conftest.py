"""Fixtures every test may ask for: real pictures and a real sample video. Plain helpers (the command,
paths, the live server) are in ``tests/support.py``; fixtures for tests/e2e only in ``e2e/conftest.py``."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture(scope="session")
def pictures() -> dict[str, "object"]:
    """The two real face pictures that ship inside fer-video and matplotlib, as BGR crops."""
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
