"""Evaluation: the metrics, each shipped model's card reproduced from its file, and the test split in
each form of FER-2013."""

from __future__ import annotations

import csv

import cv2
import numpy as np
import pytest

from fer_video.emotions import EMOTIONS
from fer_video.models.card import ModelCard
from fer_video.models.shipped import models_dir
from fer_video.training.datasets import load_fer2013
from fer_video.training.metrics import Report
from tests.support import FER2013, needs_fer2013, random_faces


def test_report_counts_and_rates():
    truth = np.array([0, 0, 1, 3, 3, 3])
    guess = np.array([0, 3, 1, 3, 3, 0])
    report = Report.from_labels(truth, guess)
    assert report.accuracy == pytest.approx(4 / 6)
    assert report.recall[3] == pytest.approx(2 / 3) and report.precision[0] == pytest.approx(1 / 2)
    assert "confusion matrix" in report.as_text()


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


def _test_set_in_three_forms(folder, images, labels) -> dict[str, object]:
    """The same test faces as an .npz with only x_test/y_test, Kaggle's test/ folder and CSV PrivateTest rows."""
    np.savez(folder / "test_only.npz", x_test=images, y_test=labels)
    for n, (image, label) in enumerate(zip(images, labels)):
        (folder / "kaggle" / "test" / EMOTIONS[label]).mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(folder / "kaggle" / "test" / EMOTIONS[label] / f"{n}.png"), image)
    decoys, decoy_labels = random_faces(4, seed=9)  # Training and PublicTest rows the test split must leave out
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

    images, labels = random_faces(12, seed=3)
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
