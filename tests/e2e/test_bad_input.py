"""Bad input gets a clear message and a non-zero exit, and never a half-written output."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pandas as pd
import pytest

from fer_video.io.ffmpeg import H264Writer, count_frames, probe
from fer_video.io.timeline_rows import BASE_COLUMNS
from tests.support import installed_plugin, plugin_env, run_cli, start_cli, stop_midway


def test_missing_input(tmp_path):
    result = run_cli("annotate", tmp_path / "nope.mp4", "-o", tmp_path / "out.mp4")
    assert result.returncode != 0
    assert "nope.mp4 does not exist" in result.stderr
    assert not list(tmp_path.iterdir())


def test_a_file_that_is_not_a_video(tmp_path):
    fake = tmp_path / "notes.mp4"
    fake.write_text("this is not a video\n" * 50)
    result = run_cli("annotate", fake, "-o", tmp_path / "out.mp4", "--csv", tmp_path / "t.csv")
    assert result.returncode != 0
    assert "is not a video or image" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.mp4"]


def test_output_equal_to_input_is_refused(sample_video):
    result = run_cli("annotate", sample_video, "-o", sample_video)
    assert result.returncode != 0
    assert "is the input file" in result.stderr


def test_existing_output_needs_force(sample_video, tmp_path):
    existing = tmp_path / "t.csv"
    existing.write_text("keep me")
    result = run_cli("timeline", sample_video, "-o", existing, "--detector", "haar")
    assert result.returncode != 0
    assert "already exists; pass --force" in result.stderr
    assert existing.read_text() == "keep me"
    result = run_cli("timeline", sample_video, "-o", existing, "--detector", "haar", "--force", "-q")
    assert result.returncode == 0, result.stderr
    assert existing.read_text().startswith("frame,time_s")


def test_unknown_stage_name_lists_the_known_ones(sample_video, tmp_path):
    result = run_cli("timeline", sample_video, "-o", tmp_path / "t.csv", "--detector", "dlib")
    assert result.returncode != 0
    assert "no detector named 'dlib'; known detectors: haar, mediapipe" in result.stderr
    assert not (tmp_path / "t.csv").exists()


def test_bad_stage_option_names_the_stage(sample_video, tmp_path):
    result = run_cli("timeline", sample_video, "-o", tmp_path / "t.csv", "--detector-opt", "colour=red")
    assert result.returncode != 0
    assert "detector 'mediapipe' does not take these options" in result.stderr


def test_video_without_faces_gives_a_header_only_csv_and_still_a_copy(tmp_path):
    blank = tmp_path / "blank.mp4"
    writer = H264Writer(blank, 320, 240, 25)
    for value in range(20):
        writer.write(np.full((240, 320, 3), 40 + value, np.uint8))
    writer.close()
    result = run_cli("annotate", blank, "-o", tmp_path / "out.mp4", "--csv", tmp_path / "t.csv", "-q")
    assert result.returncode == 0, result.stderr
    timeline = pd.read_csv(tmp_path / "t.csv")
    assert len(timeline) == 0 and list(timeline.columns)[: len(BASE_COLUMNS)] == list(BASE_COLUMNS)
    assert count_frames(tmp_path / "out.mp4") == 20


def test_truncated_video_processes_what_decodes_and_says_where_it_stopped(sample_video, tmp_path):
    data = sample_video.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    result = run_cli("annotate", cut, "-o", tmp_path / "out.mp4", "--csv", tmp_path / "t.csv", "-q")
    assert result.returncode == 1, result.stderr
    assert "decoding stopped at frame" in result.stderr and "of the 60" in result.stderr
    decoded = count_frames(tmp_path / "out.mp4")
    assert 5 < decoded < 60
    assert pd.read_csv(tmp_path / "t.csv").frame.max() < decoded


def test_ctrl_c_midway_leaves_a_flushed_csv_and_a_playable_mp4(tmp_path):
    from fer_video.io.sample_video import make_sample_video

    long_video = make_sample_video(tmp_path / "long.mp4", width=640, height=360, seconds=20)
    out, csv = tmp_path / "out.mp4", tmp_path / "t.csv"
    process = start_cli("annotate", long_video, "-o", out, "--csv", csv, "--detector", "haar")
    stderr = stop_midway(process, total=600, at=100)  # faces are on screen from frame 72
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr
    frames = count_frames(out)
    assert 100 <= frames < 600
    assert probe(out).video_codec == "h264"
    timeline = pd.read_csv(csv)
    assert timeline.frame.max() < frames


def test_no_webcam_says_so():
    result = run_cli("webcam", "--device", "9")
    assert result.returncode != 0
    assert "no webcam at device 9" in result.stderr
    assert result.stderr.strip().splitlines() == [line for line in result.stderr.strip().splitlines()
                                                  if line.startswith("fer-video: error:")]  # not OpenCV's


@pytest.fixture
def broken_plugin(tmp_path):
    """A distribution whose fer_video entry point raises on import."""
    return installed_plugin(tmp_path / "site", entry_point="broken", module="broken_thing",
                            source="raise ImportError('needs libfoo')\n", distribution="broken-thing", version="1.2")


def test_plugin_that_fails_to_import_is_named_with_its_distribution(broken_plugin, sample_video, tmp_path):
    env = plugin_env(broken_plugin)
    result = run_cli("plugins", env=env)
    assert result.returncode != 0
    assert "plugin 'broken' from broken-thing 1.2 failed to import: ImportError: needs libfoo" in result.stderr
    assert "FER_VIDEO_BLOCK_PLUGINS=broken" in result.stderr
    result = run_cli("plugins", env={**env, "FER_VIDEO_BLOCK_PLUGINS": "broken"})
    assert result.returncode == 0, result.stderr


def _latin1(name: str) -> str:
    """``name`` as an old Latin-1 archive stores it on a UTF-8 system: its é a lone byte, not UTF-8."""
    return os.fsdecode(name.encode("latin-1"))


@pytest.mark.parametrize("case", ["video", "picture in a folder", "output", "batch folder"])
def test_a_name_that_is_not_utf8_is_refused_in_one_line(sample_video, picture_files, tmp_path, case):
    """It crashed with SIGSEGV (exit 139) inside OpenCV, or while writing summary.csv."""
    bad = tmp_path / _latin1("caf\xe9")
    bad.mkdir()
    if case == "video":
        shutil.copy(sample_video, bad / "v.mp4")
        args = ["timeline", bad / "v.mp4", "-o", tmp_path / "t.csv"]
    elif case == "picture in a folder":
        shutil.copy(picture_files["astronaut"], bad / _latin1("\xe9t\xe9.jpg"))
        args = ["annotate", bad, "-o", tmp_path / "out"]
    elif case == "output":
        args = ["timeline", sample_video, "-o", bad / "t.csv"]
    else:
        shutil.copy(sample_video, bad / "v.mp4")
        args = ["batch", bad, "-o", tmp_path / "results"]
    result = run_cli(*args, "--detector", "haar", "-q")
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "caf\\xe9" in result.stderr and "not valid UTF-8" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [bad.name]


@pytest.mark.parametrize("command", ["timeline", "batch"])
@pytest.mark.parametrize("kind", ["FIFO", "character device"])
def test_an_input_that_is_not_a_regular_file_is_refused_in_one_line(tmp_path, command, kind):
    """A FIFO was reported as a truncated video, /dev/zero as an empty one."""
    if kind == "FIFO":
        source = tmp_path / "stream.mp4"
        os.mkfifo(source)
    else:
        source = "/dev/zero"
    out = ["-o", tmp_path / "t.csv"] if command == "timeline" else ["-o", tmp_path / "results"]
    result = run_cli(command, source, *out, "--detector", "haar", "-q", timeout=60)
    assert result.returncode == 2, result.stderr
    assert f"is a {kind}" in result.stderr and "save the stream to a file" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (tmp_path / "t.csv").exists() and not (tmp_path / "results").exists()


@pytest.mark.parametrize("options", [["--detect-every", "1000000000"], ["--classify-every", "0"],
                                     ["--tracker-opt", "max_missed=-1"]],
                         ids=["detect-every 1e9", "classify-every 0", "max_missed -1"])
def test_intervals_out_of_bounds_are_refused_in_one_line(sample_video, tmp_path, options):
    """--detect-every 1000000000 and max_missed=-1 were taken without a word."""
    result = run_cli("timeline", sample_video, "-o", tmp_path / "t.csv", "--detector", "haar", *options, "-q")
    assert result.returncode == 1, result.stderr
    assert "must be" in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("fer-video: error:")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["timeline", "report"])
def test_an_output_under_a_file_is_refused_in_words_not_errno(sample_video, tmp_path, command):
    """-o afile/t.csv said a raw "[Errno 17] File exists: 'afile'"."""
    (tmp_path / "afile").write_text("mine")
    if command == "timeline":
        result = run_cli("timeline", sample_video, "-o", tmp_path / "afile" / "t.csv", "--detector", "haar", "-q")
    else:
        timeline = tmp_path / "t.csv"
        timeline.write_text("frame,time_s,face_id,x,y,w,h,detector_score,emotion,confidence,"
                            "angry,disgust,fear,happy,sad,surprise,neutral\n")
        result = run_cli("report", timeline, "-o", tmp_path / "afile" / "sub" / "r.html")
    assert result.returncode == 2, result.stderr
    assert "afile is a file, not a folder" in result.stderr and "Errno" not in result.stderr
    assert (tmp_path / "afile").read_text() == "mine"
