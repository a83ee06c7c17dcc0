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


def test_faces_with_ferplus_votes_are_also_scored_against_the_annotators_majority(tmp_path):
    from fer_video.plugins.manager import PluginManager
    from fer_video.training.evaluate import FER2013 as LABELS
    from fer_video.training.evaluate import FERPLUS_PLURALITY, FERPLUS_STRICT, evaluate_all
    from fer_video.training.predict import predict_split

    images, labels = random_faces(12, seed=9)
    data = tmp_path / "faces.npz"
    np.savez(data, x_val=images, y_val=labels)
    classifier = PluginManager().create("classifier", "fernet")
    answers = predict_split(classifier, load_fer2013(data)["val"]).argmax(axis=1)
    # ten votes per face in FER+'s columns: the classifier's own answer by 6 of 10, except two faces
    # (a tie, and a face 5 of 10 for one emotion: a plurality but not the strict rule's majority)
    to_column = [4, 5, 6, 1, 3, 2, 0]
    votes = np.zeros((12, 10), np.uint8)
    for row, answer in enumerate(answers):
        votes[row, to_column[answer]] = 6
        votes[row, 8] = 4  # unknown
    votes[0] = [5, 5, 0, 0, 0, 0, 0, 0, 0, 0]
    votes[1] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    votes[1, to_column[(answers[1] + 1) % 7]] = 5
    votes[1, 8], votes[1, 9] = 3, 2
    np.savez(data, x_val=images, y_val=labels, votes_val=votes)

    evaluation = evaluate_all(classifier, data, "val")
    assert evaluation.votes == data
    assert int(evaluation.reports[LABELS].confusion.sum()) == 12
    plurality, strict = evaluation.reports[FERPLUS_PLURALITY], evaluation.reports[FERPLUS_STRICT]
    assert int(plurality.confusion.sum()) == 11 and plurality.accuracy == pytest.approx(10 / 11)
    assert int(strict.confusion.sum()) == 10 and strict.accuracy == 1.0
    text = evaluation.as_text()
    assert text.index("accuracy") < text.index("FER+ majority (plurality") < text.index("FER+ majority (strict")
    assert "FER+" not in evaluate_all(classifier, data, "val", votes=False).as_text().split("(no FER+")[0]


def test_a_cards_prior_scales_the_scores_it_names_and_a_wrong_one_is_refused(tmp_path):
    import shutil

    from fer_video.io.sample_video import face_pictures
    from fer_video.models.model_file import open_model_file

    shutil.copy(models_dir() / "fernet.tflite", tmp_path / "fernet.tflite")
    card = ModelCard.read(models_dir() / "fernet.card.toml")
    card.details.pop("calibration", None)
    card.write(tmp_path / "fernet.card.toml")
    face = face_pictures()[0]  # the astronaut
    plain = open_model_file(tmp_path / "fernet.tflite").predict([face])[0]

    card.details["calibration"] = {"prior": {"neutral": 0.25, "sad": 2.0}}
    card.write(tmp_path / "fernet.card.toml")
    scaled = open_model_file(tmp_path / "fernet.tflite").predict([face])[0]
    factors = np.ones(7)
    factors[EMOTIONS.index("neutral")], factors[EMOTIONS.index("sad")] = 0.25, 2.0
    np.testing.assert_allclose(scaled, plain * factors / (plain * factors).sum(), rtol=1e-5)

    card.details["calibration"] = {"prior": {"calm": 0.5}}
    card.write(tmp_path / "fernet.card.toml")
    with pytest.raises(ValueError, match="prior must give emotions"):
        open_model_file(tmp_path / "fernet.tflite")


def test_fernet_ferplus_is_a_fernet_by_name_and_sits_nearer_the_annotators_than_the_default():
    from fer_video.plugins.manager import PluginManager

    plugins = PluginManager()
    ferplus = plugins.create("classifier", "fernet-ferplus")
    assert ferplus.weights == models_dir() / "fernet-ferplus.tflite"
    card = ModelCard.read(models_dir() / "fernet-ferplus.card.toml")
    default = ModelCard.read(models_dir() / "fernet.card.toml")
    assert card.architecture == "fernet" and card.prior is None
    measured, today = card.details["validation"], default.details["validation"]
    assert measured["ferplus_strict"]["accuracy"] >= 0.80 > today["ferplus_strict"]["accuracy"]
    assert measured["accuracy"] >= 0.66
    with pytest.raises(ValueError, match="holds a model3 network"):
        plugins.create("classifier", "fernet-ferplus", weights=models_dir() / "model3.tflite")
