"""What the summary says of one video: its length, its faces and how they felt, from its timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fer_video.emotions import EMOTIONS


@dataclass
class VideoStats:
    """Duration, frames, frame rate, distinct face ids, and the share of face-frames whose top emotion was each."""

    frames: int
    fps: float
    faces: int
    shares: dict[str, float] = field(default_factory=dict)
    """Emotion -> share of the timeline's rows (one per face per frame) with it as the top emotion."""

    @property
    def duration_s(self) -> float:
        return self.frames / self.fps if self.fps else 0.0

    @property
    def dominant(self) -> str:
        """The emotion most often on top; empty when no face was seen."""
        return max(self.shares, key=self.shares.get) if any(self.shares.values()) else ""


def timeline_stats(timeline: Path, *, frames: int, fps: float) -> VideoStats:
    """Faces and emotion shares from a timeline file (CSV or JSON Lines) as :mod:`fer_video.report` reads it."""
    from fer_video.report.timeline_file import read_timeline

    faces = read_timeline(timeline).faces
    counts = np.bincount(np.concatenate([face.top for face in faces]).astype(np.int64),
                         minlength=len(EMOTIONS)) if faces else np.zeros(len(EMOTIONS), np.int64)
    total = int(counts.sum())
    shares = {name: (int(count) / total if total else 0.0) for name, count in zip(EMOTIONS, counts)}
    return VideoStats(frames=frames, fps=fps, faces=len(faces), shares=shares)


def finished_stats(video: Path, timeline: Path) -> VideoStats:
    """A finished video's stats without analysing it again: its frames from the container's header."""
    from fer_video.report.video import probe_video

    facts = probe_video(video)
    return timeline_stats(timeline, frames=facts.frame_count, fps=facts.fps)
