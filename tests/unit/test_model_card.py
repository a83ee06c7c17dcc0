"""Model cards and input specs: how a model is fed, written and read back."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from fer_video.emotions import EMOTIONS, reorder_columns
from fer_video.models.card import InputSpec, ModelCard, card_path_for


def test_card_round_trips_with_its_details(tmp_path):
    card = ModelCard(architecture="net", input=InputSpec(size=64, color="rgb", scale=1 / 255, blur=1.5),
                     labels=tuple(sorted(EMOTIONS)), weights="net.tflite",
                     details={"validation": {"accuracy": 0.5, "recall": {"happy": 0.9}}})
    card.write(tmp_path / "net.card.toml")
    again = ModelCard.read(tmp_path / "net.card.toml")
    assert again.input == card.input and again.labels == card.labels
    assert again.details["validation"]["recall"]["happy"] == 0.9


def test_card_beside_each_kind_of_weights():
    assert card_path_for("m/net.weights.h5").name == "net.card.toml"
    assert card_path_for("m/net.tflite").name == "net.card.toml"
    assert card_path_for("m/net.keras").name == "net.card.toml"


def test_incomplete_card_says_what_it_needs(tmp_path):
    (tmp_path / "bad.card.toml").write_text('architecture = "x"\n')
    with pytest.raises(ValueError, match=r"needs architecture, labels and an \[input\] table"):
        ModelCard.read(tmp_path / "bad.card.toml")


def test_prepare_converts_colour_resizes_scales_and_blurs():
    crop = np.zeros((96, 80, 3), np.uint8)
    crop[..., 2] = 200  # pure red in BGR
    rgb = InputSpec(size=32, color="rgb", scale=0.5).prepare([crop])
    assert rgb.shape == (1, 32, 32, 3) and rgb[0, 5, 5, 0] == 100 and rgb[0, 5, 5, 2] == 0
    gray = InputSpec(size=48, color="gray").prepare([crop, crop[..., 0]])
    assert gray.shape == (2, 48, 48, 1)
    edge = np.zeros((48, 48), np.uint8)
    edge[:, 24:] = 255
    blurred = InputSpec(size=48, blur=2.0).prepare([edge])[0, :, :, 0]
    expected = cv2.GaussianBlur(edge, (0, 0), 2.0, borderType=cv2.BORDER_REFLECT)
    np.testing.assert_allclose(blurred, expected)
    assert 0 < blurred[10, 23] < 255


def test_reorder_columns_maps_any_label_order_to_canonical():
    alphabetical = sorted(EMOTIONS)
    scores = np.eye(7)[[alphabetical.index("happy")]]
    assert EMOTIONS[int(np.argmax(scores[:, reorder_columns(alphabetical)]))] == "happy"
    with pytest.raises(ValueError, match="seven emotions"):
        reorder_columns(["happy", "sad"])
