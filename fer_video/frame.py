"""A frame as it flows through the pipeline, and what is known about its source."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fer_video.face import Face


@dataclass
class Frame:
    """One image from a source: its index, its time in seconds, the BGR pixels, and its faces."""

    index: int
    time_s: float
    image: np.ndarray
    faces: list[Face] = field(default_factory=list)
    name: str = ""
    """For image sources, the file name the frame came from."""
    captured: float | None = None
    """For live sources, the wall-clock time (``time.time()``) the frame was captured: latency is measured from it."""


@dataclass(frozen=True)
class SourceInfo:
    """What sinks need to know before the first frame arrives."""

    path: Path | None
    fps: float
    width: int
    height: int
    frame_count: int | None = None
    live: bool = False
    kind: str = "video"
    """``video``, ``webcam``, ``image`` or ``folder``."""
    has_audio: bool = False
    rotation: int = 0
    """Degrees a video's display matrix turns its stored frames (phones record portrait so); frames
    arrive already turned upright, and ``width`` and ``height`` are the upright ones."""
    variable_rate: bool = False
    """A video whose frames are not evenly spaced (phones and screen recorders): each frame's
    ``time_s`` is its presentation time, and ``fps`` the constant rate a copy is resampled to, so
    its audio stays in sync."""


@dataclass(frozen=True)
class RunInfo:
    """The source plus the stages that will analyse it, handed to every sink at start."""

    source: SourceInfo
    smoothed: bool = False
    detector: str = ""
    classifier: str = ""
