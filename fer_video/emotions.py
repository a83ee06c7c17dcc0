"""The seven FER-2013 emotions, in the order every fer-video stage speaks."""

from __future__ import annotations

EMOTIONS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
"""Canonical order: FER-2013's own label order (0 angry ... 6 neutral).

Classifiers whose network emits another order (the original repo's models emit the
alphabetical folder order) reorder their scores to this one before returning them.
"""


def reorder_columns(labels: tuple[str, ...] | list[str]) -> list[int]:
    """Column indices that turn scores in ``labels`` order into ``EMOTIONS`` order."""
    unknown = sorted(set(EMOTIONS) ^ set(labels))
    if unknown or len(labels) != len(EMOTIONS):
        raise ValueError(
            f"labels {list(labels)} must be the seven emotions {list(EMOTIONS)} in any order"
            + (f" (differs in: {', '.join(unknown)})" if unknown else "")
        )
    return [list(labels).index(name) for name in EMOTIONS]
