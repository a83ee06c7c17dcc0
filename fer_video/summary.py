"""One answer for a face from all its frames: the ways of summing a face's scores up.

A timeline scores a face on every frame; a person who watched the clip gives one answer. How the
frames are summed up changes that answer as much as the model does (a brief surprise is lost in
a mean; one odd frame decides a peak), so the rules are named here and measured side by side by
``benchmarks/real_video.py --rules``. The per-face table (``report -o faces.csv``) keeps the mean,
:data:`DEFAULT_RULE`: no rule beat it beyond the noise.
"""

from __future__ import annotations

import numpy as np

RULES = ("mean", "confidence-weighted mean", "share of frames", "peak", "mean of logs")
DEFAULT_RULE = "mean"


def summarise(scores: np.ndarray, rule: str = DEFAULT_RULE) -> np.ndarray:
    """The face's seven scores (summing to 1) from its per-frame ``scores`` (N, 7), by ``rule``:

    - ``mean``: the average score of each emotion;
    - ``confidence-weighted mean``: frames weighted by their top score, so unsure frames count less;
    - ``share of frames``: the share of frames in which each emotion is the top one;
    - ``peak``: each emotion's highest score, renormalised (a brief expression wins);
    - ``mean of logs``: the geometric mean, renormalised (an emotion must hold on every frame).
    """
    scores = np.asarray(scores, np.float64)
    if scores.ndim != 2 or len(scores) == 0:
        raise ValueError(f"expected per-frame scores of shape (frames, emotions), got {scores.shape}")
    if rule == "mean":
        summary = scores.mean(axis=0)
    elif rule == "confidence-weighted mean":
        summary = np.average(scores, axis=0, weights=scores.max(axis=1))
    elif rule == "share of frames":
        summary = np.bincount(scores.argmax(axis=1), minlength=scores.shape[1]).astype(np.float64)
    elif rule == "peak":
        summary = scores.max(axis=0)
    elif rule == "mean of logs":
        summary = np.exp(np.log(np.maximum(scores, 1e-6)).mean(axis=0))
    else:
        raise ValueError(f"unknown summary rule {rule!r}: use one of {', '.join(RULES)}")
    return summary / summary.sum()
