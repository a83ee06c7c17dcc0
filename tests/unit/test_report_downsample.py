"""The report's charts stay light on long timelines: bounded points, every peak kept, gaps shown."""

from __future__ import annotations

import numpy as np
import pytest

from fer_video.report import read_timeline
from fer_video.report.downsample import drawn_points
from tests.support import synthesise_timeline


def test_downsampling_bounds_the_points_keeps_every_peak_and_breaks_at_gaps(tmp_path):
    path = synthesise_timeline(tmp_path / "t.csv", seconds=600, gap=(9000, 9600))
    face = read_timeline(path).faces[0]
    x, scores = drawn_points(face, 30.0, 1000)
    assert len(x) <= 1000
    assert np.nanmax(scores, axis=0) == pytest.approx(face.scores.max(axis=0), abs=1e-6)
    breaks = np.flatnonzero(np.isnan(scores).all(axis=1))
    assert len(breaks) == 1 and 300 < x[breaks[0]] < 320, "one gap, where the face was away (300-320 s)"
    short_x, short = drawn_points(face, 30.0, 10 * len(face.frames))
    assert len(short_x) == len(face.frames) + 1, "a short timeline is drawn row for row (plus the gap)"
