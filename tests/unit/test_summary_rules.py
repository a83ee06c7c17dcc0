"""A face's one answer from its frames, by each summary rule (fer_video.summary)."""

from __future__ import annotations

import numpy as np
import pytest

from fer_video.emotions import EMOTIONS
from fer_video.summary import RULES, summarise

NEUTRAL, SURPRISE, SAD = (EMOTIONS.index(name) for name in ("neutral", "surprise", "sad"))


def frames(*rows: dict[int, float]) -> np.ndarray:
    """Per-frame scores: the emotions named, and the rest of each row shared evenly by the others."""
    scores = np.empty((len(rows), 7))
    for scores_row, row in zip(scores, rows):
        scores_row[:] = (1 - sum(row.values())) / (7 - len(row))
        for column, value in row.items():
            scores_row[column] = value
    return scores


def test_a_brief_surprise_is_the_peak_answer_and_not_the_means():
    clip = frames(*[{NEUTRAL: 0.9}] * 8, {SURPRISE: 0.95}, {SURPRISE: 0.9})
    assert EMOTIONS[summarise(clip, "mean").argmax()] == "neutral"
    assert EMOTIONS[summarise(clip, "share of frames").argmax()] == "neutral"
    assert EMOTIONS[summarise(clip, "peak").argmax()] == "surprise"


def test_unsure_frames_count_less_in_the_confidence_weighted_mean():
    clip = frames({SAD: 0.9}, {SAD: 0.9}, {NEUTRAL: 0.4, SAD: 0.3}, {NEUTRAL: 0.4, SAD: 0.3}, {NEUTRAL: 0.4, SAD: 0.3},
                  {NEUTRAL: 0.45}, {NEUTRAL: 0.45}, {NEUTRAL: 0.45}, {NEUTRAL: 0.45})
    assert EMOTIONS[summarise(clip, "share of frames").argmax()] == "neutral"
    assert EMOTIONS[summarise(clip, "confidence-weighted mean").argmax()] == "sad"


@pytest.mark.parametrize("rule", RULES)
def test_every_rule_gives_seven_scores_summing_to_one(rule):
    summary = summarise(frames({SAD: 0.6}, {NEUTRAL: 0.7}), rule)
    assert summary.shape == (7,) and summary.sum() == pytest.approx(1.0)


def test_an_unknown_rule_or_no_frames_is_refused():
    with pytest.raises(ValueError, match="unknown summary rule"):
        summarise(frames({SAD: 0.6}), "median")
    with pytest.raises(ValueError, match="per-frame scores"):
        summarise(np.zeros((0, 7)), "mean")
