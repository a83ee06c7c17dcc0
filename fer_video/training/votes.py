"""FER+ crowd votes: ten annotators' votes per FER-2013 face, as training targets and as truth.

FER+ (Barsoum et al., 2016) gives every FER-2013 face ten votes over neutral, happiness, surprise,
sadness, anger, disgust, fear, contempt, unknown and not-a-face. fer-video reads them from an
``.npz`` with ``votes_<split>`` arrays (N, 10) in that column order, row for row with the faces:
the data file's own arrays, or a ``ferplus_votes.npz`` found beside it (see :func:`find_votes`).

Contempt has no FER-2013 class, and unknown and not-a-face are not emotions: a face's vote
*distribution* keeps the seven emotions' votes only, renormalised, and a face whose seven
emotions hold fewer than half its votes has none (training falls back to its FER-2013 label).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

COLUMNS = ("neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear", "contempt", "unknown", "NF")
CLASS_COLUMNS = (4, 5, 6, 1, 3, 2, 0)
"""The FER+ column of each canonical emotion (angry, disgust, fear, happy, sad, surprise, neutral)."""
VOTES_FILE = "ferplus_votes.npz"


def find_votes(data: Path | str) -> Path | None:
    """The votes file for FER-2013 ``data``: the ``.npz`` itself when it carries ``votes_*`` arrays,
    else ``ferplus_votes.npz`` beside it or in a sibling ``ferplus/`` folder; ``None`` if none."""
    data = Path(data)
    if data.suffix == ".npz" and data.is_file():
        with np.load(data, allow_pickle=False) as arrays:
            if any(name.startswith("votes_") for name in arrays.files):
                return data
    folder = data.parent if data.is_file() else data
    for candidate in (folder / VOTES_FILE, folder.parent / "ferplus" / VOTES_FILE):
        if candidate.is_file():
            return candidate
    return None


def load_votes(path: Path | str, split: str, count: int) -> np.ndarray:
    """``votes_<split>`` of ``path`` as (``count``, 10) integers; refuses a file whose rows do not match."""
    with np.load(path, allow_pickle=False) as arrays:
        name = f"votes_{split}"
        if name not in arrays.files:
            raise ValueError(f"{path} holds no {name} array (it holds {', '.join(sorted(arrays.files))})")
        votes = np.asarray(arrays[name]).astype(np.int64)
    if votes.shape != (count, len(COLUMNS)):
        raise ValueError(f"{path}: {name} has shape {votes.shape}; expected ({count}, {len(COLUMNS)}), "
                         "one row of FER+ votes per face of the split, in FER+'s column order")
    return votes


def distribution(votes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each face's votes over the seven emotions, renormalised, in canonical order, and which faces
    have one (their seven emotions hold at least half of their votes)."""
    seven = votes[:, CLASS_COLUMNS].astype(np.float32)
    kept = seven.sum(axis=1)
    usable = (kept > 0) & (kept * 2 >= votes.sum(axis=1))
    shares = np.divide(seven, kept[:, None], out=np.zeros_like(seven), where=usable[:, None])
    return shares, usable


def plurality_labels(votes: np.ndarray) -> np.ndarray:
    """The FER+ majority label in canonical order: the category with the most votes, or -1 where it is
    not one of the seven emotions (contempt, unknown, not-a-face), is tied, or the face has no votes."""
    return _top_emotion(votes)


def strict_labels(votes: np.ndarray) -> np.ndarray:
    """FER+'s own ``majority`` rule: single votes dropped, then the top category only where it holds
    more than half of the rest (and is one of the seven emotions); -1 elsewhere."""
    kept = np.where(votes <= 1, 0, votes)
    labels = _top_emotion(kept)
    top = kept.max(axis=1)
    labels[top * 2 <= kept.sum(axis=1)] = -1
    return labels


def _top_emotion(votes: np.ndarray) -> np.ndarray:
    top = votes.max(axis=1, keepdims=True)
    winners = (votes == top).sum(axis=1)
    column = votes.argmax(axis=1)
    to_class = np.full(len(COLUMNS), -1)
    to_class[list(CLASS_COLUMNS)] = np.arange(len(CLASS_COLUMNS))
    labels = to_class[column]
    labels[(winners > 1) | (top[:, 0] == 0)] = -1
    return labels


def soft_targets(labels: np.ndarray, votes: np.ndarray, share: float) -> np.ndarray:
    """Training targets (N, 7), canonical order: ``share`` of each face's FER+ vote distribution and the
    rest its FER-2013 label; faces without a distribution get their label alone."""
    if not 0 <= share <= 1:
        raise ValueError(f"the votes' share must be from 0 to 1, not {share}")
    shares, usable = distribution(votes)
    one_hot = np.eye(len(CLASS_COLUMNS), dtype=np.float32)[labels]
    mixed = share * shares + (1 - share) * one_hot
    return np.where(usable[:, None], mixed, one_hot).astype(np.float32)
