"""Test-time augmentation: score several views of each face and average the scores.

A model card declares its mode (``tta = "flip"`` under ``[input]``) and the classifier
applies it inside ``predict``, so the pipeline, ``evaluate`` and ``export`` all run a
shipped model the same way and its card's accuracy holds for video too. Views are cut
from the prepared network input, so they cost no second resize of the face crop.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

TTA_MODES = ("none", "flip", "ten-crop")
CROP_SHARE = 44 / 48
"""Side of each ten-crop view as a share of the network input (44 pixels of 48)."""


def view_count(mode: str) -> int:
    """How many views ``mode`` scores per face (so callers can size their batches)."""
    return {"none": 1, "flip": 2, "ten-crop": 10}[check_mode(mode)]


def check_mode(mode: str) -> str:
    if mode not in TTA_MODES:
        raise ValueError(f"test-time augmentation {mode!r} is not one of {', '.join(TTA_MODES)}")
    return mode


def with_views(batch: np.ndarray, mode: str) -> np.ndarray:
    """(N, S, S, C) network inputs -> (V*N, S, S, C), view after view.

    ``flip`` adds the mirror image; ``ten-crop`` is the four corner crops and the centre crop
    (``CROP_SHARE`` of the side, resized back to S) and the mirror image of each.
    """
    if check_mode(mode) == "none" or len(batch) == 0:
        return batch
    views = [batch] if mode == "flip" else [_crop_resized(batch, y, x) for y, x in _crop_origins(batch.shape[1])]
    return np.concatenate(views + [view[:, :, ::-1] for view in views])


def averaged(scores: np.ndarray, mode: str) -> np.ndarray:
    """Scores of :func:`with_views`'s batch -> one row per face, the mean over its views."""
    return scores.reshape(view_count(mode), -1, scores.shape[-1]).mean(axis=0)


def scored_views(batch: np.ndarray, mode: str, run: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """``run`` (network inputs -> scores) on every view of ``batch``, averaged per face."""
    return averaged(run(with_views(batch, mode)), mode)


def _crop_origins(side: int) -> list[tuple[int, int]]:
    far = side - round(side * CROP_SHARE)
    return [(0, 0), (0, far), (far, 0), (far, far), (far // 2, far // 2)]


def _crop_resized(batch: np.ndarray, y: int, x: int) -> np.ndarray:
    side = batch.shape[1]
    crop = round(side * CROP_SHARE)
    return np.stack([
        cv2.resize(image[y : y + crop, x : x + crop], (side, side), interpolation=cv2.INTER_LINEAR)
        .reshape(image.shape)
        for image in batch
    ])
