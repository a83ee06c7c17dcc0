"""Scores for a whole split through a classifier's own ``predict``, with optional test-time augmentation.

Evaluation goes through exactly the path the video pipeline uses (crop in, canonical
scores out, averaged over the views the model card's ``tta`` asks for), so a model card's
numbers hold for ``annotate`` too.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from fer_video.models.tta import check_mode, view_count
from fer_video.protocols import Classifier, describe, input_spec, with_input
from fer_video.training.datasets import Split


def with_tta(classifier: Classifier, tta: str | None) -> Classifier:
    """``classifier`` averaging over ``tta``'s views instead of its card's; ``None`` keeps the card's.

    The copy shares the loaded network, so trying another mode costs no second load.
    """
    spec = input_spec(classifier)
    if tta is None or (spec is not None and spec.tta == tta):
        return classifier
    check_mode(tta)
    if spec is None:
        raise ValueError(f"{describe(classifier)} has no input spec to apply test-time augmentation to")
    return with_input(classifier, replace(spec, tta=tta))


def predict_split(classifier: Classifier, split: Split, *, tta: str | None = None,
                  batch_size: int = 512) -> np.ndarray:
    """(N, 7) scores in canonical order; ``tta`` (none, flip, ten-crop) overrides the card's."""
    classifier = with_tta(classifier, tta)
    spec = input_spec(classifier)
    step = max(1, batch_size // view_count(spec.tta if spec is not None else "none"))
    images = split.load_images()
    scores = [classifier.predict(list(images[start : start + step])) for start in range(0, len(images), step)]
    return np.concatenate(scores) if scores else np.zeros((0, 7), np.float32)
