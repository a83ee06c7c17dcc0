"""The ``file`` classifier: a user's .keras / .h5 / .tflite model plus its card, no code."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pytest

from fer_video.builtins.classifiers import fer_video_classifiers
from fer_video.emotions import EMOTIONS, reorder_columns
from fer_video.models.card import InputSpec, ModelCard, card_path_for
from tests.support import needs_train

# The user's network answers in its own order, not fer-video's.
pytestmark = needs_train  # Keras models, and .tflite ones exported from them here

LABELS = ("happy", "sad", "angry", "neutral", "surprise", "fear", "disgust")
SPEC = InputSpec(size=16, color="gray", scale=1 / 255.0)


def _file_factory():
    return next(factory for factory in fer_video_classifiers() if factory.name == "file")


def _tiny_model():
    import keras
    from keras import layers

    keras.utils.set_random_seed(1)
    inputs = keras.Input((16, 16, 1))
    x = layers.Conv2D(4, 3, activation="relu")(inputs)
    x = layers.Flatten()(x)
    x = layers.Rescaling(4.0)(layers.Dense(4, activation="tanh")(x))
    outputs = layers.Dense(7, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="tiny")


def _crops(count: int) -> list[np.ndarray]:
    rng = np.random.default_rng(3)
    return [rng.integers(0, 256, (24 + 4 * i, 24 + 4 * i, 3), dtype=np.uint8) for i in range(count)]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """The tiny model saved as .keras (with its card) and its expected canonical scores."""
    folder = tmp_path_factory.mktemp("user_model")
    model = _tiny_model()
    path = folder / "mine.keras"
    model.save(path)
    ModelCard("tiny", SPEC, LABELS, path.name).write(card_path_for(path))
    crops = _crops(3)
    raw = model(SPEC.prepare(crops), training=False).numpy()
    return model, path, crops, raw[:, reorder_columns(LABELS)], raw


def test_keras_file_scores_come_back_in_canonical_order(saved):
    _, path, crops, expected, raw = saved
    classifier = _file_factory().create(weights=path)
    scores = classifier.predict(crops)
    assert scores.shape == (3, 7)
    assert np.allclose(scores, expected, atol=1e-6)
    assert not np.allclose(scores, raw, atol=1e-3)  # the reordering did something
    assert np.allclose(scores[:, EMOTIONS.index("happy")], raw[:, LABELS.index("happy")])
    assert "tiny" in classifier.description
    assert np.allclose(_file_factory().create(path=path).predict(crops[:1]), expected[:1], atol=1e-6)


def test_whole_model_h5_file(saved, tmp_path):
    model, _, crops, expected, _ = saved
    path = tmp_path / "mine.h5"
    model.save(path)
    ModelCard("tiny", SPEC, LABELS).write(card_path_for(path))
    assert np.allclose(_file_factory().create(weights=path).predict(crops), expected, atol=1e-6)


def test_tflite_file_gives_the_same_scores(saved, tmp_path):
    import tensorflow as tf

    model, _, crops, expected, _ = saved
    path = tmp_path / "mine.tflite"
    path.write_bytes(tf.lite.TFLiteConverter.from_keras_model(model).convert())
    ModelCard("tiny", SPEC, LABELS).write(card_path_for(path))
    classifier = _file_factory().create(weights=path)
    assert "TF Lite" in classifier.description
    assert np.allclose(classifier.predict(crops), expected, atol=1e-5)  # a batch of three
    assert np.allclose(classifier.predict(crops[1:2]), expected[1:2], atol=1e-5)  # resized to one
    assert classifier.predict([]).shape == (0, 7)


def test_missing_card_says_what_to_write(saved, tmp_path):
    model, _, _, _, _ = saved
    path = tmp_path / "nocard.keras"
    model.save(path)
    with pytest.raises(FileNotFoundError) as error:
        _file_factory().create(weights=path)
    message = str(error.value)
    assert str(tmp_path / "nocard.card.toml") in message
    for field in ("architecture", "labels", "[input]", "size", "color", "scale", "offset"):
        assert field in message


def test_card_that_disagrees_with_the_model_is_refused(saved, tmp_path):
    model, _, _, _, _ = saved
    path = tmp_path / "wrong.keras"
    model.save(path)
    ModelCard("tiny", InputSpec(size=48, color="gray"), LABELS).write(card_path_for(path))
    with pytest.raises(ValueError, match="fix the card"):
        _file_factory().create(weights=path)


def test_weights_only_h5_and_other_files_are_explained(tmp_path):
    import h5py

    weights_only = tmp_path / "weights_only.h5"  # what Keras 2's save_weights writes: no model_config
    with h5py.File(weights_only, "w") as f:
        f.attrs["layer_names"] = [b"dense"]
    ModelCard("tiny", SPEC, LABELS).write(card_path_for(weights_only))
    with pytest.raises(ValueError, match="holds only weights"):
        _file_factory().create(weights=weights_only)
    with pytest.raises(ValueError, match=r"\.keras, \.h5, \.tflite"):
        _file_factory().create(weights=tmp_path / "model.onnx")
    with pytest.raises(ValueError, match="needs a model file"):
        _file_factory().create()


@pytest.mark.parametrize("suffix", [".keras", ".tflite"])
def test_a_card_asking_for_flip_averaging_makes_the_pipelines_classifier_average(saved, tmp_path, suffix):
    from dataclasses import replace

    from fer_video.plugins.manager import PluginManager
    from fer_video.runtime.config import PipelineConfig, StageChoice
    from fer_video.training.predict import with_tta

    model = saved[0]
    path = tmp_path / f"flip{suffix}"
    if suffix == ".keras":
        model.save(path)
    else:
        import tensorflow as tf

        path.write_bytes(tf.lite.TFLiteConverter.from_keras_model(model).convert())
    ModelCard("tiny", replace(SPEC, tta="flip"), LABELS).write(card_path_for(path))
    config = PipelineConfig(classifier=StageChoice("file", {"weights": str(path)}))
    classifier = config.build_stage(PluginManager(), "classifier")  # the stage the pipeline would run

    faces = [face[..., 0] for face in _crops(3)]
    faces = [np.ascontiguousarray(face[:16, :16]) for face in faces]  # already 16x16: no resize to blur the test

    def raw(crops):
        return model(SPEC.prepare(crops), training=False).numpy()[:, reorder_columns(LABELS)]

    plain, mirrored = raw(faces), raw([face[:, ::-1] for face in faces])
    scores = classifier.predict(faces)
    assert np.allclose(scores, (plain + mirrored) / 2, atol=1e-5)
    assert not np.allclose(scores, plain, atol=1e-3)
    unflipped = with_tta(classifier, "none")
    assert np.allclose(unflipped.predict(faces), plain, atol=1e-5)
    assert classifier.spec.tta == "flip", "trying another mode leaves the card's classifier as it was"
