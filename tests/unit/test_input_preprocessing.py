"""The two ways a face becomes network input must agree: OpenCV's (``InputSpec.prepare``, what the
pipeline and ``evaluate`` feed) and TensorFlow's (``to_network_input``, what training and its
validation feed). A model is trained on one and measured and used on the other."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from fer_video.models.card import InputSpec, ModelCard, card_path_for
from fer_video.models.shipped import shipped
from tests.support import needs_train


def _shipped_fernet_spec() -> InputSpec:
    weights = shipped("fernet.tflite")
    if weights is None:
        pytest.skip("this install ships no fernet model")
    return ModelCard.read(card_path_for(weights)).input


SPECS = {
    "shipped fernet": _shipped_fernet_spec,
    "3-channel, resized": lambda: InputSpec(size=128, color="bgr"),
    "rgb, resized, scaled, blurred": lambda: InputSpec(size=64, color="rgb", scale=1 / 127.5, offset=-1.0, blur=1.2),
}


@needs_train
@pytest.mark.parametrize("name", SPECS)
def test_opencv_and_tensorflow_preprocessing_agree(name, pictures):
    import tensorflow as tf

    from fer_video.training.batches import to_network_input

    spec = SPECS[name]()
    # FER-2013's faces: 48x48 gray, as the training data holds them; two real faces, a mirrored
    # one and a flat one (the reflected borders of a blur see the edges).
    faces = [cv2.resize(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), (48, 48), interpolation=cv2.INTER_AREA)
             for image in pictures.values()]
    faces += [faces[0][:, ::-1].copy(), np.full((48, 48), 128, np.uint8)]
    by_opencv = spec.prepare(faces)
    batch = tf.constant(np.stack(faces)[..., None].astype(np.float32))
    by_tensorflow = to_network_input(batch, spec, inference=True).numpy()
    assert by_opencv.shape == by_tensorflow.shape == (len(faces), spec.size, spec.size, spec.channels)
    # In grey levels: OpenCV rounds its resized pixels, and its blurred ones again, to whole levels;
    # TensorFlow does not.
    difference = np.abs(by_opencv - by_tensorflow) / spec.scale
    assert difference.max() <= 1.5, f"{name}: up to {difference.max():.2f} grey levels apart"
    assert difference.mean() <= 0.3, f"{name}: {difference.mean():.3f} grey levels apart on average"
