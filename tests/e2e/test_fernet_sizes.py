"""Weights of the earlier, three-stage fernet keep working after the default grew a fourth stage."""

from __future__ import annotations

import numpy as np

from fer_video.models.card import ModelCard
from fer_video.models.fernet import build_fernet
from fer_video.plugins.manager import PluginManager
from tests.support import random_faces, run_cli

THREE_STAGES = (48, 96, 192)


def three_stage_weights(path):
    import keras

    keras.utils.set_random_seed(7)
    model = build_fernet(THREE_STAGES)
    model.save_weights(path)
    return model


def test_weights_of_the_three_stage_fernet_load_and_score_as_trained(tmp_path):
    model = three_stage_weights(tmp_path / "old.weights.h5")
    assert model.count_params() != build_fernet().count_params()
    classifier = PluginManager().create("classifier", "fernet", weights=tmp_path / "old.weights.h5")
    faces, _ = random_faces(8, seed=3)
    expected = model.predict(faces[..., None].astype(np.float32), verbose=0)
    np.testing.assert_allclose(classifier.predict(list(faces)), expected, atol=1e-5)


def test_a_chained_run_trains_the_size_its_init_weights_were(tmp_path):
    model = three_stage_weights(tmp_path / "old.weights.h5")
    images, labels = random_faces(96, seed=5)
    np.savez(tmp_path / "tiny.npz", x_train=images[:64], y_train=labels[:64], x_val=images[64:], y_val=labels[64:])
    out = tmp_path / "chained"
    trained = run_cli("train", "--model", "fernet", "--data", tmp_path / "tiny.npz", "--out", out, "--epochs", "1",
                      "--batch-size", "32", "--limit", "64", "--init-weights", tmp_path / "old.weights.h5")
    assert trained.returncode == 0, trained.stderr
    assert ModelCard.read(out / "fernet.card.toml").details["parameters"] == model.count_params()
