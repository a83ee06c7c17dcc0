"""Ensembles: several trained copies of one architecture, averaged inside a single network.

Copies trained from different seeds make different mistakes, so the mean of their softmax
scores is more accurate than any one of them. Averaging inside one graph keeps the
classifier a single call per batch, and ``fer-video export`` turns the whole thing into one
TF Lite file with one card: nothing downstream needs to know it is an ensemble.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from fer_video.models.card import ModelCard

if TYPE_CHECKING:
    import keras


def averaged(members: Sequence["keras.Model"], name: str) -> "keras.Model":
    """One network whose output is the mean of the members' outputs on the same input."""
    import keras

    if len(members) < 2:
        raise ValueError("an ensemble needs at least two trained networks")
    # Re-wrapped under distinct names: Keras refuses two nested models with the same name.
    renamed = [keras.Model(member.input, member.output, name=f"{name}_{i}") for i, member in enumerate(members)]
    face = keras.Input(members[0].input.shape[1:], name="face")
    scores = keras.layers.Average(name="emotion")([member(face) for member in renamed])
    return keras.Model(face, scores, name=f"{name}_ensemble")


def ensemble_training_card(cards: Sequence[ModelCard], sources: Sequence[str]) -> ModelCard:
    """The training card of an ensemble: what every member's own card said, member by member.

    ``sources`` names each member's weights file, in the same order as ``cards``.
    """
    first = cards[0]
    for card, source in zip(cards[1:], sources[1:]):
        if card.architecture != first.architecture or card.input != first.input or card.labels != first.labels:
            raise ValueError(
                f"{source} is a {card.architecture} taking {card.input}, but {sources[0]} is a "
                f"{first.architecture} taking {first.input}; ensemble members must share architecture, "
                "input and labels"
            )
    members: list[dict[str, Any]] = []
    for card, source in zip(cards, sources):
        member = {"weights": source, **card.details.get("training", {})}
        accuracy = card.details.get("validation", {}).get("accuracy")
        if accuracy is not None:
            member["val_accuracy"] = accuracy
        members.append(member)
    details: dict[str, Any] = {"ensemble": {"size": len(cards), "combine": "mean of softmax scores",
                                            "members": members}}
    if all("parameters" in card.details for card in cards):
        details["parameters"] = sum(card.details["parameters"] for card in cards)
    return ModelCard(architecture=first.architecture, input=first.input, labels=first.labels, details=details)
