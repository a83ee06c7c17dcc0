"""What the report shows of a face: lines that break where it was not seen (figure and page data), and
peak moments only where an emotion was clearly the face's top one."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

from fer_video.emotions import EMOTIONS
from fer_video.report import make_report, read_timeline
from fer_video.report.figure import draw_figure
from fer_video.report.summary import PEAK_MIN_SCORE, summarise
from fer_video.report.timeline_file import FaceTrack
from tests.support import synthesise_timeline

GONE = (69, 90)
"""Frames a face is missing from, at 25 fps: 2.76 s to 3.6 s."""


def _face(scores: np.ndarray, fps: float = 25.0) -> FaceTrack:
    frames = np.arange(len(scores))
    return FaceTrack(0, frames, frames / fps, np.tile([10, 10, 50, 50], (len(frames), 1)), np.full(len(frames), 0.9),
                     scores.astype(np.float32), scores.argmax(axis=1))


def _joined_across(x: np.ndarray, y: np.ndarray, start: float, end: float) -> bool:
    finite = np.isfinite(y)
    return bool(np.any(finite[:-1] & finite[1:] & (x[:-1] <= start) & (x[1:] >= end)))


def test_the_figures_lines_break_where_the_face_was_not_seen(tmp_path):
    timeline = read_timeline(synthesise_timeline(tmp_path / "t.csv", seconds=6, fps=25, gap=GONE))
    figure = draw_figure(timeline, [summarise(face, timeline.fps) for face in timeline.faces])
    lines = figure.axes[0].get_lines()
    assert [line.get_label() for line in lines] == list(EMOTIONS)
    for line in lines:
        x, y = (np.asarray(values, float) for values in line.get_data())
        assert not _joined_across(x, y, (GONE[0] - 1) / 25, GONE[1] / 25), f"{line.get_label()} drawn across the gap"
        assert np.isnan(y).sum() == 1 and np.isfinite(y[x < 2.7]).all() and np.isfinite(y[x > 3.6]).all()


def test_the_pages_chart_data_has_a_null_where_the_face_was_not_seen(tmp_path):
    path = synthesise_timeline(tmp_path / "t.csv", seconds=6, fps=25, gap=GONE)
    page = make_report(path, tmp_path / "report.html").read_text()
    text = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S).group(1)
    face = json.loads(text.replace("<\\/", "</"))["faces"][0]
    x = np.array(face["x"], float)
    for scores in face["scores"]:
        y = np.array([np.nan if v is None else v for v in scores])
        assert not _joined_across(x, y, (GONE[0] - 1) / 25, GONE[1] / 25)
        assert np.isnan(y).sum() == 1


def _row(**named: float) -> list[float]:
    """Seven scores: those named, the rest sharing what is left equally."""
    rest = (1 - sum(named.values())) / (len(EMOTIONS) - len(named))
    return [named.get(name, rest) for name in EMOTIONS]


def test_a_peak_is_a_moment_the_emotion_was_clearly_the_top_one():
    scores = np.array([_row(neutral=0.7, surprise=0.04)] * 300)  # a calm face, surprise never above 4%
    scores[100:110] = _row(happy=0.8, neutral=0.1, surprise=0.03)  # that smiles clearly once
    scores[150:155] = _row(happy=0.42, neutral=0.3, surprise=0.02)  # and faintly: top, but 42%
    scores[200:210] = _row(sad=0.4, neutral=0.45, surprise=0.04)  # sad, but neutral is still above it
    scores[250:255] = _row(fear=0.55, neutral=0.2, surprise=0.04)  # afraid for a moment
    summary = summarise(_face(scores), 25.0)
    assert "surprise" not in summary.peaks, "a 4% 'peak' means nothing"
    assert "sad" not in summary.peaks, "sad never was the face's top emotion"
    assert [peak.frame for peak in summary.peaks["happy"]] == [100], "the faint smile 2 s later is no moment"
    assert [peak.frame for peak in summary.peaks["fear"]] == [250]
    assert set(summary.peaks) == {"happy", "fear", "neutral"}
    for name, peaks in summary.peaks.items():
        for peak in peaks:
            row = scores[peak.row]
            assert row.argmax() == EMOTIONS.index(name) and row.max() >= PEAK_MIN_SCORE


def test_a_face_without_a_clear_moment_says_so_and_the_threshold_is_named(tmp_path):
    unsure = np.array([_row(neutral=0.3, sad=0.25)] * 60)
    assert summarise(_face(unsure), 25.0).peaks == {}
    path = tmp_path / "unsure.csv"
    table = pd.read_csv(synthesise_timeline(tmp_path / "t.csv", seconds=2, smoothed=False))
    table[list(EMOTIONS)] = unsure
    table["emotion"], table["confidence"] = "neutral", 0.3
    table.to_csv(path, index=False)
    page = make_report(path, tmp_path / "r.html").read_text()
    assert f"top emotion at {PEAK_MIN_SCORE:.0%} or more" in page
    assert "No clear moment" in page and 'class="peak"' not in page
