"""What an engine is given (a job per video) and gives back (an outcome per video).

The local and Ray engines differ only in where a job runs; planning, resuming and the summary are
theirs in common (:mod:`fer_video.batch.runner`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fer_video.batch.video import VideoResult


@dataclass(frozen=True)
class Job:
    """One video to analyse and the final paths of its outputs, by extension."""

    index: int
    video: Path
    outputs: dict[str, Path]


@dataclass(frozen=True)
class Outcome:
    """A job's end: its result, or why it failed (one line)."""

    index: int
    result: VideoResult | None = None
    error: str = ""


class BatchAborted(RuntimeError):
    """The workers cannot analyse anything (a stage failed to load): the batch stops."""


@dataclass
class Events:
    """What an engine tells the progress bar while it runs."""

    started: Callable[[int], None] = lambda index: None
    frames: Callable[[int], None] = lambda count: None


def reason(error: BaseException) -> str:
    """Why a video failed, in one line, as ``fer-video timeline`` would have said it."""
    from fer_video.batch.video import VideoFailed
    from fer_video.messages import one_line

    if isinstance(error, OSError) and error.strerror:
        where = f"{error.filename}: " if error.filename else ""
        return f"{where}{error.strerror}"
    if isinstance(error, (ValueError, RuntimeError, FileNotFoundError, VideoFailed)):
        return one_line(error)
    return f"{type(error).__name__}: {one_line(error)}"
