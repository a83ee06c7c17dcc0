"""Where fer-video's shipped weights and model cards live."""

from __future__ import annotations

import os
import sys
from pathlib import Path

MODELS_ENV = "FER_VIDEO_MODELS"
CHECKOUT_MODELS = Path(__file__).resolve().parents[2] / "models"
INSTALLED_MODELS = Path(sys.prefix) / "share" / "fer-video" / "models"
"""Where ``[tool.setuptools.data-files]`` in pyproject.toml puts the models in a regular install."""


def models_dir() -> Path:
    """``$FER_VIDEO_MODELS`` if set; else ``models/`` of the checkout fer-video runs from (an
    editable install); else where a regular install puts them, ``<prefix>/share/fer-video/models``."""
    if os.environ.get(MODELS_ENV):
        return Path(os.environ[MODELS_ENV])
    return CHECKOUT_MODELS if CHECKOUT_MODELS.is_dir() else INSTALLED_MODELS


def shipped(filename: str) -> Path | None:
    """A shipped file by name, or ``None`` when this install does not have it."""
    path = models_dir() / filename
    return path if path.exists() else None
