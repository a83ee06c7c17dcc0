"""Outputs appear under their final name only once complete: write beside, then rename."""

from __future__ import annotations

import os
from pathlib import Path


def partial_path(path: Path) -> Path:
    """Where ``path`` is written while in progress (same folder, so the rename is atomic)."""
    return path.with_name(f".{path.stem}.partial{path.suffix}")


def publish(partial: Path, final: Path) -> None:
    os.replace(partial, final)
