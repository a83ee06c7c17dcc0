"""Training and evaluation: the three FER-2013 forms, a short real run, resume, and card round trip."""

from __future__ import annotations

import csv

import cv2
import numpy as np
import pandas as pd
import pytest

from fer_video.emotions import EMOTIONS
from fer_video.models.card import ModelCard
from fer_video.models.fernet import RECIPE
from fer_video.models.shipped import models_dir
from fer_video.training.datasets import load_fer2013
from fer_video.training.metrics import Report
from tests.support import FER2013, needs_fer2013, run_cli, start_cli


def _faces(count: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (count, 48, 48), dtype=np.uint8), rng.integers(0, 7, count)


def test_the_three_forms_of_fer2013_read_the_same(tmp_path):
    images, labels = _faces(21)
    usage = ["Training"] * 14 + ["PublicTest"] * 7
    with (tmp_path / "fer2013.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["emotion", "pixels", "Usage"])
        for image, label, use in zip(images, labels, usage):
            writer.writerow([label, " ".join(map(str, image.ravel())), use])
    for split, part in (("train", slice(0, 14)), ("test", slice(14, 21))):
        for n, (image, label) in enumerate(zip(images[part], labels[part])):
            folder = tmp_path / "kaggle" / split / EMOTIONS[label]
            folder.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(folder / f"{n}.png"), image)
    np.savez(tmp_path / "faces.npz", x_train=images[:14], y_train=labels[:14], x_val=images[14:], y_val=labels[14:])

    from_csv = load_fer2013(tmp_path / "fer2013.csv")
    from_npz = load_fer2013(tmp_path / "faces.npz")
    from_folders = load_fer2013(tmp_path / "kaggle")
    for loaded in (from_csv, from_npz, from_folders):
        assert sorted(loaded["train"].labels) == sorted(labels[:14])
        assert sorted(loaded["val"].labels) == sorted(labels[14:])
    np.testing.assert_array_equal(from_csv["train"].images, images[:14])
    assert from_folders["train"].images is None  # folders stay on disk, decoded per batch
    assert sorted(from_folders["train"].load_images().sum(axis=(1, 2))) == sorted(images[:14].sum(axis=(1, 2)))


def test_npz_class_names_map_to_canonical_order(tmp_path):
    images, labels = _faces(7)
    alphabetical = sorted(EMOTIONS)
    np.savez(tmp_path / "a.npz", x_train=images, y_train=np.arange(7), x_val=images, y_val=np.arange(7),
             classes=np.array(alphabetical))
    loaded = load_fer2013(tmp_path / "a.npz")
    assert [EMOTIONS[i] for i in loaded["train"].labels] == alphabetical


def test_missing_data_speaks_to_the_user(tmp_path):
    with pytest.raises(FileNotFoundError, match="pass --data a Kaggle folder"):
        load_fer2013(tmp_path / "nowhere")


def test_report_counts_and_rates():
    truth = np.array([0, 0, 1, 3, 3, 3])
    guess = np.array([0, 3, 1, 3, 3, 0])
    report = Report.from_labels(truth, guess)
    assert report.accuracy == pytest.approx(4 / 6)
    assert report.recall[3] == pytest.approx(2 / 3) and report.precision[0] == pytest.approx(1 / 2)
    assert "confusion matrix" in report.as_text()


@needs_fer2013
def test_short_training_run_lowers_the_loss_resumes_and_writes_a_card_that_loads(tmp_path):
    out = tmp_path / "run"
    args = ["train", "--model", "fernet", "--data", FER2013, "--out", out, "--limit", "384", "--batch-size", "32"]
    first = run_cli(*args, "--epochs", "2")
    assert first.returncode == 0, first.stderr
    history = pd.read_csv(out / "history.csv")
    assert len(history) == 2 and history.loss.iloc[-1] < history.loss.iloc[0]
    card = ModelCard.read(out / "fernet.card.toml")
    assert card.input == RECIPE.input and card.input.size == 48 and card.input.color == "gray"
    assert card.details["training"]["epochs"] == 2
    assert card.details["training"]["command"].startswith("fer-video train --model fernet")
    assert 0 <= card.details["validation"]["accuracy"] <= 1

    assert not (out / "backup").exists(), "a finished run leaves no resume backup"

    evaluated = run_cli("evaluate", "--model", "fernet", "--weights", out / "fernet.weights.h5", "--data", FER2013,
                        "--split", "val", "--limit", "96", "--png", tmp_path / "confusion.png")
    assert evaluated.returncode == 0, evaluated.stderr
    assert "accuracy" in evaluated.stdout and "confusion matrix" in evaluated.stdout
    assert cv2.imread(str(tmp_path / "confusion.png")) is not None


@needs_fer2013
def test_an_interrupted_run_resumes_where_it_stopped(tmp_path):
    import subprocess
    import time

    out = tmp_path / "run"
    args = ["train", "--model", "fernet", "--data", str(FER2013), "--out", str(out), "--limit", "512",
            "--batch-size", "32", "--epochs", "3"]
    process = start_cli(*args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    history = out / "history.csv"
    deadline = time.time() + 240
    while time.time() < deadline and process.poll() is None:
        if history.exists() and len(history.read_text().splitlines()) >= 2:  # header + epoch 1
            break
        time.sleep(0.2)
    process.kill()
    process.wait()
    assert len(pd.read_csv(history)) == 1, "the run should have been stopped after its first epoch"

    refused = run_cli(*args)
    assert refused.returncode != 0 and "pass --resume" in refused.stderr
    resumed = run_cli(*args, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert pd.read_csv(history).epoch.tolist() == [0, 1, 2]
    card = ModelCard.read(out / "fernet.card.toml")
    assert "--resume" not in card.details["training"]["command"]


def _card_classifier(card_path):
    """The classifier a shipped card describes: its TF Lite file, or Keras weights in its architecture."""
    from fer_video.plugins.manager import PluginManager

    card = ModelCard.read(card_path)
    weights = card_path.parent / card.weights
    name = "file" if weights.suffix == ".tflite" else card.architecture
    return card, PluginManager().create("classifier", name, weights=weights)


@needs_fer2013
@pytest.mark.parametrize("card_name", sorted(path.name for path in models_dir().glob("*.card.toml")))
def test_evaluate_reproduces_the_shipped_models_cards(card_name):
    from fer_video.training.evaluate import evaluate

    card, classifier = _card_classifier(models_dir() / card_name)
    assert "validation" in card.details, f"{card_name} must say what was measured on the shipped file"
    measured = card.details["validation"]
    report = evaluate(classifier, FER2013, measured.get("split", "val"))  # with the card's own tta
    assert round(report.accuracy, 4) == measured["accuracy"]
    assert report.per_class_recall() == pytest.approx(measured["recall"], abs=1e-4)


@needs_fer2013
def test_evaluate_without_a_model_scores_the_pipelines_default_as_its_card_says():
    from fer_video.models.card import card_path_for
    from fer_video.plugins.manager import PluginManager
    from fer_video.runtime.config import PipelineConfig

    default = PipelineConfig().build_stage(PluginManager(), "classifier")
    card = ModelCard.read(card_path_for(default.weights))
    evaluated = run_cli("evaluate", "--data", FER2013, "--split", "val")
    assert evaluated.returncode == 0, evaluated.stderr
    assert f"accuracy {card.details['validation']['accuracy']:.4f} on " in evaluated.stdout
    assert f"test-time augmentation {card.input.tta}" in evaluated.stderr


def _test_set_in_three_forms(folder, images, labels) -> dict[str, object]:
    """The same test faces as an .npz with only x_test/y_test, Kaggle's test/ folder and CSV PrivateTest rows."""
    np.savez(folder / "test_only.npz", x_test=images, y_test=labels)
    for n, (image, label) in enumerate(zip(images, labels)):
        (folder / "kaggle" / "test" / EMOTIONS[label]).mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(folder / "kaggle" / "test" / EMOTIONS[label] / f"{n}.png"), image)
    decoys, decoy_labels = _faces(4, seed=9)  # Training and PublicTest rows the test split must leave out
    with (folder / "fer2013.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["emotion", "pixels", "Usage"])
        rows = [(d, lab, use) for d, lab, use in zip(decoys, decoy_labels, ["Training", "PublicTest"] * 2)]
        rows += [(image, label, "PrivateTest") for image, label in zip(images, labels)]
        for image, label, use in rows:
            writer.writerow([label, " ".join(map(str, image.ravel())), use])
    return {"npz": folder / "test_only.npz", "kaggle": folder / "kaggle", "csv": folder / "fer2013.csv"}


def test_the_test_split_evaluates_in_each_form_of_fer2013(tmp_path):
    from fer_video.plugins.manager import PluginManager
    from fer_video.runtime.config import PipelineConfig
    from fer_video.training.evaluate import evaluate

    images, labels = _faces(12, seed=3)
    forms = _test_set_in_three_forms(tmp_path, images, labels)
    default = PipelineConfig().build_stage(PluginManager(), "classifier")
    expected = Report.from_labels(labels, default.predict(list(images)).argmax(axis=1)).confusion
    for form, path in forms.items():
        test = load_fer2013(path)["test"]
        assert sorted(test.labels) == sorted(labels), form
        np.testing.assert_array_equal(evaluate(default, path, "test").confusion, expected, err_msg=form)
    with pytest.raises(ValueError, match="has no 'val' split; it has test"):
        evaluate(default, forms["npz"], "val")
    np.savez(tmp_path / "empty.npz", classes=np.array(EMOTIONS))
    with pytest.raises(ValueError, match="holds no training, validation or test faces"):
        load_fer2013(tmp_path / "empty.npz")


def test_evaluate_command_takes_the_default_classifier_and_ten_crop(tmp_path):
    images, labels = _faces(10, seed=4)
    np.savez(tmp_path / "test_only.npz", x_test=images, y_test=labels)
    plain = run_cli("evaluate", "--data", tmp_path / "test_only.npz", "--split", "test")
    assert plain.returncode == 0, plain.stderr
    assert "on 10 faces" in plain.stdout and "classifier: fernet" in plain.stderr
    ten = run_cli("evaluate", "--data", tmp_path / "test_only.npz", "--split", "test", "--tta", "ten-crop")
    assert ten.returncode == 0, ten.stderr
    assert "on 10 faces" in ten.stdout and "test-time augmentation ten-crop" in ten.stderr
    refused = run_cli("evaluate", "--data", tmp_path / "test_only.npz", "--split", "test", "--tta", "crops")
    assert refused.returncode == 2 and "invalid choice" in refused.stderr


def test_init_weights_starts_training_from_them_and_the_card_says_so(tmp_path):
    import keras

    from fer_video.models.fernet import build_fernet

    images, labels = _faces(96, seed=5)
    np.savez(tmp_path / "tiny.npz", x_train=images[:64], y_train=labels[:64], x_val=images[64:], y_val=labels[64:])
    keras.utils.set_random_seed(5)
    start = build_fernet()
    start.save_weights(tmp_path / "start.weights.h5")  # another seed than the run's: its own starting point
    out = tmp_path / "chained"
    trained = run_cli("train", "--model", "fernet", "--data", tmp_path / "tiny.npz", "--out", out, "--epochs", "1",
                      "--batch-size", "32", "--limit", "64", "--learning-rate", "1e-9",
                      "--init-weights", tmp_path / "start.weights.h5")
    assert trained.returncode == 0, trained.stderr
    card = ModelCard.read(out / "fernet.card.toml")
    assert card.details["training"]["init_weights"] == str(tmp_path / "start.weights.h5")
    assert "--init-weights" in card.details["training"]["command"]
    finished = build_fernet()
    finished.load_weights(out / "fernet.weights.h5")
    for before, after in zip(start.trainable_weights, finished.trainable_weights):
        np.testing.assert_allclose(after.numpy(), before.numpy(), atol=1e-5, err_msg=before.path)

    missing = run_cli("train", "--model", "fernet", "--data", tmp_path / "tiny.npz", "--out", tmp_path / "x",
                      "--limit", "64", "--init-weights", tmp_path / "nowhere.weights.h5")
    assert missing.returncode == 1 and "nowhere.weights.h5 does not exist" in missing.stderr
    assert not (tmp_path / "x").exists(), "a run refused at the start leaves no folder behind"
