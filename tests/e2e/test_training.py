"""``fer-video train`` and ``evaluate`` as a user runs them: a short real run, resume, chained weights, and
the card round trip. Reading FER-2013 and the metrics are tested in memory in tests/unit."""

from __future__ import annotations

import cv2
import numpy as np
import pandas as pd

from fer_video.models.card import ModelCard
from fer_video.models.fernet import RECIPE
from tests.support import FER2013, needs_fer2013, random_faces, run_cli, start_cli


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

    weights = (out / "fernet.weights.h5").read_bytes()
    again = run_cli(*args, "--epochs", "1")
    assert again.returncode == 2 and "--force" in again.stderr and "Traceback" not in again.stderr
    assert (out / "fernet.weights.h5").read_bytes() == weights, "a refused run left the finished one alone"
    forced = run_cli(*args, "--epochs", "1", "--force")
    assert forced.returncode == 0, forced.stderr
    assert len(pd.read_csv(out / "history.csv")) == 1, "the new run's history, not the old one's continued"

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


def test_evaluate_command_takes_the_default_classifier_and_ten_crop(tmp_path):
    images, labels = random_faces(10, seed=4)
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

    images, labels = random_faces(96, seed=5)
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


def test_a_teacher_is_distilled_and_the_card_names_it_with_its_accuracy(tmp_path):
    images, labels = random_faces(96, seed=7)
    np.savez(tmp_path / "tiny.npz", x_train=images[:64], y_train=labels[:64], x_val=images[64:], y_val=labels[64:])
    out = tmp_path / "student"
    trained = run_cli("train", "--model", "fernet", "--data", tmp_path / "tiny.npz", "--out", out, "--epochs", "1",
                      "--batch-size", "32", "--teacher", "fernet", "--teacher-share", "0.7")
    assert trained.returncode == 0, trained.stderr
    training = ModelCard.read(out / "fernet.card.toml").details["training"]
    assert training["teachers"] == ["fernet"] and training["teacher_share"] == 0.7
    scored = run_cli("evaluate", "--model", "fernet", "--data", tmp_path / "tiny.npz", "--split", "val",
                     "--tta", "flip")  # the teacher on the same faces, as the run scored it
    assert scored.returncode == 0, scored.stderr
    assert f"accuracy {training['teachers_val_accuracy']:.4f} on 32 faces" in scored.stdout
    assert f"distilling fernet: {training['teachers_val_accuracy']:.4f}" in trained.stderr

    for bad, message in ((["--teacher", "fernet", "--teacher-share", "1.5"], "--teacher-share must be from 0 to 1"),
                         (["--teacher", tmp_path / "none.weights.h5"], "none.weights.h5 does not exist")):
        refused = run_cli("train", "--model", "fernet", "--data", tmp_path / "tiny.npz", "--out", tmp_path / "x",
                          "--epochs", "1", *bad)
        assert refused.returncode in (1, 2) and message in refused.stderr and "Traceback" not in refused.stderr
        assert not (tmp_path / "x").exists()


def test_training_on_ferplus_votes_learns_their_distribution_and_the_card_says_how(tmp_path):
    images, labels = random_faces(96, seed=8)
    rng = np.random.default_rng(8)
    votes = rng.multinomial(10, [0.3, 0.2, 0.1, 0.1, 0.1, 0.05, 0.05, 0.04, 0.03, 0.03], size=96).astype(np.uint8)
    np.savez(tmp_path / "tiny.npz", x_train=images[:64], y_train=labels[:64], x_val=images[64:], y_val=labels[64:])
    np.savez(tmp_path / "votes.npz", votes_train=votes[:64], votes_val=votes[64:])
    out = tmp_path / "voted"
    trained = run_cli("train", "--model", "fernet", "--data", tmp_path / "tiny.npz", "--out", out, "--epochs", "1",
                      "--batch-size", "32", "--votes", tmp_path / "votes.npz", "--votes-share", "0.6")
    assert trained.returncode == 0, trained.stderr
    assert "60% FER+ vote distribution" in trained.stderr
    training = ModelCard.read(out / "fernet.card.toml").details["training"]
    assert training["votes"] == str(tmp_path / "votes.npz") and training["votes_share"] == 0.6
    assert "contempt" in training["votes_rule"]

    np.savez(tmp_path / "short.npz", votes_train=votes[:10], votes_val=votes[64:])
    refused = run_cli("train", "--model", "fernet", "--data", tmp_path / "tiny.npz", "--out", tmp_path / "x",
                      "--epochs", "1", "--votes", tmp_path / "short.npz")
    assert refused.returncode == 1 and "one row of FER+ votes per face" in refused.stderr
    assert "Traceback" not in refused.stderr and not (tmp_path / "x").exists()
