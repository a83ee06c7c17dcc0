"""``fer-video evaluate``: any classifier on a FER-2013 split, through its own predict path.

Beside FER-2013's own labels (one person's guess per face), faces that carry FER+ votes (see
:mod:`fer_video.training.votes`) are also scored against the ten annotators' majority, by plurality
without ties and by FER+'s strict rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fer_video.protocols import Classifier
from fer_video.training.datasets import load_fer2013
from fer_video.training.metrics import Report
from fer_video.training.predict import predict_split

FER2013 = "FER-2013 labels"
FERPLUS_PLURALITY = "FER+ majority (plurality, no ties)"
FERPLUS_STRICT = "FER+ majority (strict rule: single votes dropped, more than half of the rest)"


@dataclass
class Evaluation:
    """One classifier's reports on one split, by the truth each was scored against (FER-2013 first)."""

    reports: dict[str, Report] = field(default_factory=dict)
    votes: Path | None = None

    @property
    def fer2013(self) -> Report:
        return self.reports[FER2013]

    def as_text(self) -> str:
        blocks = [self.fer2013.as_text()]
        for name, report in self.reports.items():
            if name != FER2013:
                blocks.append(f"{name}, votes from {self.votes}:\n{report.as_text()}")
        if len(self.reports) == 1:
            blocks.append("(no FER+ votes for these faces: pass --votes, or keep ferplus_votes.npz beside the data)")
        return "\n\n".join(blocks)


def evaluate(classifier: Classifier, data: Path, split: str = "val", *, tta: str | None = None,
             limit: int | None = None) -> Report:
    """Accuracy and confusion of ``classifier`` on one split; ``tta=None`` averages as its card says."""
    return evaluate_all(classifier, data, split, tta=tta, limit=limit, votes=False).fer2013


def evaluate_all(classifier: Classifier, data: Path, split: str = "val", *, tta: str | None = None,
                 limit: int | None = None, votes: Path | None | bool = None) -> Evaluation:
    """Reports against FER-2013's labels and, where votes are found (``votes``: a file, ``None`` to look
    beside ``data``, ``False`` for none), against FER+'s majority by both rules."""
    from fer_video.training.votes import find_votes, load_votes, plurality_labels, strict_labels

    splits = load_fer2013(data)
    if split not in splits:
        raise ValueError(f"{data} has no {split!r} split; it has {', '.join(sorted(splits))}")
    whole = splits[split]
    rows = whole.subset_rows(limit) if limit else np.arange(len(whole))
    faces = whole.subset(limit) if limit else whole
    predicted = predict_split(classifier, faces, tta=tta).argmax(axis=1)
    evaluation = Evaluation({FER2013: Report.from_labels(faces.labels, predicted)})
    path = find_votes(data) if votes is None else (votes or None)
    if path is not None:
        counts = load_votes(path, split, len(whole))[rows]
        evaluation.votes = Path(path)
        for name, labels in ((FERPLUS_PLURALITY, plurality_labels(counts)), (FERPLUS_STRICT, strict_labels(counts))):
            kept = labels >= 0
            evaluation.reports[name] = Report.from_labels(labels[kept], predicted[kept])
    return evaluation
