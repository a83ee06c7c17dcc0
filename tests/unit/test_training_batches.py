"""Training batches: augmentation that looks like video faces, and resumed runs that see new batches."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

pytest.importorskip("keras", reason="needs TensorFlow, which a core install leaves out: pip install 'fer-video[train]'")

from fer_video.emotions import EMOTIONS
from fer_video.models.fernet import INPUT
from fer_video.training.batches import augment_faces, make_batches
from fer_video.training.datasets import Split
from fer_video.training.trainer import batch_seed


def _faces(count: int = 64) -> np.ndarray:
    """Textured 48x48 faces: smoothed noise, with detail at every scale like a photo."""
    rng = np.random.default_rng(1)
    noise = rng.normal(128, 60, (count, 48, 48)).astype(np.float32)
    return np.stack([np.clip(cv2.GaussianBlur(face, (0, 0), 0.7), 0, 255) for face in noise]).astype(np.uint8)


def _detail(faces: np.ndarray) -> float:
    return float(np.mean([cv2.Laplacian(face.astype(np.float32), cv2.CV_32F).var() for face in faces]))


def test_video_degradation_takes_detail_away_as_small_moving_compressed_faces_lose_it():
    faces = _faces()
    plain = augment_faces(faces, np.random.default_rng(0))
    degraded = augment_faces(faces, np.random.default_rng(0), video_degradation=1.0)
    assert degraded.shape == faces.shape and degraded.dtype == np.float32
    assert 0 <= degraded.min() and degraded.max() <= 255
    assert _detail(degraded) < 0.6 * _detail(plain)


def test_a_share_of_zero_degrades_nothing():
    faces = _faces(8)
    assert np.array_equal(augment_faces(faces, np.random.default_rng(4)),
                          augment_faces(faces, np.random.default_rng(4), video_degradation=0.0))


def test_a_resumed_or_chained_training_run_draws_batches_it_has_not_drawn_before(tmp_path):
    rng = np.random.default_rng(3)
    split = Split(images=rng.integers(0, 256, (64, 48, 48), dtype=np.uint8), labels=rng.integers(0, 7, 64))

    def first_batch(seed):
        images, _ = next(iter(make_batches(split, INPUT, EMOTIONS, 16, shuffle=True, augment=True, seed=seed)))
        return images.numpy()

    assert batch_seed(5, 0) == 5  # a fresh run keeps its --seed
    assert np.array_equal(first_batch(batch_seed(5, 0)), first_batch(batch_seed(5, 0)))
    assert not np.array_equal(first_batch(batch_seed(5, 0)), first_batch(batch_seed(5, 3)))
    assert batch_seed(5, 3) != batch_seed(5, 4)
    first, second = tmp_path / "a.weights.h5", tmp_path / "b.weights.h5"
    first.write_bytes(b"weights of one run")
    second.write_bytes(b"weights of the next")
    chained = {batch_seed(5, 0), batch_seed(5, 0, first), batch_seed(5, 0, second)}
    assert len(chained) == 3  # each link of a chain sees new batches
    assert batch_seed(5, 0, first) == batch_seed(5, 0, first)  # and a run is still repeatable


def test_distilled_targets_are_the_teachers_share_of_its_scores_plus_the_rest_of_the_true_label():
    rng = np.random.default_rng(6)
    split = Split(images=rng.integers(0, 256, (20, 48, 48), dtype=np.uint8), labels=rng.integers(0, 7, 20))
    teacher = rng.dirichlet(np.ones(7), 20).astype(np.float32)  # canonical order, one row per face
    labels = ("neutral", "happy", "sad", "surprise", "angry", "disgust", "fear")  # a model with its own order
    weights = [1.0, 1.0, 2.0, 1.0, 1.0, 3.0, 1.0]
    batches = list(make_batches(split, INPUT, labels, 8, class_weights=weights, teacher_scores=teacher,
                                teacher_share=0.25, augment=True))
    targets = np.concatenate([batch[1].numpy() for batch in batches])
    face_weights = np.concatenate([batch[2].numpy() for batch in batches])
    order = [EMOTIONS.index(name) for name in labels]
    true = np.eye(7)[[labels.index(EMOTIONS[label]) for label in split.labels]]
    np.testing.assert_allclose(targets, 0.75 * true + 0.25 * teacher[:, order], atol=1e-6)
    assert np.array_equal(face_weights, np.asarray(weights)[[labels.index(EMOTIONS[i]) for i in split.labels]])


@pytest.mark.parametrize("kind", ["low-light", "noise", "yaw", "small"])
def test_each_new_video_degradation_changes_a_face_as_its_name_says(kind):
    from fer_video.training.batches import _degrade_like_video

    faces = _faces(6).astype(np.float32)
    degraded = faces.copy()
    _degrade_like_video(degraded, np.random.default_rng(1), 1.0, (kind,))
    assert degraded.shape == faces.shape and not np.array_equal(degraded, faces)
    if kind == "low-light":
        assert degraded.mean() < 0.8 * faces.mean()
    elif kind == "noise":
        assert 3 < np.std(degraded - faces) < 15
    elif kind == "yaw":  # one side squeezed: the face's columns no longer mirror the original's
        assert np.abs(degraded - faces).mean() > 5
    else:
        assert _detail(degraded) < 0.6 * _detail(faces)
    with pytest.raises(ValueError, match="unknown degradations"):
        _degrade_like_video(faces.copy(), np.random.default_rng(1), 1.0, ("fog",))
