"""Ensembles: `fer-video export` with several weights files writes one TF Lite file that averages them."""

from __future__ import annotations

import numpy as np

from fer_video.models.card import ModelCard
from fer_video.models.fernet import RECIPE, build_fernet
from fer_video.plugins.manager import PluginManager
from tests.support import run_cli


def _trained_looking_fernet(folder, seed: int):
    """A fernet with random weights, saved the way `fer-video train` saves one, card included."""
    import keras

    keras.utils.set_random_seed(seed)
    model = build_fernet()
    folder.mkdir()
    weights = folder / "fernet.weights.h5"
    model.save_weights(weights)
    ModelCard(architecture="fernet", input=RECIPE.input,
              details={"parameters": model.count_params(),
                       "training": {"command": f"fer-video train --model fernet --seed {seed}", "seed": seed},
                       "validation": {"accuracy": 0.5}}).write(folder / "fernet.card.toml")
    return weights


def test_an_exported_ensemble_scores_the_mean_of_its_members(tmp_path):
    rng = np.random.default_rng(0)
    faces = rng.integers(0, 256, (28, 48, 48), dtype=np.uint8)
    labels = np.arange(28) % 7
    np.savez(tmp_path / "faces.npz", x_train=faces, y_train=labels, x_val=faces, y_val=labels)
    first, second = _trained_looking_fernet(tmp_path / "a", 1), _trained_looking_fernet(tmp_path / "b", 2)

    out = tmp_path / "ensemble.tflite"
    exported = run_cli("export", "--model", "fernet", "--weights", first, second, "--out", out,
                       "--data", tmp_path / "faces.npz", "--quantize", "none")
    assert exported.returncode == 0, exported.stderr

    plugins = PluginManager()
    crops = list(faces[:8])
    one, two = (plugins.create("classifier", "fernet", weights=w).predict(crops) for w in (first, second))
    assert np.abs(one - two).max() > 1e-3, "the members should disagree, or the test proves nothing"
    ensemble = plugins.create("classifier", "file", weights=out)
    np.testing.assert_allclose(ensemble.predict(crops), (one + two) / 2, atol=1e-5)

    card = ModelCard.read(tmp_path / "ensemble.card.toml")
    members = card.details["ensemble"]["members"]
    assert [m["seed"] for m in members] == [1, 2] and members[0]["weights"] == str(first)
    assert card.details["parameters"] == 2 * build_fernet().count_params()
    assert "validation" in card.details and card.input == RECIPE.input


def test_export_can_ship_flip_averaging_in_the_card_and_measures_with_it(tmp_path):
    from fer_video.training.evaluate import evaluate

    rng = np.random.default_rng(1)
    faces = rng.integers(0, 256, (28, 48, 48), dtype=np.uint8)
    np.savez(tmp_path / "faces.npz", x_train=faces, y_train=np.arange(28) % 7, x_val=faces, y_val=np.arange(28) % 7)
    weights = _trained_looking_fernet(tmp_path / "a", 3)
    out = tmp_path / "flip.tflite"
    exported = run_cli("export", "--model", "fernet", "--weights", weights, "--out", out,
                       "--data", tmp_path / "faces.npz", "--quantize", "none", "--tta", "flip")
    assert exported.returncode == 0, exported.stderr
    card = ModelCard.read(tmp_path / "flip.card.toml")
    assert card.input.tta == "flip" and "--tta flip" in card.details["export"]["command"]
    framing = card.details["framing"]  # the card states how faces must be cut for it, per detector
    assert "FER-2013" in framing["faces"]
    assert framing["haar"].startswith("square 1.03x") and "0.034 box heights up" in framing["mediapipe"]

    shipped = PluginManager().create("classifier", "file", weights=out)
    crops = list(faces[:6])
    plain = PluginManager().create("classifier", "fernet", weights=weights).predict(crops)
    mirrored = PluginManager().create("classifier", "fernet", weights=weights).predict([c[:, ::-1] for c in crops])
    np.testing.assert_allclose(shipped.predict(crops), (plain + mirrored) / 2, atol=1e-5)
    report = evaluate(shipped, tmp_path / "faces.npz", "val")
    assert card.details["validation"]["accuracy"] == round(report.accuracy, 4)


def test_export_over_a_model_in_use_replaces_it_whole(tmp_path):
    """``export --force`` onto a model file that a running pipeline has open (LiteRT maps it) puts
    a new file in its place instead of rewriting the old one under the reader (SIGBUS before)."""
    rng = np.random.default_rng(2)
    faces = rng.integers(0, 256, (28, 48, 48), dtype=np.uint8)
    np.savez(tmp_path / "faces.npz", x_train=faces, y_train=np.arange(28) % 7, x_val=faces, y_val=np.arange(28) % 7)
    out = tmp_path / "model.tflite"
    for seed in (5, 6):
        weights = _trained_looking_fernet(tmp_path / f"s{seed}", seed)
        if seed == 6:
            in_use = out.open("rb")
        exported = run_cli("export", "--model", "fernet", "--weights", weights, "--out", out,
                           "--data", tmp_path / "faces.npz", "--quantize", "none", "--force")
        assert exported.returncode == 0, exported.stderr
        if seed == 5:
            first = out.read_bytes()
    with in_use:
        assert in_use.read() == first, "the file a reader had open was rewritten under it"
    assert out.read_bytes() != first
    assert not list(tmp_path.glob(".*partial*"))
