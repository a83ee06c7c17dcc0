"""fernet: fer-video's default emotion model, a VGG-style CNN for sharp 48x48 gray faces.

Sized by multiply-adds per face, since both training on a laptop CPU and the pipeline's
frames/s pay for them: one 3x3 convolution at full resolution (32 filters), then four
stages of two 3x3 convolutions (64-128-256-512 filters) at 24, 12, 6 and 3 pixels, each with
batch normalisation and a 2x2 max-pool; the 1x1x512 map goes through a 256-unit dense layer
to a softmax over the seven emotions in fer-video's canonical order. About 4.8 M parameters
and 128 M multiply-adds per face: most of the parameters sit where the maps are small, so
they cost little time. The earlier fernet had three stages (48-96-192, 1.1 M parameters);
its weights still load (:func:`build_fernet_for`).

Faces go in as they are, with no input blur: the Training split it learns from is sharp,
like PublicTest and like faces in video (an earlier, low-pass filtered copy of the split
needed a blur at inference and an averaging first layer; both are gone).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from fer_video.emotions import EMOTIONS
from fer_video.models.card import InputSpec
from fer_video.training.recipe import Recipe

if TYPE_CHECKING:
    import keras

INPUT = InputSpec(size=48, color="gray", scale=1.0)


def build_fernet(widths: tuple[int, ...] = (64, 128, 256, 512), stem: int = 32) -> "keras.Model":
    """The untrained fernet network."""
    import keras
    from keras import layers

    def conv(x, filters: int, name: str):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv")(x)
        x = layers.BatchNormalization(name=f"{name}_bn")(x)
        return layers.ReLU(name=f"{name}_relu")(x)

    inputs = keras.Input((INPUT.size, INPUT.size, 1), name="face")
    x = layers.Rescaling(1 / 255.0)(inputs)
    x = conv(x, stem, "stem")
    x = layers.MaxPooling2D(name="stem_pool")(x)
    for stage, filters in enumerate(widths, start=1):
        x = conv(x, filters, f"s{stage}a")
        x = conv(x, filters, f"s{stage}b")
        x = layers.MaxPooling2D(name=f"s{stage}_pool")(x)
        if stage >= 2:
            x = layers.SpatialDropout2D(0.1, name=f"s{stage}_drop")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(256, use_bias=False, name="fc")(x)
    x = layers.BatchNormalization(name="fc_bn")(x)
    x = layers.ReLU(name="fc_relu")(x)
    x = layers.Dropout(0.5, name="fc_drop")(x)
    outputs = layers.Dense(len(EMOTIONS), activation="softmax", dtype="float32", name="emotion")(x)
    return keras.Model(inputs, outputs, name="fernet")


def build_fernet_for(weights: Path) -> "keras.Model":
    """The untrained fernet that ``weights`` fit, its widths read from the file: weights of the
    earlier three-stage fernet (48-96-192) still load now that the default has four stages."""
    widths = conv_widths(weights)
    if len(widths) < 3 or len(widths) % 2 == 0:  # not a fernet Keras 3 file: let loading say so
        return build_fernet()
    return build_fernet(tuple(widths[1::2]), stem=widths[0])


def conv_widths(weights: Path) -> list[int]:
    """Output channels of the convolutions in a Keras 3 ``.weights.h5`` file, in network order
    (Keras names them conv2d, conv2d_1, conv2d_2 ...); empty for any other file."""
    import h5py

    try:
        with h5py.File(weights, "r") as handle:
            layers = handle.get("layers")
            names = [name for name in (layers or {}) if re.fullmatch(r"conv2d(_\d+)?", name)]
            names.sort(key=lambda name: int(name.rpartition("_")[2]) if "_" in name else 0)
            return [int(layers[name]["vars"]["0"].shape[-1]) for name in names]
    except (OSError, KeyError):
        return []


RECIPE = Recipe(
    input=INPUT,
    labels=EMOTIONS,
    build=build_fernet,
    epochs=26,
    learning_rate=2e-3,
    optimizer="adamw",
    label_smoothing=0.1,
    augment=True,
    random_erasing=0.25,
    video_degradation=0.2,
    class_weight_power=0.3,
    fitting=build_fernet_for,
    notes="AdamW (weight decay 0.05), one-epoch warm-up then cosine decay to zero; flips, small rotations, "
    "shifts, zoom, brightness and contrast (one affine warp per face), a fifth of the faces degraded as "
    "video degrades them (enlarged from 24-40 px, motion blur, JPEG quality 30-80), random erasing on a "
    "quarter of the faces; class weights (largest class / class count) ** 0.3 for the rare classes (disgust, fear)",
)
