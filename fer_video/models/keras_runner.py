"""Run any Keras network as a fer-video classifier: crops in, canonical emotion scores out."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from fer_video.emotions import reorder_columns
from fer_video.models.card import InputSpec
from fer_video.models.tta import scored_views


class KerasClassifier:
    """Classifies face crops with a Keras model, batched, in one compiled call per batch size."""

    def __init__(self, model, spec: InputSpec, labels: Sequence[str], name: str, weights: Path | None) -> None:
        import tensorflow as tf

        self.model = model
        self.spec = spec
        self.name = name
        self.weights = weights
        self._columns = reorder_columns(tuple(labels))
        signature = tf.TensorSpec((None, spec.size, spec.size, spec.channels), tf.float32)
        self._infer = tf.function(lambda x: model(x, training=False), input_signature=[signature])

    @property
    def description(self) -> str:
        return f"{self.name} ({self.weights or 'untrained weights'})"

    def predict(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """Scores (N, 7) summing to 1, in :data:`fer_video.emotions.EMOTIONS` order, averaged over ``spec.tta``."""
        if len(crops) == 0:
            return np.zeros((0, len(self._columns)), np.float32)
        scores = scored_views(self.spec.prepare(crops), self.spec.tta, lambda batch: self._infer(batch).numpy())
        return scores[:, self._columns]
