"""``fer_video.analyze`` from Python against ``fer-video timeline`` run as a user runs it: the same rows, and
a timeline that goes back to the same CSV, byte for byte."""

from __future__ import annotations

import sys

import pytest

import fer_video
from tests.support import run_cli


@pytest.fixture(scope="module")
def command_and_call(sample_video, tmp_path_factory):
    """The sample video's timeline from the command (CSV and JSON Lines) and from ``analyze``, at the defaults."""
    folder = tmp_path_factory.mktemp("analyze")
    result = run_cli("timeline", sample_video, "-o", folder / "t.csv", "--jsonl", folder / "t.jsonl", "-q")
    assert result.returncode == 0, result.stderr
    return folder, fer_video.analyze(sample_video)


def test_analyze_gives_the_rows_of_fer_video_timeline(command_and_call):
    folder, timeline = command_and_call
    assert len(timeline) > 30 and timeline.columns[:3] == ["frame", "time_s", "face_id"]
    assert timeline.columns[-1] == "raw_neutral"  # the command's default smoother ran
    assert timeline == fer_video.read_timeline(folder / "t.csv") == fer_video.read_timeline(folder / "t.jsonl")
    assert {row["face_id"] for row in timeline} == {0, 1}
    assert timeline.summary.frames == 60


def test_a_timeline_writes_the_commands_csv_and_keeps_an_existing_file(command_and_call, tmp_path):
    folder, timeline = command_and_call
    written = timeline.to_csv(tmp_path / "out" / "t.csv")
    assert written.read_bytes() == (folder / "t.csv").read_bytes()
    existing = tmp_path / "mine.csv"
    existing.write_text("keep me")
    with pytest.raises(FileExistsError, match="already exists; pass force=True"):
        timeline.to_csv(existing)
    assert existing.read_text() == "keep me"
    timeline.to_csv(existing, force=True)
    assert existing.read_bytes() == (folder / "t.csv").read_bytes()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["mine.csv", "out"]  # no partial file left


def test_options_are_named_as_in_the_config_and_on_the_command_line(picture_files, tmp_path):
    pictures = next(iter(picture_files.values())).parent
    flags = ["--detector", "haar", "--detector-opt", "min_neighbors=6", "--smoother", "none", "--margin", "0.1"]
    result = run_cli("timeline", pictures, "-o", tmp_path / "t.csv", *flags, "-q")
    assert result.returncode == 0, result.stderr
    timeline = fer_video.analyze(pictures, detector={"name": "haar", "min_neighbors": 6}, smoother="none",
                                 margin=0.1)
    assert timeline == fer_video.read_timeline(tmp_path / "t.csv")
    assert timeline.columns[:2] == ["frame", "file"] and "raw_happy" not in timeline.columns
    assert {row["file"] for row in timeline} == {"astronaut.jpg", "hopper.jpg"}


def test_to_pandas_gives_the_csvs_frame(command_and_call):
    pandas = pytest.importorskip("pandas")
    folder, timeline = command_and_call
    frame = timeline.to_pandas()
    pandas.testing.assert_frame_equal(frame, pandas.read_csv(folder / "t.csv"))


def test_to_pandas_without_pandas_says_what_to_install(command_and_call, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now fails, as where it is not installed
    with pytest.raises(ImportError, match=r"^Timeline.to_pandas needs pandas: pip install 'fer-video\[pandas\]'$"):
        command_and_call[1].to_pandas()


def test_wrong_options_are_refused_before_any_work(sample_video, tmp_path):
    with pytest.raises(ValueError, match="detect_every must be 1 or more"):
        fer_video.analyze(sample_video, detect_every=0)
    with pytest.raises(LookupError, match="no detector named 'dlib'; known detectors: haar, mediapipe"):
        fer_video.analyze(sample_video, detector="dlib")
    with pytest.raises(TypeError):
        fer_video.analyze(sample_video, colour="red")
    with pytest.raises(FileNotFoundError, match="nothere.mp4 does not exist"):
        fer_video.analyze(tmp_path / "nothere.mp4")
    existing = tmp_path / "t.jsonl"
    existing.write_text("keep me")
    with pytest.raises(FileExistsError):
        fer_video.analyze(sample_video, sinks=[{"name": "jsonl", "output": str(existing)}])
    assert existing.read_text() == "keep me"


def test_read_timeline_says_what_is_wrong_with_a_file(tmp_path):
    not_one = tmp_path / "notes.csv"
    not_one.write_text("name,age\nada,36\n")
    with pytest.raises(ValueError, match="notes.csv is not a fer-video timeline"):
        fer_video.read_timeline(not_one)
    short = tmp_path / "short.csv"
    short.write_text("frame,time_s,face_id\n")
    with pytest.raises(ValueError, match="lacks the timeline columns"):
        fer_video.read_timeline(short)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert len(fer_video.read_timeline(empty)) == 0


def test_a_timeline_from_python_never_writes_a_formula_and_reads_real_names_back(picture_files, tmp_path):
    import shutil

    folder = tmp_path / "pictures"
    folder.mkdir()
    shutil.copy(picture_files["astronaut"], folder / "=HYPERLINK(1).jpg")
    timeline = fer_video.analyze(folder)
    assert {row["file"] for row in timeline} == {"=HYPERLINK(1).jpg"}
    timeline.to_csv(tmp_path / "t.csv")
    text = (tmp_path / "t.csv").read_text()
    assert ",'=HYPERLINK(1).jpg," in text and ",=HYPERLINK" not in text
    assert fer_video.read_timeline(tmp_path / "t.csv") == timeline
    result = run_cli("timeline", folder, "-o", tmp_path / "cli.csv", "-q")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "cli.csv").read_bytes() == (tmp_path / "t.csv").read_bytes()
