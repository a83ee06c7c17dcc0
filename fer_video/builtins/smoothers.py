"""Smoothers, per face id: ``none``, ``ema`` (moving average) and ``vote`` (majority)."""

from __future__ import annotations

from collections import deque

import numpy as np

from fer_video import hookimpl
from fer_video.plugins.factories import StageFactory
from fer_video.types import Face


class _PerFace:
    """Keeps one state per face id and forgets ids unseen for ``forget_after`` frames."""

    def __init__(self, forget_after: int = 60) -> None:
        self.forget_after = int(forget_after)
        self._state: dict[int, object] = {}
        self._seen: dict[int, int] = {}

    def _forget_stale(self, frame_index: int) -> None:
        for face_id in [i for i, last in self._seen.items() if frame_index - last > self.forget_after]:
            del self._state[face_id], self._seen[face_id]


class NoSmoother:
    """Reports each frame's raw scores."""

    changes_scores = False

    def smooth(self, faces: list[Face], frame_index: int) -> None:
        for face in faces:
            face.scores = face.raw_scores


class EmaSmoother(_PerFace):
    """Exponential moving average: ``scores = alpha * raw + (1 - alpha) * previous``."""

    def __init__(self, alpha: float = 0.3, forget_after: int = 60) -> None:
        super().__init__(forget_after)
        if not 0 < float(alpha) <= 1:
            raise ValueError(f"alpha must be in (0, 1], not {alpha}")
        self.alpha = float(alpha)

    def smooth(self, faces: list[Face], frame_index: int) -> None:
        self._forget_stale(frame_index)
        for face in faces:
            previous = self._state.get(face.face_id)
            raw = np.asarray(face.raw_scores, np.float32)
            scores = raw if previous is None else self.alpha * raw + (1 - self.alpha) * previous
            self._state[face.face_id] = scores
            self._seen[face.face_id] = frame_index
            face.scores = scores


class VoteSmoother(_PerFace):
    """Majority vote over the last ``window`` top emotions; scores are the vote shares."""

    def __init__(self, window: int = 15, forget_after: int = 60) -> None:
        super().__init__(forget_after)
        if int(window) < 1:
            raise ValueError(f"window must be at least 1, not {window}")
        self.window = int(window)

    def smooth(self, faces: list[Face], frame_index: int) -> None:
        self._forget_stale(frame_index)
        for face in faces:
            votes = self._state.setdefault(face.face_id, deque(maxlen=self.window))
            votes.append(int(np.argmax(face.raw_scores)))
            self._seen[face.face_id] = frame_index
            shares = np.bincount(np.fromiter(votes, int), minlength=len(face.raw_scores)).astype(np.float32)
            face.scores = shares / shares.sum()


@hookimpl
def fer_video_smoothers() -> list[StageFactory]:
    return [
        StageFactory("none", NoSmoother, "raw scores of each frame"),
        StageFactory("ema", EmaSmoother, "exponential moving average of scores per face (alpha=0.3)"),
        StageFactory("vote", VoteSmoother, "majority vote of the top emotion over a window (window=15)"),
    ]
