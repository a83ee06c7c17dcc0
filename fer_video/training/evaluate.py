"""``fer-video evaluate``: any classifier on a FER-2013 split, through its own predict path."""

from __future__ import annotations

from pathlib import Path

from fer_video.protocols import Classifier
from fer_video.training.datasets import load_fer2013
from fer_video.training.metrics import Report
from fer_video.training.predict import predict_split


def evaluate(classifier: Classifier, data: Path, split: str = "val", *, tta: str | None = None,
             limit: int | None = None) -> Report:
    """Accuracy and confusion of ``classifier`` on one split; ``tta=None`` averages as its card says."""
    splits = load_fer2013(data)
    if split not in splits:
        raise ValueError(f"{data} has no {split!r} split; it has {', '.join(sorted(splits))}")
    faces = splits[split] if not limit else splits[split].subset(limit)
    scores = predict_split(classifier, faces, tta=tta)
    return Report.from_labels(faces.labels, scores.argmax(axis=1))
