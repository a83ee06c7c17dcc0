"""tf.data batches for training and evaluation, with augmentation, in bounded memory.

Faces stay 48x48 uint8 until a batch is formed; augmentation, resizing to the network's
input size, colour and scaling happen per batch, so a 224x224x3 network costs memory only
for the batch in flight. The original repo could not augment for lack of RAM.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fer_video.emotions import EMOTIONS
from fer_video.models.card import InputSpec
from fer_video.training.datasets import Split

FACE_SIDE = 48
DEGRADATIONS = ("small", "motion-blur", "jpeg", "low-light", "noise", "yaw")
"""The ways video degrades a face that training can imitate (see :func:`_degrade_like_video`)."""
CLASSIC_DEGRADATIONS = DEGRADATIONS[:3]
"""The first three, which recipes used before the others existed."""


def augment_faces(faces: np.ndarray, rng: np.random.Generator, random_erasing: float = 0.0,
                  video_degradation: float = 0.0, degradations: tuple[str, ...] = CLASSIC_DEGRADATIONS) -> np.ndarray:
    """Randomly flipped, rotated, shifted, zoomed, brightened and contrasted copies of gray faces.

    One affine warp per face (reflected borders) does flip, rotation, shift and zoom at once,
    so augmenting costs a small fraction of a training step on a CPU; ``video_degradation`` is
    the share of faces then degraded the way video degrades a face (one of ``degradations`` each,
    see :data:`DEGRADATIONS`), ``random_erasing`` the share
    that get one rectangle of noise. ``faces`` are (N, H, W) or (N, H, W, 1) uint8; the result
    is float32 in 0-255, same shape.
    """
    import cv2

    shape = faces.shape
    faces = faces.reshape(shape[0], shape[1], shape[2])
    count, height, width = faces.shape
    out = np.empty(faces.shape, np.float32)
    angles = rng.uniform(-11.0, 11.0, count)
    zooms = rng.uniform(0.85, 1.15, count)
    shifts = rng.uniform(-0.1, 0.1, (count, 2)) * (width, height)
    flips = rng.random(count) < 0.5
    centre = ((width - 1) / 2, (height - 1) / 2)
    for i in range(count):
        matrix = cv2.getRotationMatrix2D(centre, angles[i], zooms[i])
        matrix[:, 2] += shifts[i]
        face = np.ascontiguousarray(faces[i, :, ::-1]) if flips[i] else faces[i]
        out[i] = cv2.warpAffine(face, matrix, (width, height), flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_REFLECT_101)
    if video_degradation > 0:
        _degrade_like_video(out, rng, video_degradation, degradations)
    means = out.mean(axis=(1, 2), keepdims=True)
    contrast = rng.uniform(0.7, 1.3, (count, 1, 1)).astype(np.float32)
    brightness = rng.uniform(-0.2, 0.2, (count, 1, 1)).astype(np.float32) * 255
    out = (out - means) * contrast + means + brightness
    if random_erasing > 0:
        _erase_rectangles(out, rng, random_erasing)
    np.clip(out, 0.0, 255.0, out=out)
    return out.reshape(shape)


def _degrade_like_video(faces: np.ndarray, rng: np.random.Generator, share: float,
                        kinds: tuple[str, ...] = CLASSIC_DEGRADATIONS) -> None:
    """In place: on ``share`` of the faces, one of ``kinds``, the ways a face in a video differs from a photo.

    A distant face is small, so the pipeline enlarges it from 20-40 px (``small``: lost detail); a moving head
    smears along one direction (``motion-blur``); a streamed or phone video is compressed (``jpeg``:
    block artefacts); a dim room is dark and its contrast crushed (``low-light``: gamma and gain), and
    a small sensor in it is grainy (``noise``); a head turned away shows one side narrower (``yaw``).
    """
    import cv2

    unknown = [kind for kind in kinds if kind not in DEGRADATIONS]
    if unknown or not kinds:
        raise ValueError(f"unknown degradations {unknown or 'none given'}; choose from {', '.join(DEGRADATIONS)}")
    count, height, width = faces.shape
    for i in np.flatnonzero(rng.random(count) < share):
        kind = kinds[int(rng.integers(len(kinds)))]
        if kind == "small":
            side = int(rng.integers(20, 41))
            small = cv2.resize(faces[i], (side, side), interpolation=cv2.INTER_AREA)
            faces[i] = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
        elif kind == "motion-blur":
            length = int(rng.integers(3, 6))
            kernel = np.zeros((length, length), np.float32)
            kernel[length // 2, :] = 1.0
            middle = ((length - 1) / 2, (length - 1) / 2)
            turn = cv2.getRotationMatrix2D(middle, float(rng.uniform(0.0, 180.0)), 1.0)
            kernel = cv2.warpAffine(kernel, turn, (length, length))
            faces[i] = cv2.filter2D(faces[i], -1, kernel / kernel.sum(), borderType=cv2.BORDER_REFLECT_101)
        elif kind == "jpeg":
            face = np.clip(faces[i], 0.0, 255.0).astype(np.uint8)
            quality = int(rng.integers(30, 81))
            _, data = cv2.imencode(".jpg", face, [cv2.IMWRITE_JPEG_QUALITY, quality])
            faces[i] = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
        elif kind == "low-light":
            gamma, gain = rng.uniform(1.3, 2.5), rng.uniform(0.35, 0.8)
            faces[i] = 255.0 * gain * (np.clip(faces[i], 0.0, 255.0) / 255.0) ** gamma
        elif kind == "noise":
            faces[i] += rng.normal(0.0, rng.uniform(4.0, 14.0), faces[i].shape).astype(np.float32)
        else:  # yaw: the far side of the face narrower and shorter, as a head turned by 20-35 degrees
            squeeze = rng.uniform(0.12, 0.25)
            near, far = (0, width - 1) if rng.random() < 0.5 else (width - 1, 0)
            corners = np.float32([[near, 0], [far, 0], [far, height - 1], [near, height - 1]])
            inward = squeeze * width * (1 if far > near else -1)
            moved = np.float32([[near, 0], [far - inward, squeeze * height / 2],
                                [far - inward, height - 1 - squeeze * height / 2], [near, height - 1]])
            matrix = cv2.getPerspectiveTransform(corners, moved)
            faces[i] = cv2.warpPerspective(faces[i], matrix, (width, height), flags=cv2.INTER_LINEAR,
                                           borderMode=cv2.BORDER_REPLICATE)


def _erase_rectangles(faces: np.ndarray, rng: np.random.Generator, share: float,
                      min_area: float = 0.02, max_area: float = 0.25) -> None:
    """Random erasing, in place: on ``share`` of the faces, one random rectangle of uniform noise.

    Forces the network to use the whole face rather than one cue (the mouth, say) that a
    hand, a microphone or a detector's loose box can hide in video.
    """
    count, height, width = faces.shape
    for i in np.flatnonzero(rng.random(count) < share):
        area = rng.uniform(min_area, max_area) * height * width
        aspect = np.exp(rng.uniform(np.log(0.3), np.log(3.3)))
        h = min(height, max(1, int(round(np.sqrt(area * aspect)))))
        w = min(width, max(1, int(round(np.sqrt(area / aspect)))))
        top = rng.integers(0, height - h + 1)
        left = rng.integers(0, width - w + 1)
        faces[i, top:top + h, left:left + w] = rng.uniform(0.0, 255.0, (h, w))


def make_batches(
    split: Split,
    spec: InputSpec,
    labels: Sequence[str],
    batch_size: int,
    *,
    shuffle: bool = False,
    augment: bool = False,
    random_erasing: float = 0.0,
    video_degradation: float = 0.0,
    degradations: tuple[str, ...] = CLASSIC_DEGRADATIONS,
    class_weights: Sequence[float] | None = None,
    teacher_scores: np.ndarray | None = None,
    teacher_share: float = 0.5,
    soft_targets: np.ndarray | None = None,
    seed: int = 0,
):
    """A ``tf.data.Dataset`` of ``(images, targets)`` batches ready for ``model.fit``.

    Targets are one-hot, or with ``teacher_scores`` ((N, 7) in canonical order, one row per face:
    what a teacher network says of it) ``teacher_share`` of the teacher's scores and the rest
    one-hot, which distils the teacher into the network trained. ``class_weights`` (one per label,
    in ``labels`` order) adds a third element, each face's loss weight (by its true label);
    ``random_erasing`` and ``video_degradation`` are the shares of faces that get one rectangle of
    noise and one video-like degradation (see :func:`augment_faces`). ``soft_targets`` ((N, 7),
    canonical order; FER+ vote distributions, say) replace the one-hot targets; class weights still
    follow the labels.
    """
    import tensorflow as tf

    to_model = np.array([list(labels).index(name) for name in EMOTIONS], np.int64)
    targets = to_model[split.labels]
    rows = (targets,)
    in_model_order = [EMOTIONS.index(name) for name in labels]
    if soft_targets is not None:
        if soft_targets.shape != (len(split), len(EMOTIONS)):
            raise ValueError(f"soft targets have shape {soft_targets.shape}, not ({len(split)}, {len(EMOTIONS)})")
        rows = (targets, np.asarray(soft_targets, np.float32)[:, in_model_order])
    if teacher_scores is not None:
        if teacher_scores.shape != (len(split), len(EMOTIONS)):
            raise ValueError(f"teacher scores have shape {teacher_scores.shape}, not ({len(split)}, {len(EMOTIONS)})")
        if not 0 <= teacher_share <= 1:
            raise ValueError(f"teacher share must be from 0 to 1, not {teacher_share}")
        teacher = np.asarray(teacher_scores, np.float32)[:, in_model_order]
        rows = (*rows, teacher / teacher.sum(axis=1, keepdims=True))
    if split.images is not None:
        data = tf.data.Dataset.from_tensor_slices((split.images[..., None], *rows))
        if shuffle:
            data = data.shuffle(len(split), seed=seed, reshuffle_each_iteration=True)
    else:
        data = tf.data.Dataset.from_tensor_slices((split.files, *rows))
        if shuffle:
            data = data.shuffle(len(split), seed=seed, reshuffle_each_iteration=True)
        data = data.map(_decode_file, num_parallel_calls=tf.data.AUTOTUNE)
    data = data.batch(batch_size)
    if augment:
        rng = np.random.default_rng(seed)  # one generator, so this map runs on one thread

        def augmented(images):
            return augment_faces(images, rng, random_erasing, video_degradation, degradations)

        def augment_batch(images, *rest):
            faces = tf.numpy_function(augmented, [images], tf.float32, stateful=True)
            return tf.ensure_shape(faces, images.shape), *rest

        data = data.map(augment_batch, num_parallel_calls=1)

    weights = None if class_weights is None else tf.constant(np.asarray(class_weights, np.float32))

    def prepare(images, target, *extra):
        images = tf.cast(images, tf.float32)
        images = to_network_input(images, spec, inference=not augment)
        wanted = extra[0] if soft_targets is not None else tf.one_hot(target, len(labels))
        if teacher_scores is not None:
            wanted = (1.0 - teacher_share) * wanted + teacher_share * extra[-1]
        if weights is None:
            return images, wanted
        return images, wanted, tf.gather(weights, target)

    return data.map(prepare, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def _decode_file(path, *rest):
    import tensorflow as tf

    image = tf.io.decode_image(tf.io.read_file(path), channels=1, expand_animations=False)
    image = tf.image.resize(image, (FACE_SIDE, FACE_SIDE), antialias=True)
    return tf.cast(tf.round(image), tf.uint8), *rest


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
