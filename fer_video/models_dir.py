"""Where fer-video's shipped weights and model cards live."""

from __future__ import annotations

import os
from pathlib import Path

MODELS_ENV = "FER_VIDEO_MODELS"


def models_dir() -> Path:
    """``$FER_VIDEO_MODELS`` if set, else the ``models/`` folder installed with fer-video."""
    if os.environ.get(MODELS_ENV):
        return Path(os.environ[MODELS_ENV])
    return Path(__file__).resolve().parent.parent / "models"


def shipped(filename: str) -> Path | None:
    """A shipped file by name, or ``None`` when this install does not have it."""
    path = models_dir() / filename
    return path if path.exists() else None
