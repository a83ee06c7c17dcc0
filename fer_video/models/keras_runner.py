"""Run any Keras network as a fer-video classifier: crops in, canonical emotion scores out."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from fer_video.models.card import InputSpec
from fer_video.models.network import NetworkClassifier


class KerasClassifier(NetworkClassifier):
    """Classifies face crops with a Keras model, batched, in one compiled call per batch size.

    ``model`` is the network itself: ``fer-video export`` converts it to TF Lite.
    """

    def __init__(self, model, spec: InputSpec, labels: Sequence[str], name: str, weights: Path | None,
                 prior: Sequence[float] | None = None) -> None:
        import tensorflow as tf

        super().__init__(spec, labels, name, weights, prior)
        self.model = model
        signature = tf.TensorSpec((None, spec.size, spec.size, spec.channels), tf.float32)
        self._infer = tf.function(lambda x: model(x, training=False), input_signature=[signature])

    def _run(self, batch: np.ndarray) -> np.ndarray:
        return self._infer(batch).numpy()
