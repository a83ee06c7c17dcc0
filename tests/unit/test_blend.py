"""Blending folds batch normalisation into the layers and back out: the network a user blends, reads
back from TF Lite or trains on must compute what it computed before."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from fer_video.models.fernet import build_fernet
from fer_video.models.shipped import shipped
from fer_video.training.blend import fold, fold_tflite, mix, unfold, weighted_layers
from tests.support import needs_train, random_faces

pytestmark = needs_train

KERAS_DEFAULT = shipped("fernet.weights.h5")
TFLITE_DEFAULT = shipped("fernet.tflite")


@pytest.fixture(scope="module")
def faces(pictures) -> np.ndarray:
    """Real faces as fernet takes them: the two pictures' gray crops, shifted and mirrored."""
    crops = []
    for picture in pictures.values():
        gray = cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY)
        side = min(gray.shape)
        for dx, dy in ((0, 0), (6, 0), (0, 6), (6, 6)):
            crop = cv2.resize(gray[dy:dy + side - 6, dx:dx + side - 6], (48, 48), interpolation=cv2.INTER_AREA)
            crops += [crop, crop[:, ::-1]]
    return np.stack(crops)[..., None].astype("float32")


@pytest.fixture(scope="module")
def trained():
    model = build_fernet()
    model.load_weights(str(KERAS_DEFAULT))
    return model


@pytest.fixture(scope="module")
def statistics_faces() -> np.ndarray:
    return random_faces(256, seed=3)[0][..., None].astype("float32")


def test_folding_and_unfolding_a_trained_network_keeps_its_scores(trained, faces, statistics_faces):
    before = np.asarray(trained(faces, training=False))
    copy = build_fernet()
    unfold(copy, fold(trained), statistics_faces)
    after = np.asarray(copy(faces, training=False))
    assert np.abs(after - before).max() < 1e-4
    assert (after.argmax(axis=1) == before.argmax(axis=1)).all()


def test_an_unfolded_network_normalises_a_training_batch_as_it_infers(trained, statistics_faces):
    """Training normalises each batch by its own statistics: on the faces the blend measured, training and
    inference agree, so a run started from a blend (--init-weights) starts where the blend is."""
    import keras

    copy = build_fernet()
    unfold(copy, fold(trained), statistics_faces)
    probe = keras.Model(copy.inputs, copy.get_layer("s2b_bn").output)  # before any dropout
    inferred = np.asarray(probe(statistics_faces, training=False))
    normalised = np.asarray(probe(statistics_faces, training=True))
    assert np.abs(normalised - inferred).max() < 1e-2 * np.abs(inferred).max()


def test_a_tflite_file_reads_back_as_the_network_it_was_exported_from(trained, faces, statistics_faces):
    from_tflite = build_fernet()
    unfold(from_tflite, fold_tflite(TFLITE_DEFAULT, from_tflite), statistics_faces)
    scores = np.asarray(from_tflite(faces, training=False))
    reference = np.asarray(trained(faces, training=False))
    assert np.abs(scores - reference).max() < 0.05, "int8 weights differ from the Keras ones only by rounding"
    assert (scores.argmax(axis=1) == reference.argmax(axis=1)).mean() >= 0.9


def test_shares_weigh_the_members():
    first = [(np.full((2, 3), 1.0), np.zeros(3))]
    second = [(np.full((2, 3), 3.0), np.ones(3))]
    assert np.allclose(mix([first, second], [1, 0])[0][0], 1.0)
    assert np.allclose(mix([first, second], [1, 3])[0][0], 2.5)
    assert np.allclose(mix([first, second], [2, 2])[0][1], 0.5)
    with pytest.raises(ValueError, match="shares"):
        mix([first, second], [1, -1])


def test_a_layer_a_blend_cannot_fold_is_refused():
    import keras

    face = keras.Input((48, 48, 1))
    x = keras.layers.Conv2D(4, 3)(face)
    x = keras.layers.DepthwiseConv2D(3)(x)
    model = keras.Model(face, keras.layers.Dense(7)(keras.layers.Flatten()(x)))
    with pytest.raises(ValueError, match="cannot fold"):
        weighted_layers(model)
