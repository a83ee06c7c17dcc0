"""The original research repo's five Keras models, rebuilt layer for layer.

The repo trained ``model1``, ``model2`` and ``model3`` on 128x128 crops and ``model_mobilenet``
and ``model_resnet_FineTuned_Large`` on 224x224 crops, all as ``Sequential`` models fed raw BGR
pixels (0-255, no scaling) and answering in the alphabetical folder order of the labels. The
builders below reproduce those networks exactly (same layers, same order, same trainable
layers), so the repo's published Keras-2 ``.h5`` files from ``model.save_weights`` load into
them.

Base networks start from random weights (``weights=None``) so nothing is downloaded; pass
``imagenet=True`` to start from the ImageNet weights as the repo did (needs the network once).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fer_video.models.card import InputSpec
from fer_video.training.recipe import Recipe

if TYPE_CHECKING:
    import keras

LABELS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise")
"""The repo's output order: its training folders, sorted alphabetically."""

SMALL = 128
LARGE = 224

MODEL3_FILTERS = (8, 16, 32, 64, 128, 256)


def _spec(size: int) -> InputSpec:
    return InputSpec(size=size, color="bgr", scale=1.0)


def _imagenet(imagenet: bool) -> str | None:
    return "imagenet" if imagenet else None


def _freeze_all_but_last(base: "keras.Model", count: int) -> None:
    """Freeze every layer of ``base`` except the last ``count``, as the repo did before training."""
    for layer in base.layers[:-count]:
        layer.trainable = False


def _classifier(name: str, size: int, base: "keras.Model | None", head: list) -> "keras.Model":
    import keras

    layers = [keras.Input((size, size, 3))]
    if base is not None:
        layers.append(base)
    return keras.Sequential(layers + head, name=name)


def _output():
    from keras import layers

    return layers.Dense(len(LABELS), activation="softmax", dtype="float32")


def _mobilenet_v2(input_size: int, imagenet: bool):
    import keras

    return keras.applications.MobileNetV2(input_shape=(input_size, input_size, 3), include_top=False,
                                          weights=_imagenet(imagenet))


def _flat_head() -> list:
    """Flatten -> BN -> Dense(7): the head of model1, model_mobilenet and the ResNet50 model."""
    from keras import layers

    return [layers.Flatten(), layers.BatchNormalization(), _output()]


def build_model1(input_size: int = SMALL, imagenet: bool = False) -> "keras.Model":
    """model1: MobileNetV2 (all but its last 14 layers frozen) -> Flatten -> BN -> Dense(7)."""
    base = _mobilenet_v2(input_size, imagenet)
    _freeze_all_but_last(base, 14)
    return _classifier("model1", input_size, base, _flat_head())


def build_model2(input_size: int = SMALL, imagenet: bool = False) -> "keras.Model":
    """model2: MobileNetV2 -> Flatten -> Dense(50, relu) -> Dropout(0.2) -> BN -> Dense(7)."""
    from keras import layers

    base = _mobilenet_v2(input_size, imagenet)
    return _classifier("model2", input_size, base, [
        layers.Flatten(),
        layers.Dense(50, activation="relu"),
        layers.Dropout(0.2),
        layers.BatchNormalization(),
        _output(),
    ])


def build_model3(input_size: int = SMALL) -> "keras.Model":
    """model3, trained from scratch: six Conv-MaxPool-BN blocks (8..256 filters) and a dense head."""
    from keras import layers

    smallest = 2 ** len(MODEL3_FILTERS)
    if input_size < smallest:
        raise ValueError(f"model3 halves its input {len(MODEL3_FILTERS)} times; use at least {smallest} pixels")
    blocks = []
    for filters in MODEL3_FILTERS:
        blocks += [
            layers.Conv2D(filters, (3, 3), activation="relu", padding="same"),
            layers.MaxPooling2D((2, 2)),
            layers.BatchNormalization(),
        ]
    return _classifier("model3", input_size, None, blocks + [
        layers.Flatten(),
        layers.Dense(200, activation="relu"),
        layers.Dropout(0.2),
        layers.BatchNormalization(),
        layers.Dense(160, activation="relu"),
        layers.Dropout(0.2),
        layers.BatchNormalization(),
        layers.Dense(120, activation="relu"),
        _output(),
    ])


def build_mobilenet(input_size: int = LARGE, imagenet: bool = False) -> "keras.Model":
    """model_mobilenet: MobileNetV2 at 224 (fully trainable) -> Flatten -> BN -> Dense(7)."""
    return _classifier("mobilenet", input_size, _mobilenet_v2(input_size, imagenet), _flat_head())


def build_resnet50(input_size: int = LARGE, imagenet: bool = False) -> "keras.Model":
    """model_resnet_FineTuned_Large: ResNet50 (all but its last 75 layers frozen) -> Flatten -> BN -> Dense(7)."""
    import keras

    base = keras.applications.ResNet50(input_shape=(input_size, input_size, 3), include_top=False,
                                       weights=_imagenet(imagenet))
    _freeze_all_but_last(base, 75)
    return _classifier("resnet50", input_size, base, _flat_head())


_SMALL_NOTES = (
    "the original repo's {name}: raw BGR 0-255 input, alphabetical labels, Adam 1e-3, batch 128, "
    "no augmentation; {result}"
)


def _original(size: int, build, epochs: int, learning_rate: float, notes: str) -> Recipe:
    """A recipe as the repo trained: raw BGR input of ``size``, its labels, Adam, batch 128, no augmentation."""
    return Recipe(input=_spec(size), labels=LABELS, build=build, epochs=epochs, learning_rate=learning_rate,
                  notes=notes)


MODEL1 = _original(SMALL, build_model1, 50, 1e-3, _SMALL_NOTES.format(
    name="model1", result="the repo reported 16.9% on the FER-2013 test folder"))
MODEL2 = _original(SMALL, build_model2, 50, 1e-3, _SMALL_NOTES.format(
    name="model2", result="the repo reported a peak near 38.8%"))
MODEL3 = _original(SMALL, build_model3, 50, 1e-3, _SMALL_NOTES.format(
    name="model3", result="the repo reported 49.4% on the test folder after about 50 epochs"))
MOBILENET = _original(
    LARGE, build_mobilenet, 70, 3e-4,
    "the original repo's model_mobilenet: raw BGR 0-255 input at 224, alphabetical labels, "
    "Adam 3e-4, ImageNet start; the repo reported 60.06% after 50 epochs and 60.67% after 70")
RESNET50 = _original(
    LARGE, build_resnet50, 25, 3e-4,
    "the original repo's model_resnet_FineTuned_Large: raw BGR 0-255 input at 224, alphabetical "
    "labels, Adam 3e-4, ImageNet start, last 75 layers trainable; the repo reported 59.11% after "
    "25 epochs and 58.65% after 100")

RECIPES: dict[str, Recipe] = {
    "model1": MODEL1,
    "model2": MODEL2,
    "model3": MODEL3,
    "mobilenet": MOBILENET,
    "resnet50": RESNET50,
}

SUMMARIES: dict[str, str] = {
    "model1": "original repo: frozen MobileNetV2 + BN + softmax, 128x128 BGR",
    "model2": "original repo: MobileNetV2 + Dense(50) head, 128x128 BGR",
    "model3": "original repo: six-block CNN from scratch, 128x128 BGR",
    "mobilenet": "original repo's model_mobilenet: MobileNetV2 + BN + softmax, 224x224 BGR",
    "resnet50": "original repo's model_resnet_FineTuned_Large: ResNet50 + BN + softmax, 224x224 BGR",
}
