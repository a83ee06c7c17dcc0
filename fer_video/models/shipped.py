"""Where fer-video's shipped weights and model cards live: package data in ``fer_video/weights``.

They are found with :mod:`importlib.resources`, so a checkout, an editable install and a wheel
installed anywhere all find them beside the code, whatever the working folder.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

MODELS_ENV = "FER_VIDEO_MODELS"
PACKAGE_FOLDER = "weights"
"""The package data folder (``fer_video/weights``): the emotion models and their cards, and in
``blazeface/`` the face detector's models with their licence and where they came from."""


def package_weights() -> Path:
    """``fer_video/weights`` of the installed package, as a folder on disk (LiteRT maps files by path)."""
    folder = resources.files("fer_video").joinpath(PACKAGE_FOLDER)
    if not isinstance(folder, Path):  # a zipped install: the models have no path to map
        raise RuntimeError(f"fer-video's weights are inside {folder}; install fer-video as files (pip install)")
    return folder


def models_dir() -> Path:
    """Where the emotion models are looked up: ``$FER_VIDEO_MODELS`` if set, else :func:`package_weights`."""
    if os.environ.get(MODELS_ENV):
        return Path(os.environ[MODELS_ENV])
    return package_weights()


def shipped(filename: str) -> Path | None:
    """A shipped emotion model or card by name, or ``None`` when this install does not have it."""
    path = models_dir() / filename
    return path if path.exists() else None


def face_detector_model(filename: str) -> Path:
    """One of the BlazeFace models in ``fer_video/weights/blazeface`` (not moved by ``$FER_VIDEO_MODELS``)."""
    path = package_weights() / "blazeface" / filename
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: this fer-video install is incomplete; reinstall it")
    return path
