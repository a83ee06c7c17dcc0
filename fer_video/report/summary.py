"""What a person wants to know about each face: how long it was seen, how it felt, and when each
emotion peaked."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fer_video.emotions import EMOTIONS
from fer_video.report.timeline_file import FaceTrack

PEAKS_PER_EMOTION = 3
PEAK_GAP_S = 5.0
"""Peaks of one emotion at least this far apart count as separate moments (frames, for pictures)."""
PEAK_MIN_SCORE = 0.5
"""A peak moment is a row where the emotion is the face's top one with at least this score: it then
outweighs the other six together, so the still shows that emotion to a person looking at it. A face
whose surprise never rose above a few percent has no surprise moment to show."""


@dataclass(frozen=True)
class Peak:
    """One moment an emotion peaked: ``row`` indexes the face's track."""

    emotion: str
    row: int
    frame: int
    time_s: float
    score: float


@dataclass
class FaceSummary:
    face_id: int
    frames: int
    """Rows of this face: frames it was analysed on."""
    seconds: float | None
    """Time on screen, ``frames / fps``; ``None`` without a frame rate (pictures)."""
    first_s: float
    last_s: float
    shares: dict[str, float]
    """Share of its frames in which each emotion was the top one."""
    top_emotion: str
    peaks: dict[str, list[Peak]]
    """Per emotion that had a moment (top emotion, score at least :data:`PEAK_MIN_SCORE`), up to
    :data:`PEAKS_PER_EMOTION` moments, highest first; emotions without one are left out."""
    best_row: int
    """The row of its most confident detection: its thumbnail. Rows carried between detections repeat
    their detection's score, and the first of equal rows is the detected one."""
    picture: str | None = None
    """The picture it is in, for a folder of pictures' timeline."""

    @property
    def name(self) -> str:
        """How a person reads it: ``face #3``, or ``face #3 (in beach.jpg)`` for a picture's face."""
        return f"face #{self.face_id}" + (f" (in {self.picture})" if self.picture else "")


def summarise(face: FaceTrack, fps: float | None) -> FaceSummary:
    """Time on screen, shares of time per emotion, peak moments and the best detection of one face."""
    counts = np.bincount(face.top, minlength=len(EMOTIONS))
    shares = {name: float(count / len(face.top)) for name, count in zip(EMOTIONS, counts)}
    best_row = int(np.argmax(face.detector_scores))  # the first of equals: the detection, not a carried copy
    axis = face.times if fps else face.frames.astype(np.float64)
    gap = PEAK_GAP_S if fps else 1.0
    found = {name: _peaks(face, i, axis, gap) for i, name in enumerate(EMOTIONS)}
    peaks = {name: moments for name, moments in found.items() if moments}
    return FaceSummary(
        face_id=face.face_id, frames=len(face.frames), seconds=len(face.frames) / fps if fps else None,
        first_s=float(face.times[0]), last_s=float(face.times[-1]), shares=shares,
        top_emotion=EMOTIONS[int(counts.argmax())], peaks=peaks, best_row=best_row, picture=face.picture,
    )


def _peaks(face: FaceTrack, column: int, axis: np.ndarray, gap: float) -> list[Peak]:
    """The highest scores at least ``gap`` apart on ``axis``, greedily from the top, among the rows
    where the emotion is the top one with a score of at least :data:`PEAK_MIN_SCORE`."""
    scores = face.scores[:, column]
    rows = np.flatnonzero((face.top == column) & (scores >= PEAK_MIN_SCORE))
    if not len(rows):
        return []
    order = rows[np.argsort(-scores[rows], kind="stable")]
    chosen: list[int] = []
    for row in order:
        if len(chosen) == PEAKS_PER_EMOTION:
            break
        if all(abs(axis[row] - axis[other]) >= gap for other in chosen):
            chosen.append(int(row))
    return [Peak(EMOTIONS[column], row, int(face.frames[row]), float(face.times[row]), float(scores[row]))
            for row in chosen]
