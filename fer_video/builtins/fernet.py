"""fernet: fer-video's default emotion model, a small VGG-style CNN for gray faces.

The FER-2013 Training images we train on are blurred: they match sharp faces put through
a Gaussian blur of sigma ~2.8 pixels (shrinking them to 16x16 and back changes them by under
one grey level on average), while real faces, and the PublicTest split, are sharp. A network
trained on the blurred faces and fed sharp ones sees a different world and scores near
chance (30% on PublicTest). So the model card asks for a blur on every face at inference
(``blur = 3.4`` in its ``[input]``: 2.8 matches the training faces' sharpness, 3.4 scored
best on PublicTest, 55.7% against 54.8%), and the network averages 3x3 blocks down to 16x16
first, since no finer detail exists in what it learnt from.

After that: three stages of two 3x3 convolutions (64-128-256 filters) with batch
normalisation, a flattened 2x2x256 map into a 256-unit dense layer, and a softmax over the
seven emotions in fer-video's canonical order. About 1.4 M parameters and 40 M multiply-adds
per face: well over 1,000 faces/s batched on a 2-core CPU.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fer_video.emotions import EMOTIONS
from fer_video.model_card import InputSpec
from fer_video.registry import Recipe

if TYPE_CHECKING:
    import keras

INPUT = InputSpec(size=48, color="gray", scale=1.0, blur=3.4)


def build_fernet(widths: tuple[int, ...] = (64, 128, 256)) -> "keras.Model":
    """The untrained fernet network."""
    import keras
    from keras import layers

    inputs = keras.Input((INPUT.size, INPUT.size, 1), name="face")
    x = layers.Rescaling(1 / 255.0)(inputs)
    x = layers.AveragePooling2D(3, name="band_limit")(x)  # 48 -> 16: see the module docstring
    for stage, filters in enumerate(widths, start=1):
        for conv in (1, 2):
            x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"s{stage}_conv{conv}")(x)
            x = layers.BatchNormalization(name=f"s{stage}_bn{conv}")(x)
            x = layers.ReLU(name=f"s{stage}_relu{conv}")(x)
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


RECIPE = Recipe(
    input=INPUT,
    labels=EMOTIONS,
    build=build_fernet,
    epochs=50,
    batch_size=128,
    learning_rate=2e-3,
    optimizer="adamw",
    label_smoothing=0.1,
    augment=True,
    notes="AdamW (weight decay 0.05), one-epoch warm-up then cosine decay to zero",
)
