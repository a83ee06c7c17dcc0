"""Scores for a whole split through a classifier's own ``predict``, with optional test-time augmentation.

Evaluation goes through exactly the path the video pipeline uses (crop in, canonical
scores out), so a model card's numbers hold for ``annotate`` too.
"""

from __future__ import annotations

import numpy as np

from fer_video.stages import Classifier
from fer_video.training.datasets import Split

TTA_MODES = ("none", "flip", "crops")


def predict_split(classifier: Classifier, split: Split, *, tta: str = "none", batch_size: int = 512) -> np.ndarray:
    """(N, 7) scores in canonical order; ``flip`` averages the mirror image, ``crops`` adds 4 shifted crops."""
    if tta not in TTA_MODES:
        raise ValueError(f"test-time augmentation {tta!r} is not one of {', '.join(TTA_MODES)}")
    images = split.load_images()
    scores = []
    for start in range(0, len(images), batch_size):
        batch = images[start : start + batch_size]
        views = [batch]
        if tta in ("flip", "crops"):
            views.append(batch[:, :, ::-1])
        if tta == "crops":
            views += [_shifted(batch, dx, dy) for dx, dy in ((-1, -1), (1, -1), (-1, 1), (1, 1))]
        scores.append(np.mean([classifier.predict(list(view)) for view in views], axis=0))
    return np.concatenate(scores) if scores else np.zeros((0, 7), np.float32)


def _shifted(batch: np.ndarray, dx: int, dy: int, step: int = 2) -> np.ndarray:
    """A crop ``step`` pixels smaller on each side, moved towards (dx, dy) and resized back."""
    import cv2

    side = batch.shape[1]
    x0, y0 = step + dx * step, step + dy * step
    crop = side - 2 * step
    return np.stack([cv2.resize(image[y0 : y0 + crop, x0 : x0 + crop], (side, side)) for image in batch])
