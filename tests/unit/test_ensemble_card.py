"""An ensemble's card: its members must take the same input, since one TF Lite file feeds them all."""

from __future__ import annotations

import pytest

from fer_video.models.card import InputSpec, ModelCard
from fer_video.models.fernet import RECIPE
from fer_video.training.ensemble import ensemble_training_card


def test_members_must_share_their_input():
    fernet = ModelCard(architecture="fernet", input=RECIPE.input)
    sharper = ModelCard(architecture="fernet", input=InputSpec(size=48, color="gray", blur=1.0))
    with pytest.raises(ValueError, match="b.weights.h5 is a fernet taking .* members must share"):
        ensemble_training_card([fernet, sharper], ["a.weights.h5", "b.weights.h5"])
