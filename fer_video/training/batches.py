"""tf.data batches for training and evaluation, with augmentation, in bounded memory.

Faces stay 48x48 uint8 until a batch is formed; augmentation, resizing to the network's
input size, colour and scaling happen per batch, so a 224x224x3 network costs memory only
for the batch in flight. The original repo could not augment for lack of RAM.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fer_video.emotions import EMOTIONS
from fer_video.model_card import InputSpec
from fer_video.training.datasets import Split

FACE_SIDE = 48


def augmenter(seed: int = 0):
    """Flip, shift, rotation, zoom, brightness and contrast: a Keras layer stack."""
    import keras
    from keras import layers

    return keras.Sequential(
        [
            layers.RandomFlip("horizontal", seed=seed),
            layers.RandomRotation(0.03, fill_mode="reflect", seed=seed + 1),
            layers.RandomTranslation(0.1, 0.1, fill_mode="reflect", seed=seed + 2),
            layers.RandomZoom((-0.15, 0.15), fill_mode="reflect", seed=seed + 3),
            layers.RandomBrightness(0.2, value_range=(0.0, 255.0), seed=seed + 4),
            layers.RandomContrast(0.3, seed=seed + 5),
        ],
        name="augment",
    )


def make_batches(
    split: Split,
    spec: InputSpec,
    labels: Sequence[str],
    batch_size: int,
    *,
    shuffle: bool = False,
    augment: bool = False,
    random_erasing: float = 0.0,
    class_weights: Sequence[float] | None = None,
    seed: int = 0,
):
    """A ``tf.data.Dataset`` of ``(images, one_hot)`` batches ready for ``model.fit``.

    ``class_weights`` (one per label, in ``labels`` order) adds a third element, each face's
    loss weight; ``random_erasing`` is the share of faces that get one rectangle of noise.
    """
    import tensorflow as tf

    to_model = np.array([list(labels).index(name) for name in EMOTIONS], np.int64)
    targets = to_model[split.labels]
    if split.images is not None:
        data = tf.data.Dataset.from_tensor_slices((split.images[..., None], targets))
        if shuffle:
            data = data.shuffle(len(split), seed=seed, reshuffle_each_iteration=True)
    else:
        data = tf.data.Dataset.from_tensor_slices((split.files, targets))
        if shuffle:
            data = data.shuffle(len(split), seed=seed, reshuffle_each_iteration=True)
        data = data.map(_decode_file, num_parallel_calls=tf.data.AUTOTUNE)
    data = data.batch(batch_size)
    augmentation = augmenter(seed) if augment else None

    weights = None if class_weights is None else tf.constant(np.asarray(class_weights, np.float32))

    def prepare(images, target):
        images = tf.cast(images, tf.float32)
        if augmentation is not None:
            images = tf.clip_by_value(augmentation(images, training=True), 0.0, 255.0)
            if random_erasing > 0:
                images = erase_random_rectangles(images, random_erasing)
        images = to_network_input(images, spec, inference=not augment)
        if weights is None:
            return images, tf.one_hot(target, len(labels))
        return images, tf.one_hot(target, len(labels)), tf.gather(weights, target)

    return data.map(prepare, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def erase_random_rectangles(images, share: float, min_area: float = 0.02, max_area: float = 0.25):
    """Random erasing: on ``share`` of the faces, fill one random rectangle with uniform noise.

    Forces the network to use the whole face rather than one cue (the mouth, say) that a
    hand, a microphone or a detector's loose box can hide in video.
    """
    import tensorflow as tf

    shape = tf.shape(images)
    count, height, width = shape[0], shape[1], shape[2]
    area = tf.random.uniform([count], min_area, max_area)
    aspect = tf.exp(tf.random.uniform([count], np.log(0.3), np.log(3.3)))
    h = tf.clip_by_value(tf.sqrt(area * aspect), 0.0, 1.0) * tf.cast(height, tf.float32)
    w = tf.clip_by_value(tf.sqrt(area / aspect), 0.0, 1.0) * tf.cast(width, tf.float32)
    top = tf.random.uniform([count]) * (tf.cast(height, tf.float32) - h)
    left = tf.random.uniform([count]) * (tf.cast(width, tf.float32) - w)
    rows = tf.cast(tf.range(height), tf.float32)[None, :, None]
    cols = tf.cast(tf.range(width), tf.float32)[None, None, :]
    inside = ((rows >= top[:, None, None]) & (rows < (top + h)[:, None, None])
              & (cols >= left[:, None, None]) & (cols < (left + w)[:, None, None]))
    chosen = tf.random.uniform([count]) < share
    mask = tf.cast(inside & chosen[:, None, None], images.dtype)[..., None]
    noise = tf.random.uniform(tf.shape(images), 0.0, 255.0)
    return images * (1 - mask) + noise * mask


def _decode_file(path, target):
    import tensorflow as tf

    image = tf.io.decode_image(tf.io.read_file(path), channels=1, expand_animations=False)
    image = tf.image.resize(image, (FACE_SIDE, FACE_SIDE), antialias=True)
    return tf.cast(tf.round(image), tf.uint8), target


def to_network_input(images, spec: InputSpec, inference: bool = False):
    """Gray float batch (N, 48, 48, 1), 0-255 -> what the network takes (size, colour, scale).

    ``inference`` batches (validation) also get the card's input blur, exactly as
    :meth:`InputSpec.prepare` gives it to faces in a video; training faces do not.
    """
    import tensorflow as tf

    if spec.size != images.shape[1]:
        images = tf.image.resize(images, (spec.size, spec.size), method="bilinear")
    if inference and spec.blur > 0:
        images = gaussian_blur(images, spec.blur)
    if spec.channels == 3:
        images = tf.repeat(images, 3, axis=-1)  # gray faces: BGR and RGB are the same
    if spec.scale != 1.0 or spec.offset != 0.0:
        images = images * spec.scale + spec.offset
    return images


def gaussian_blur(images, sigma: float):
    """Separable Gaussian blur with reflected borders, like ``cv2.GaussianBlur(..., BORDER_REFLECT)``."""
    import tensorflow as tf

    radius = max(1, int(np.ceil(3 * sigma)))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps = (taps / taps.sum()).astype(np.float32)
    channels = images.shape[-1]
    padded = tf.pad(images, [[0, 0], [radius, radius], [radius, radius], [0, 0]], mode="SYMMETRIC")
    across = tf.constant(np.tile(taps.reshape(1, -1, 1, 1), (1, 1, channels, 1)))
    down = tf.constant(np.tile(taps.reshape(-1, 1, 1, 1), (1, 1, channels, 1)))
    padded = tf.nn.depthwise_conv2d(padded, across, [1, 1, 1, 1], "VALID")
    return tf.nn.depthwise_conv2d(padded, down, [1, 1, 1, 1], "VALID")
