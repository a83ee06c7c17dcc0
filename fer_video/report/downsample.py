"""Draw a long timeline with a bounded number of points and lose no peak.

An hour at 30 fps is 108,000 rows per face: far more points than a chart is pixels wide, and a
page that carries them all is slow to open. Rows are grouped into equal stretches of time and each
emotion keeps its highest score in the stretch, so every peak still shows; a face that left the view
for more than a second leaves a gap in the lines.
"""

from __future__ import annotations

import numpy as np

from fer_video.report.timeline_file import FaceTrack

ABSENT_S = 1.0
"""A face unseen for longer than this breaks its lines, as on the live page."""


def drawn_points(face: FaceTrack, fps: float | None, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """``(x, scores)``: at most about ``max_points`` points, with NaN rows where the face was away.

    ``x`` is in seconds, or frame numbers for a timeline of pictures (no frame rate).
    """
    x = face.times if fps else face.frames.astype(np.float64)
    absent = ABSENT_S * fps if fps else 1.0
    segment = np.concatenate([[0], np.cumsum(np.diff(face.frames) > absent)])
    span = float(x[-1] - x[0])
    width = span / max(1, max_points - 1 - 2 * int(segment[-1]))  # a gap costs a NaN row and a split stretch
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
