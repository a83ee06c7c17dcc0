"""Mistakes a new user makes get one line saying what was wrong and what to do, a documented exit code
(2: the command line; 1: the input), no traceback, and leave no file behind."""

from __future__ import annotations

import pytest

from tests.support import ffmpeg, needs_train, run_cli

USAGE, INPUT = 2, 1


def _one_line_error(result, code: int, *words: str) -> None:
    assert result.returncode == code, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("fer-video: error:")]
    assert len(errors) == 1, result.stderr
    assert "Traceback" not in result.stderr and "Errno" not in result.stderr, result.stderr
    for word in words:
        assert word in errors[0], errors[0]


@pytest.mark.parametrize("name", ["out.mp4", "out.txt"])
def test_a_picture_annotated_into_a_non_picture_name(picture_files, tmp_path, name):
    result = run_cli("annotate", picture_files["astronaut"], "-o", tmp_path / name, "--detector", "haar")
    _one_line_error(result, USAGE, "name the output .jpg or .png", name)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("flag", ["-o", "--csv"])
def test_an_output_that_is_a_folder_is_refused_even_with_force(sample_video, tmp_path, flag):
    folder = tmp_path / ("taken.mp4" if flag == "-o" else "taken.csv")
    folder.mkdir()
    others = {"-o": ["--csv", tmp_path / "t.csv"], "--csv": ["-o", tmp_path / "out.mp4"]}[flag]
    result = run_cli("annotate", sample_video, flag, folder, *others, "--force", "--detector", "haar", "-q")
    _one_line_error(result, USAGE, "is a folder")
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder.name] and not list(folder.iterdir())


def test_config_naming_a_folder(sample_video, tmp_path):
    result = run_cli("timeline", sample_video, "-o", tmp_path / "t.csv", "--config", tmp_path)
    _one_line_error(result, INPUT, "is a folder", "pipeline.toml")
    assert list(tmp_path.iterdir()) == []


def test_a_binary_config_file_is_called_not_text(sample_video, tmp_path):
    """A binary --config gave the codec's raw "'utf-8' codec can't decode byte 0xff"."""
    config = tmp_path / "pipeline.toml"
    config.write_bytes(b"\x00\xff\xfe binary \x80\x81")
    result = run_cli("timeline", sample_video, "-o", tmp_path / "t.csv", "--config", config)
    assert result.returncode == 1, result.stderr
    assert f"config file {config} is not text" in result.stderr and "codec" not in result.stderr


def test_config_value_of_the_wrong_type_names_the_key(sample_video, tmp_path):
    config = tmp_path / "pipeline.toml"
    config.write_text('margin = "wide"\n')
    result = run_cli("timeline", sample_video, "-o", tmp_path / "t.csv", "--config", config)
    _one_line_error(result, INPUT, "margin must be a number")


def test_timeline_refuses_a_video_name(sample_video, tmp_path):
    result = run_cli("timeline", sample_video, "-o", tmp_path / "t.mp4", "--detector", "haar")
    _one_line_error(result, USAGE, "name the output .csv")
    assert list(tmp_path.iterdir()) == []


def test_an_out_of_range_stage_option_is_refused(sample_video, tmp_path):
    result = run_cli("timeline", sample_video, "-o", tmp_path / "t.csv", "--detector-opt", "min_confidence=-1")
    _one_line_error(result, INPUT, "min_confidence must be from 0 to 1")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["random.tflite", pytest.param("random.weights.h5", marks=needs_train),
                                  pytest.param("random.keras", marks=needs_train)])
def test_a_damaged_weights_file_is_called_damaged_alone_on_the_terminal(sample_video, tmp_path, name):
    """Random bytes as weights: TensorFlow's seven log lines came first, then "do not fit the fernet
    architecture" or, for a .tflite, "needs a model card"; the file itself is what is wrong."""
    weights = tmp_path / name
    weights.write_bytes(bytes(range(256)) * 200)
    result = run_cli("timeline", sample_video, "-o", tmp_path / "t.csv", "--weights", weights, "--detector", "haar")
    _one_line_error(result, INPUT, f"{name} is not", "damaged or of another kind")
    assert result.stderr.strip().splitlines()[0].startswith("fer-video: error:"), result.stderr  # nothing before
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_a_missing_weights_file_is_called_missing(sample_video, tmp_path):
    result = run_cli("timeline", sample_video, "-o", tmp_path / "t.csv", "--weights", tmp_path / "nothere.tflite")
    _one_line_error(result, INPUT, "nothere.tflite does not exist")
    assert list(tmp_path.iterdir()) == []


def _cut_without_index(sample_video, tmp_path):
    """An MP4 whose index (moov atom) sits at the end, cut before it: a recording that never finished."""
    whole = tmp_path / "whole.mp4"
    ffmpeg("-i", sample_video, "-c", "copy", "-movflags", "-faststart", whole)
    cut = tmp_path / "recording.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    whole.unlink()
    return cut


@pytest.mark.parametrize("damage, words", [
    ("empty", "is empty (0 bytes)"),
    ("no index", "without its index (moov atom)"),
    ("header only", "no video stream"),
])
def test_an_unreadable_video_is_told_what_is_wrong_with_it(sample_video, tmp_path, damage, words):
    if damage == "empty":
        video = tmp_path / "recording.mp4"
        video.write_bytes(b"")
    elif damage == "no index":
        video = _cut_without_index(sample_video, tmp_path)
    else:
        video = tmp_path / "recording.mp4"
        video.write_bytes(sample_video.read_bytes()[:300])
    result = run_cli("timeline", video, "-o", tmp_path / "t.csv", "--detector", "haar")
    _one_line_error(result, INPUT, words, "recording.mp4")
    assert len(result.stderr.strip().splitlines()) == 1, "FFmpeg's or OpenCV's own lines reached the user"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["recording.mp4"]


def test_weights_of_another_architecture_are_refused(sample_video, tmp_path):
    from fer_video.models.shipped import shipped

    fernet = shipped("fernet.tflite")
    result = run_cli("timeline", sample_video, "-o", tmp_path / "t.csv", "--classifier", "model3", "--weights", fernet)
    _one_line_error(result, INPUT, "holds a fernet network", "not model3", "--classifier fernet")
    assert list(tmp_path.iterdir()) == []


def test_evaluate_on_an_npz_without_its_labels(tmp_path):
    import numpy as np

    data = tmp_path / "faces.npz"
    np.savez(data, x_val=np.zeros((4, 48, 48), np.uint8))
    result = run_cli("evaluate", "--data", data)
    _one_line_error(result, INPUT, "x_val but no y_val", str(data))


@needs_train
def test_train_on_missing_data_leaves_no_output_folder(tmp_path):
    out = tmp_path / "run"
    result = run_cli("train", "--model", "model1", "--data", tmp_path / "nothere.npz", "--out", out)
    _one_line_error(result, INPUT, "not found", "nothere.npz")
    assert not out.exists()
