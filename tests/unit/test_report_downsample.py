"""The report's charts stay light on long timelines: bounded points, every peak kept, gaps shown."""

from __future__ import annotations

import numpy as np
import pandas as pd
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


def _runs_across(x: np.ndarray, scores: np.ndarray, start: float, end: float) -> bool:
    """Whether two drawn points joined by a line (both finite, side by side) lie either side of a stretch."""
    finite = ~np.isnan(scores).any(axis=1)
    joined = finite[:-1] & finite[1:]
    return bool(np.any(joined & (x[:-1] <= start) & (x[1:] >= end)))


def test_a_face_missing_for_less_than_a_second_leaves_a_gap(tmp_path):
    """Face #1 gone from frames 69-89 of a 25 fps clip (2.76 s to 3.6 s): no line across."""
    timeline = read_timeline(synthesise_timeline(tmp_path / "t.csv", seconds=6, fps=25, gap=(69, 90)))
    face = timeline.faces[0]
    x, scores = drawn_points(face, timeline.fps, 3000, timeline.frame_step)
    assert not _runs_across(x, scores, 68 / 25, 90 / 25), "a line drawn where the face was not seen"
    assert np.isnan(scores).all(axis=1).sum() == 1, "one break, and none where it was seen"


def test_one_missed_frame_breaks_a_files_lines_but_a_live_sources_skipped_frames_do_not(tmp_path):
    timeline = read_timeline(synthesise_timeline(tmp_path / "t.csv", seconds=4, gap=(60, 61)))
    assert timeline.frame_step == 1
    x, scores = drawn_points(timeline.faces[0], timeline.fps, 3000, timeline.frame_step)
    assert not _runs_across(x, scores, 59 / 30, 61 / 30)
    live = pd.read_csv(synthesise_timeline(tmp_path / "live.csv", seconds=8, gap=(120, 150)))
    live = live[live["frame"] % 2 == 0]  # the analysis kept up with every other frame of the camera
    live.to_csv(tmp_path / "every-other.csv", index=False)
    timeline = read_timeline(tmp_path / "every-other.csv")
    assert timeline.frame_step == 2
    x, scores = drawn_points(timeline.faces[0], timeline.fps, 3000, timeline.frame_step)
    assert np.isnan(scores).all(axis=1).sum() == 1, "only the second the face was away breaks its lines"
    assert not _runs_across(x, scores, 119 / 30, 150 / 30)


def test_a_flickering_face_keeps_the_points_bounded_and_its_longest_gaps(tmp_path):
    table = pd.read_csv(synthesise_timeline(tmp_path / "t.csv", seconds=600))
    table = table[(table["frame"] % 7 != 0) | (table["frame"].between(3000, 3300))]  # a missed frame in seven
    table = table[~table["frame"].between(9000, 9600)]  # and 20 s away
    table.to_csv(tmp_path / "flicker.csv", index=False)
    timeline = read_timeline(tmp_path / "flicker.csv")
    x, scores = drawn_points(timeline.faces[0], timeline.fps, 1000, timeline.frame_step)
    assert len(x) <= 1000
    assert not _runs_across(x, scores, 299.9, 320.1), "the longest gap is kept"
