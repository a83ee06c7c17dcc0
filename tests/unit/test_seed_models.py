"""The original repo's five models: exact sizes, and its Keras-2 ``.h5`` weights load into ours."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import cv2
import numpy as np
import pytest

from fer_video.builtins.classifiers import fer_video_classifiers
from fer_video.emotions import reorder_columns
from fer_video.models import seed_models
from fer_video.models.card import ModelCard, card_path_for
from tests.support import needs_train

pytestmark = needs_train  # the architectures are Keras networks

PARAMETERS = {
    "model1": 2_483_271,
    "model2": 3_282_591,
    "model3": 654_335,
    "mobilenet": 2_947_911,
    "resnet50": 24_691_591,
}


def _factories():
    return {factory.name: factory for factory in fer_video_classifiers()}


def _trainable_count(model) -> int:
    return int(sum(np.prod(v.shape) for v in model.trainable_weights))


def _faces() -> list[np.ndarray]:
    """Two face-like BGR crops of different sizes and tones, as a detector would cut them."""
    rng = np.random.default_rng(7)
    crops = []
    for size, tone, smile in ((150, 150, 1), (96, 100, -1)):
        img = np.full((size, size, 3), (tone - 60, tone - 40, tone - 20), np.uint8)
        c = size // 2
        cv2.ellipse(img, (c, c), (int(size * 0.33), int(size * 0.43)), 0, 0, 360,
                    (tone - 10, tone + 25, tone + 70), -1)
        for dx in (-1, 1):
            cv2.circle(img, (c + dx * size // 7, c - size // 9), max(2, size // 22), (40, 30, 30), -1)
        cv2.ellipse(img, (c, c + size // 5), (size // 7, size // 18), 0, 0 if smile > 0 else 180,
                    180 if smile > 0 else 360, (60, 50, 150), max(1, size // 40))
        noise = rng.normal(0, 6, img.shape)
        crops.append(np.clip(img + noise, 0, 255).astype(np.uint8))
    return crops


@pytest.mark.parametrize("name", list(PARAMETERS))
def test_parameter_counts_match_the_original_repo(name):
    model = seed_models.RECIPES[name].build()
    assert model.count_params() == PARAMETERS[name]
    assert model.output_shape == (None, 7)
    base = model.layers[0]
    if name == "model1":
        assert [layer.trainable for layer in base.layers] == [False] * (len(base.layers) - 14) + [True] * 14
    elif name == "resnet50":
        assert [layer.trainable for layer in base.layers] == [False] * (len(base.layers) - 75) + [True] * 75
    elif name == "mobilenet":
        assert _trainable_count(model) == 2_788_359
    else:  # model2 and model3 train every layer
        assert _trainable_count(model) == model.count_params() - _non_trainable_bn(model)


def _non_trainable_bn(model) -> int:
    return int(sum(np.prod(v.shape) for v in model.non_trainable_weights))


def test_recipes_follow_the_original_training():
    labels = ("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise")
    for name, recipe in seed_models.RECIPES.items():
        size = 224 if name in ("mobilenet", "resnet50") else 128
        assert (recipe.input.size, recipe.input.color, recipe.input.scale, recipe.input.offset) == (
            size, "bgr", 1.0, 0.0)
        assert recipe.labels == labels
        assert (recipe.optimizer, recipe.batch_size, recipe.augment) == ("adam", 128, False)
        assert recipe.learning_rate == (3e-4 if size == 224 else 1e-3)


def test_registered_after_fernet():
    names = [factory.name for factory in fer_video_classifiers()]
    assert names[0] == "fernet"
    assert {"model1", "model2", "model3", "mobilenet", "resnet50", "file"} <= set(names)
    factory = _factories()["model3"]
    assert factory.recipe is seed_models.MODEL3


def test_model3_takes_other_input_sizes():
    model = seed_models.build_model3(input_size=64)
    assert model.input_shape == (None, 64, 64, 3) and model.output_shape == (None, 7)
    with pytest.raises(ValueError, match="at least 64"):
        seed_models.build_model3(input_size=48)


# -- the original repo's Keras-2 weight files --------------------------------------------------

def _k2():
    return pytest.importorskip("tf_keras", reason="needs tf-keras (pip install fer-video[test])")


def _k2_model(name: str, freeze: bool = True):
    """The repo's architectures written with the Keras 2 API, as its training scripts did."""
    k2 = _k2()
    from tf_keras import layers

    if name == "model3":
        blocks = [layers.InputLayer((128, 128, 3))]
        for filters in (8, 16, 32, 64, 128, 256):
            blocks += [layers.Conv2D(filters, (3, 3), activation="relu", padding="same"),
                       layers.MaxPool2D((2, 2)), layers.BatchNormalization()]
        return k2.Sequential(blocks + [
            layers.Flatten(), layers.Dense(200, activation="relu"), layers.Dropout(0.2),
            layers.BatchNormalization(), layers.Dense(160, activation="relu"), layers.Dropout(0.2),
            layers.BatchNormalization(), layers.Dense(120, activation="relu"),
            layers.Dense(7, activation="softmax"),
        ])
    size = 224 if name in ("mobilenet", "resnet50") else 128
    application = k2.applications.ResNet50 if name == "resnet50" else k2.applications.MobileNetV2
    base = application(input_shape=(size, size, 3), include_top=False, weights=None)
    tail = {"model1": 14, "resnet50": 75}.get(name)
    if freeze and tail:
        for layer in base.layers[:-tail]:
            layer.trainable = False
    return k2.Sequential([base, layers.Flatten(), layers.BatchNormalization(),
                          layers.Dense(7, activation="softmax")])


def _make_distinctive(model, batch: np.ndarray) -> None:
    """Make a randomly initialised Keras-2 model's answer depend on every weight and on the input.

    Each BatchNormalization gets its own random scale and shift, and moving statistics measured on
    ``batch`` (one training-mode pass with momentum 0, so deep random networks neither vanish nor
    saturate); the output layer is scaled so that the softmax is not saturated. A weight loaded
    into the wrong place then changes the prediction."""
    k2 = _k2()
    rng = np.random.default_rng(0)

    def walk(layer):
        yield layer
        for inner in getattr(layer, "layers", []):
            yield from walk(inner)

    everything = list(walk(model))
    trainable = [layer.trainable for layer in everything]
    for layer in everything:
        layer.trainable = True  # frozen Keras-2 BatchNormalization would skip the statistics pass
        if isinstance(layer, k2.layers.BatchNormalization):
            gamma, beta, mean, variance = layer.get_weights()
            layer.set_weights([rng.uniform(0.7, 1.3, gamma.shape), rng.normal(0, 0.2, beta.shape), mean, variance])
            layer.momentum = 0.0
    model(batch, training=True)
    for layer, flag in zip(everything, trainable):
        layer.trainable = flag
    features = k2.Model(model.inputs, model.layers[-2].output)(batch, training=False).numpy()
    kernel, bias = model.layers[-1].get_weights()
    logits = features @ kernel
    model.layers[-1].set_weights([kernel / (logits.std() + 1e-6), np.zeros_like(bias)])


def _assert_same_weights(ours, original) -> None:
    """Every variable of ``ours`` holds exactly the value of its counterpart in ``original``."""
    compared = 0
    for mine, theirs in zip([x for x in ours.layers if x.weights], [x for x in original.layers if x.weights]):
        if hasattr(mine, "layers"):  # the MobileNetV2 / ResNet50 base: pair its layers by name
            by_name = {inner.name: inner for inner in theirs.layers}
            pairs = [(inner, by_name[inner.name]) for inner in mine.layers if inner.weights]
        else:
            pairs = [(mine, theirs)]
        for a, b in pairs:
            assert len(a.weights) == len(b.weights), a.name
            for x, y in zip(a.get_weights(), b.get_weights()):
                assert np.array_equal(x, y), a.name
                compared += 1
    assert compared == len(ours.weights)


def _legacy_round_trip(name: str, tmp_path, freeze: bool = True, atol: float = 1e-4):
    """Save a Keras-2 model with ``save_weights('x.h5')``; load it through our classifier."""
    _k2().utils.set_random_seed(0)
    crops = _faces()
    recipe = seed_models.RECIPES[name]
    batch = recipe.input.prepare(crops)
    original = _k2_model(name, freeze=freeze)
    _make_distinctive(original, batch)
    path = tmp_path / f"{name}_original.h5"
    original.save_weights(str(path))
    expected = original(batch, training=False).numpy()[:, reorder_columns(seed_models.LABELS)]

    classifier = _factories()[name].create(weights=path)
    _assert_same_weights(classifier.model, original)
    scores = classifier.predict(crops)
    assert scores.shape == (2, 7)
    assert np.allclose(scores, expected, atol=atol), np.abs(scores - expected).max()
    # the check has teeth: the two faces get clearly different, unsaturated answers
    assert expected.max() < 0.99 and np.abs(expected[0] - expected[1]).max() > 0.05


# The weights are compared bit for bit; the predictions differ only by float32 rounding, which
# Keras 3's unfused batch normalisation (Keras 2 used the fused kernel) accumulates to about
# 2e-4 over ResNet50's 53 convolutions.
@pytest.mark.parametrize(("name", "atol"), [("model3", 1e-4), ("mobilenet", 1e-4), ("resnet50", 5e-4)])
def test_keras2_h5_weights_give_equal_predictions(name, atol, tmp_path):
    _legacy_round_trip(name, tmp_path, atol=atol)


def test_keras2_h5_loads_whatever_was_frozen_when_saved(tmp_path):
    # Keras 2 stores trainable weights first, so freezing changes the order in the file;
    # model1 saved with nothing frozen must still load into our (frozen) model1.
    _legacy_round_trip("model1", tmp_path, freeze=False)


def test_weights_of_another_architecture_are_refused(tmp_path):
    original = _k2_model("model3")
    path = tmp_path / "model3.h5"
    original.save_weights(str(path))
    with pytest.raises(ValueError, match="do not fit the model2 architecture"):
        _factories()["model2"].create(weights=path)


def test_keras3_weights_load_under_any_name_and_size_from_card(tmp_path):
    model = seed_models.build_model3(input_size=64)
    path = tmp_path / "model3.weights.h5"
    model.save_weights(str(path))
    ModelCard("model3", seed_models._spec(64), seed_models.LABELS, path.name).write(card_path_for(path))
    crops = _faces()
    expected = model(seed_models._spec(64).prepare(crops), training=False).numpy()
    expected = expected[:, reorder_columns(seed_models.LABELS)]

    classifier = _factories()["model3"].create(weights=path)
    assert classifier.spec.size == 64
    assert np.allclose(classifier.predict(crops), expected, atol=1e-5)

    renamed = tmp_path / "renamed.h5"
    renamed.write_bytes(path.read_bytes())
    card_path_for(path).rename(card_path_for(renamed))
    assert np.allclose(_factories()["model3"].create(weights=renamed).predict(crops), expected, atol=1e-5)
