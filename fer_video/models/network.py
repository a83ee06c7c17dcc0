"""What the Keras and TF Lite classifiers share: crops fed as an input spec says, scores in canonical order."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from fer_video.emotions import reorder_columns
from fer_video.models.card import InputSpec
from fer_video.models.tta import scored_views


class NetworkClassifier:
    """A classifier around one network: ``spec`` says how to feed it, ``labels`` name its outputs in order.

    A subclass runs one prepared batch in :meth:`_run`; the views ``spec.tta`` asks for are averaged
    and the columns put in :data:`fer_video.emotions.EMOTIONS` order here, so both runtimes answer
    alike. ``spec`` may be replaced on a copy (see :func:`fer_video.protocols.with_input`).
    """

    runtime = ""
    """Said after the weights in :attr:`description` (``TF Lite``); empty for Keras."""

    def __init__(self, spec: InputSpec, labels: Sequence[str], name: str, weights: Path | None,
                 prior: Sequence[float] | None = None) -> None:
        self.spec = spec
        self.name = name
        self.weights = weights
        self._columns = reorder_columns(tuple(labels))
        self.prior = None if prior is None else np.asarray(prior, np.float32)
        """Per-class factors (canonical order) the scores are multiplied by, then renormalised: how
        much of each emotion the model says, decided on its card (see :attr:`ModelCard.prior`)."""

    @property
    def description(self) -> str:
        return f"{self.name} ({', '.join(filter(None, [str(self.weights or 'untrained weights'), self.runtime]))})"

    def predict(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """Scores (N, 7) summing to 1, in :data:`fer_video.emotions.EMOTIONS` order, averaged over ``spec.tta``."""
        if len(crops) == 0:
            return np.zeros((0, len(self._columns)), np.float32)
        scores = scored_views(self.spec.prepare(crops), self.spec.tta, self._run)[:, self._columns]
        if self.prior is None:
            return scores
        scores = scores * self.prior
        return scores / np.maximum(scores.sum(axis=1, keepdims=True), 1e-12)

    def _run(self, batch: np.ndarray) -> np.ndarray:
        """The network's outputs for one prepared batch, in the order of ``labels``."""
        raise NotImplementedError
