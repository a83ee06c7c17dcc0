"""What one run of a pipeline did, as :meth:`fer_video.Pipeline.run` returns it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RunSummary:
    """What a run did: frames and faces seen, time taken, and why it ended early if it did."""

    frames: int = 0
    faces: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    signal: int | None = None
    """The signal that interrupted the run: SIGINT (Ctrl+C), SIGTERM or SIGHUP."""
    stopped_early: str | None = None
    warnings: list[str] = field(default_factory=list)
    """What went wrong without spoiling the outputs (a detector's unusable boxes, left out)."""

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0
