"""Test-time augmentation views: what flip and ten-crop cut from the network input, and the averaging."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from fer_video.models.card import InputSpec, ModelCard
from fer_video.models.tta import averaged, scored_views, view_count, with_views


def _batch(count: int = 2, side: int = 48) -> np.ndarray:
    rng = np.random.default_rng(7)
    return rng.uniform(0, 255, (count, side, side, 1)).astype(np.float32)


def _resized(image: np.ndarray, y: int, x: int, crop: int) -> np.ndarray:
    side = image.shape[0]
    return cv2.resize(image[y : y + crop, x : x + crop, 0], (side, side), interpolation=cv2.INTER_LINEAR)


def test_flip_adds_the_mirror_image_after_the_faces():
    batch = _batch()
    views = with_views(batch, "flip")
    assert views.shape == (4, 48, 48, 1)
    np.testing.assert_array_equal(views[:2], batch)
    np.testing.assert_array_equal(views[2:], batch[:, :, ::-1])


def test_ten_crop_is_four_corners_and_the_centre_at_44_of_48_each_also_mirrored():
    batch = _batch()
    views = with_views(batch, "ten-crop").reshape(10, 2, 48, 48, 1)
    origins = [(0, 0), (0, 4), (4, 0), (4, 4), (2, 2)]  # (y, x) of 44x44 crops of a 48x48 input
    for face in range(2):
        for k, (y, x) in enumerate(origins):
            expected = _resized(batch[face], y, x, 44)
            np.testing.assert_allclose(views[k, face, :, :, 0], expected, atol=1e-4)
            np.testing.assert_allclose(views[k + 5, face, :, :, 0], expected[:, ::-1], atol=1e-4)
    assert not np.allclose(views[0], views[3])  # corners really differ


def test_ten_crop_scales_with_the_input_side():
    views = with_views(_batch(1, side=128), "ten-crop")
    assert views.shape == (10, 128, 128, 1)
    np.testing.assert_allclose(views[3, :, :, 0], _resized(_batch(1, side=128)[0], 11, 11, 117), atol=1e-3)


def test_scores_are_averaged_over_each_faces_views():
    batch = _batch(3)

    def left_half_brightness(views: np.ndarray) -> np.ndarray:
        left = views[:, :, :24, 0].mean(axis=(1, 2))
        return np.stack([left, 255 - left], axis=1)

    scores = scored_views(batch, "flip", left_half_brightness)
    plain = left_half_brightness(batch)
    mirrored = left_half_brightness(batch[:, :, ::-1])
    np.testing.assert_allclose(scores, (plain + mirrored) / 2, rtol=1e-6)
    assert not np.allclose(scores, plain)
    assert scored_views(batch, "none", left_half_brightness).shape == (3, 2)
    assert averaged(np.zeros((0, 7)), "ten-crop").shape == (0, 7)
    assert [view_count(mode) for mode in ("none", "flip", "ten-crop")] == [1, 2, 10]


def test_unknown_modes_are_refused_and_cards_carry_their_mode(tmp_path):
    with pytest.raises(ValueError, match="not one of none, flip, ten-crop"):
        with_views(_batch(), "crops")
    with pytest.raises(ValueError, match="not one of none, flip, ten-crop"):
        InputSpec(size=48, tta="mirror")
    card = ModelCard(architecture="net", input=InputSpec(size=48, tta="flip"))
    card.write(tmp_path / "net.card.toml")
    assert ModelCard.read(tmp_path / "net.card.toml").input.tta == "flip"
    (tmp_path / "old.card.toml").write_text('architecture = "net"\n[input]\nsize = 48\ncolor = "gray"\n')
    assert ModelCard.read(tmp_path / "old.card.toml").input.tta == "none"  # cards written before tta
