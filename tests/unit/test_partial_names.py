"""Partial files: a name of each run's own, with the ending that says the file's kind."""

from __future__ import annotations

import os

import pytest

from fer_video.io.atomic import clean_stale, partial_path, split_suffix
from tests.support import needs_train


def test_a_weights_file_is_written_under_a_partial_name_keras_accepts(tmp_path):
    final = tmp_path / "fernet.weights.h5"
    first, second = partial_path(final), partial_path(final)
    assert first != second and first.parent == tmp_path
    assert first.name.startswith(".fernet.") and first.name.endswith(".partial.weights.h5")
    assert partial_path(tmp_path / "out.mp4").name.endswith(".partial.mp4")


def test_stale_partial_weights_of_a_dead_run_are_cleaned_and_a_live_runs_kept(tmp_path):
    final = tmp_path / "fernet.weights.h5"
    live = partial_path(final)
    dead = tmp_path / live.name.replace(f".{os.getpid()}-", ".999999999-")
    other = partial_path(tmp_path / "other.weights.h5")
    for path in (live, dead, other):
        path.write_bytes(b"x")
    assert clean_stale(final) == [dead]
    assert live.exists() and other.exists()


@needs_train
def test_each_run_saves_its_best_weights_under_its_own_partial_name(tmp_path):
    """Two runs keeping their best weights in one folder used one fixed partial name
    (.fernet.partial.weights.h5): each could rename the other's half-written file. What a killed
    run left half-written is cleaned by the next save."""
    from fer_video.training.checkpoints import KeepBest

    written = []

    class Network:
        def save_weights(self, path):
            assert str(path).endswith(".weights.h5")  # as Keras demands
            written.append(path)
            path.write_bytes(b"weights")

    final = tmp_path / "fernet.weights.h5"
    killed = tmp_path / ".fernet.999999999-0123abcd.partial.weights.h5"  # a run killed mid-save
    killed.write_bytes(b"half")
    for _ in range(2):
        keeper = KeepBest(final, tmp_path / "history.csv")
        keeper.set_model(Network())
        keeper.on_epoch_end(0, {"val_accuracy": 0.5})
    assert len(written) == 2 and written[0] != written[1]
    assert final.read_bytes() == b"weights"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fernet.weights.h5"]


@pytest.mark.parametrize("name", ["t" * 242 + ".csv", "é" * 120 + ".weights.h5", "v" * 255])
def test_a_long_outputs_partial_name_stays_within_the_file_systems_limit(tmp_path, name):
    """A 246-character -o failed with "File name too long": the partial name added 26 characters."""
    final = tmp_path / name
    first, second = partial_path(final), partial_path(final)
    assert first != second and len(os.fsencode(first.name)) <= 255
    assert first.name.endswith(".partial" + split_suffix(name)[1])
    first.write_bytes(b"x")  # the file system takes it
    dead = tmp_path / first.name.replace(f".{os.getpid()}-", ".999999999-")
    dead.write_bytes(b"half")
    other = partial_path(tmp_path / ("t" * 241 + "u.csv"))  # another long name, the same first 200 characters
    other.write_bytes(b"y")
    assert clean_stale(final) == [dead]
    assert first.exists() and other.exists()


def test_a_long_output_name_works_end_to_end(sample_video, tmp_path):
    from tests.support import run_cli

    out = tmp_path / ("t" * 242 + ".csv")
    result = run_cli("timeline", sample_video, "-o", out, "--detector", "haar", "-q")
    assert result.returncode == 0, result.stderr
    assert out.read_text().startswith("frame,") and sorted(p.name for p in tmp_path.iterdir()) == [out.name]
