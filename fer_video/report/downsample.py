"""Draw a long timeline with a bounded number of points and lose no peak.

An hour at 30 fps is 108,000 rows per face: far more points than a chart is pixels wide, and a
page that carries them all is slow to open. Rows are grouped into equal stretches of time and each
emotion keeps its highest score in the stretch, so every peak still shows. Wherever the face was not
seen its lines break: no line is drawn across frames it was missing from.
"""

from __future__ import annotations

import numpy as np

from fer_video.report.timeline_file import FaceTrack

MISSED_STEP = 1.5
"""A face's step between rows longer than this many of the timeline's usual steps means frames it was
missing from: one missed frame of a file breaks its lines (a step of 2 where the usual one is 1)."""
GAPS_SHARE = 0.25
"""At most this share of the points go to gaps (a NaN row each); a face that flickers in and out more
often keeps its longest gaps, the shortest are drawn across."""


def drawn_points(face: FaceTrack, fps: float | None, max_points: int,
                 frame_step: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """``(x, scores)``: at most about ``max_points`` points, with a NaN row wherever the face was away.

    ``x`` is in seconds, or frame numbers for a timeline of pictures (no frame rate). ``frame_step``
    is the timeline's usual step between analysed frames (:attr:`Timeline.frame_step`).
    """
    x = face.times if fps else face.frames.astype(np.float64)
    steps = np.diff(face.frames)
    gaps = np.flatnonzero(steps > MISSED_STEP * frame_step)
    most = int(max_points * GAPS_SHARE)
    if len(gaps) > most:  # keep the longest gaps, in time order
        gaps = np.sort(gaps[np.argsort(-steps[gaps], kind="stable")[:most]])
    after_gap = np.zeros(len(x), bool)
    after_gap[gaps + 1] = True
    segment = np.cumsum(after_gap)
    span = float(x[-1] - x[0])
    width = span / max(1, max_points - 1 - 2 * len(gaps))  # a gap costs a NaN row and a split stretch
    bucket = np.floor((x - x[0]) / width).astype(np.int64) if width > 0 else np.arange(len(x))
    starts = np.flatnonzero(np.diff(bucket, prepend=-1) | np.diff(segment, prepend=-1))
    counts = np.diff(np.append(starts, len(x)))
    xs = np.add.reduceat(x, starts) / counts
    scores = np.maximum.reduceat(face.scores, starts, axis=0).astype(np.float64)
    breaks = np.flatnonzero(np.diff(segment[starts])) + 1  # a NaN row before each stretch after a gap
    if len(breaks):
        xs = np.insert(xs, breaks, (xs[breaks - 1] + xs[breaks]) / 2)
        scores = np.insert(scores, breaks, np.nan, axis=0)
    return xs, scores
