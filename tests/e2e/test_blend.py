"""``fer-video blend`` as a user runs it: two trained fernets, one of them exported, blended into Keras
weights that measure between their ends, with a card that says how they were made."""

from __future__ import annotations

import re

from fer_video.models.card import ModelCard
from fer_video.models.shipped import shipped
from tests.support import FER2013, needs_fer2013, run_cli


@needs_fer2013
def test_blending_a_run_with_an_exported_model_writes_weights_that_measure_between_them(tmp_path):
    first, second = shipped("fernet.weights.h5"), shipped("fernet-long.tflite")
    out = tmp_path / "blend" / "fernet.weights.h5"
    args = ["blend", "--model", "fernet", "--weights", first, second, "--shares", "0.5", "0.5",
            "--data", FER2013, "--out", out]
    blended = run_cli(*args)
    assert blended.returncode == 0, blended.stderr
    accuracy = float(re.search(r"val accuracy (\d\.\d+)", blended.stdout).group(1))
    card = ModelCard.read(out.with_name("fernet.card.toml"))
    assert card.architecture == "fernet" and card.input.tta == "none"
    assert [member["share"] for member in card.details["training"]["blended"]] == [0.5, 0.5]
    assert card.details["training"]["command"].startswith("fer-video blend --model fernet")
    assert card.details["validation"]["accuracy"] == round(accuracy, 4)
    ends = [ModelCard.read(shipped(name)).details["validation"]["accuracy"]
            for name in ("fernet.card.toml", "fernet-long.card.toml")]
    assert accuracy >= min(ends) - 0.01, "a blend of two runs of one chain is about as good as its ends"

    weights = out.read_bytes()
    again = run_cli(*args)
    assert again.returncode == 2 and "--force" in again.stderr and "Traceback" not in again.stderr
    assert out.read_bytes() == weights
    assert sorted(path.name for path in out.parent.iterdir()) == ["fernet.card.toml", "fernet.weights.h5"], \
        "no partial file is left behind"


@needs_fer2013
def test_networks_of_another_architecture_are_refused_in_one_line(tmp_path):
    out = tmp_path / "fernet.weights.h5"
    refused = run_cli("blend", "--model", "fernet", "--weights", shipped("fernet.weights.h5"),
                      shipped("model3.tflite"), "--data", FER2013, "--out", out)
    assert refused.returncode == 1, refused.stderr  # an input problem (docs/commands.md: exit codes)
    assert "model3" in refused.stderr and "Traceback" not in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert not out.exists()

    one = run_cli("blend", "--model", "fernet", "--weights", shipped("fernet.weights.h5"), "--data", FER2013,
                  "--out", out)
    assert one.returncode == 2 and "two or more" in one.stderr and "Traceback" not in one.stderr
    negative = run_cli("blend", "--model", "fernet", "--weights", shipped("fernet.weights.h5"),
                       shipped("fernet-long.tflite"), "--shares", "1", "-1", "--data", FER2013, "--out", out)
    assert negative.returncode == 2 and "--shares" in negative.stderr and "Traceback" not in negative.stderr
