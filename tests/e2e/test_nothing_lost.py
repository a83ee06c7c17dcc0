"""Nothing lost, nothing overwritten: devices stay devices, inputs stay untouched, a failed run
publishes nothing, a terminated one finishes its outputs, and concurrent runs never share a file."""

from __future__ import annotations

import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time

import pandas as pd
import pytest

from fer_video.io.ffmpeg import count_frames, probe
from tests.support import installed_plugin, partial_files, plugin_env, run_cli, start_cli, stop_midway

# --- devices, FIFOs and the input folder are never replaced or written over -----------------------


@pytest.fixture
def null_device(tmp_path):
    """A null character device of the test's own (never the machine's /dev/null, should a bug replace it)."""
    def make(name: str):
        path = tmp_path / name
        try:
            os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        except PermissionError:
            pytest.skip("creating a device node needs root (CI runs as root)")
        return path
    return make


def test_a_device_output_is_written_into_never_replaced(sample_video, null_device, tmp_path):
    null_csv, null_video = null_device("null"), null_device("null-video")
    result = run_cli("annotate", sample_video, "-o", null_video, "--csv", null_csv, "--force",
                     "--detector", "haar", "-q")
    assert result.returncode == 0, result.stderr
    assert stat.S_ISCHR(null_csv.stat().st_mode) and stat.S_ISCHR(null_video.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null", "null-video"]


def test_a_fifo_output_gets_the_csv_and_stays_a_fifo(sample_video, tmp_path):
    fifo = tmp_path / "timeline.pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    received = b""
    try:
        process = start_cli("timeline", sample_video, "-o", fifo, "--force", "--detector", "haar", "-q", stdout=None)
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            try:
                chunk = os.read(reader, 1 << 16)
            except BlockingIOError:
                chunk = None
            if chunk:
                received += chunk
            elif process.poll() is not None:
                break
            else:
                time.sleep(0.02)
        _, errors = process.communicate(timeout=30)
    finally:
        os.close(reader)
    assert process.returncode == 0, errors
    assert stat.S_ISFIFO(fifo.stat().st_mode), "the FIFO was replaced by a regular file"
    assert received.startswith(b"frame,time_s,face_id") and received.count(b"\n") > 10
    assert sorted(p.name for p in tmp_path.iterdir()) == ["timeline.pipe"]


@pytest.mark.parametrize("output", ["photos", "photos/annotated", "."])
def test_an_output_folder_in_at_or_around_the_input_folder_is_refused(picture_files, tmp_path, output):
    photos = tmp_path / "photos"
    photos.mkdir()
    for path in picture_files.values():
        shutil.copy(path, photos / path.name)
    before = {p.name: p.read_bytes() for p in photos.iterdir()}
    result = run_cli("annotate", photos, "-o", tmp_path / output, "--force", "--detector", "haar")
    assert result.returncode == 2, result.stderr
    assert "input folder" in result.stderr and "Traceback" not in result.stderr
    assert {p.name: p.read_bytes() for p in photos.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photos"]


def test_demo_run_again_keeps_the_users_files(tmp_path):
    demo = tmp_path / "demo"
    demo.mkdir()
    edited = demo / "timeline.csv"
    edited.write_text("my notes on the demo\n")
    result = run_cli("demo", "--out", demo, "--detector", "haar")
    assert result.returncode == 2, result.stderr
    assert "already exists; pass --force" in result.stderr
    assert edited.read_text() == "my notes on the demo\n"
    assert sorted(p.name for p in demo.iterdir()) == ["timeline.csv"]


# --- concurrent runs, stale partial files ---------------------------------------------------------------


@pytest.mark.parametrize("force", [False, True], ids=["the first wins", "--force: the last wins"])
def test_two_runs_writing_one_output_at_once_each_publish_a_whole_file(sample_video, tmp_path, force):
    out = tmp_path / "out.mp4"
    flags = ["--force"] if force else []
    runs = [start_cli("annotate", sample_video, "-o", out, "--detector", "haar", "-q", *flags, stdout=None)
            for _ in range(2)]
    results = [(run.wait(timeout=300), run.stderr.read()) for run in runs]
    assert sorted(code for code, _ in results) == ([0, 0] if force else [0, 2]), results
    assert count_frames(out) == 60 and probe(out).video_codec == "h264"
    assert partial_files(tmp_path) == []


def test_an_output_that_appears_during_the_run_is_kept_without_force(ten_second_video, tmp_path):
    """A second run with another input and the same -o replaced what the first had published, without --force."""
    out = tmp_path / "t.csv"
    process = start_cli("timeline", ten_second_video, "-o", out, "--detector", "haar")
    progress = ""
    while process.poll() is None and not re.search(r"\b[1-9]\d*/300", progress):
        progress += process.stderr.read(1) or ""
    out.write_text("another run's timeline\n")  # after the run's start check, before its end
    _, errors = process.communicate(timeout=300)
    assert process.returncode == 2, progress + errors
    assert "appeared while this run was writing it" in errors and "--force" in errors
    assert "Errno" not in errors and "Traceback" not in errors
    assert out.read_text() == "another run's timeline\n"
    assert partial_files(tmp_path) == []


def test_the_next_run_removes_what_a_killed_run_left(sample_video, tmp_path):
    out = tmp_path / "t.csv"
    make_partial = ("import sys; from pathlib import Path; from fer_video.io.atomic import partial_path; "
                    "p = partial_path(Path(sys.argv[1])); p.write_text('half a timeline'); print(p)")
    killed = subprocess.run([sys.executable, "-c", make_partial, str(out)], capture_output=True, text=True, check=True)
    stale = tmp_path / os.path.basename(killed.stdout.strip())
    assert stale.exists() and stale.name in partial_files(tmp_path)
    from fer_video.io.atomic import partial_path

    alive = partial_path(out)  # this test's own process is alive: its file is not stale
    alive.write_text("in progress")
    result = run_cli("timeline", sample_video, "-o", out, "--detector", "haar", "-q")
    assert result.returncode == 0, result.stderr
    assert not stale.exists()
    assert alive.exists()
    assert pd.read_csv(out).frame.max() > 30


# --- a failed run publishes nothing; a terminated one finishes its outputs ------------------------------


FLAKY_DETECTOR = """\
from fer_video import StageFactory, hookimpl
from fer_video.builtins.haar import HaarDetector


class Flaky(HaarDetector):
    calls = 0

    def detect(self, image):
        self.calls += 1
        if self.calls == 10:
            return 1 / 0
        return super().detect(image)


@hookimpl
def fer_video_detectors():
    return [StageFactory('flaky', Flaky, 'fails on its 10th frame')]
"""


@pytest.fixture
def flaky_detector(tmp_path):
    """A detector plugin, installed as a distribution, that fails on its 10th frame with an unexpected error."""
    return installed_plugin(tmp_path / "site", entry_point="flaky", module="flaky_detector", source=FLAKY_DETECTOR,
                            distribution="flaky-detector")


def test_a_stage_failing_mid_run_publishes_nothing_and_says_so(flaky_detector, sample_video, tmp_path):
    out, csv = tmp_path / "out" / "out.mp4", tmp_path / "out" / "t.csv"
    result = run_cli("annotate", sample_video, "-o", out, "--csv", csv, "--detector", "flaky",
                     "--detect-every", "1", "-q", env=plugin_env(flaky_detector))
    assert result.returncode == 1, result.stderr
    assert "ZeroDivisionError" in result.stderr and "discards its outputs" in result.stderr
    assert "Traceback" not in result.stderr
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize("options", [["--margin", "-5"], ["--detector", "haar", "--detector-opt", "scale_factor=1.0"]],
                         ids=["negative margin", "haar scale_factor 1"])
def test_options_that_would_crash_mid_run_are_refused_before_it(sample_video, tmp_path, options):
    result = run_cli("annotate", sample_video, "-o", tmp_path / "out.mp4", "--csv", tmp_path / "t.csv",
                     "--detector", "haar", *options, "-q")
    assert result.returncode == 1, result.stderr
    assert re.search(r"(margin|scale_factor) must be", result.stderr), result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) <= 3
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def ten_second_video(tmp_path_factory):
    from fer_video.io.sample_video import make_sample_video

    return make_sample_video(tmp_path_factory.mktemp("long") / "long.mp4", width=640, height=360, seconds=10)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_termination_signal_finishes_the_outputs_like_ctrl_c(ten_second_video, tmp_path, signum):
    out, csv = tmp_path / "out.mp4", tmp_path / "t.csv"
    process = start_cli("annotate", ten_second_video, "-o", out, "--csv", csv, "--detector", "haar")
    stderr = stop_midway(process, total=300, at=100, signum=signum)  # faces are on screen from frame 36
    assert process.returncode == 128 + signum, stderr
    assert "interrupted" in stderr
    frames = count_frames(out)
    assert 100 <= frames < 300 and probe(out).video_codec == "h264"
    assert 0 <= pd.read_csv(csv).frame.max() < frames
    assert partial_files(tmp_path) == []


def test_evaluate_keeps_an_existing_png_without_force(tmp_path):
    import numpy as np

    faces = np.random.default_rng(0).integers(0, 256, (14, 48, 48), np.uint8)
    np.savez(tmp_path / "faces.npz", x_val=faces, y_val=np.arange(14) % 7)
    png = tmp_path / "confusion.png"
    png.write_bytes(b"my own figure")
    command = ["evaluate", "--model", "fernet", "--data", tmp_path / "faces.npz", "--split", "val", "--png", png]
    result = run_cli(*command)
    assert result.returncode == 2, result.stderr
    assert "already exists; pass --force" in result.stderr and png.read_bytes() == b"my own figure"
    result = run_cli(*command, "--force")
    assert result.returncode == 0, result.stderr
    assert png.read_bytes().startswith(b"\x89PNG")


def test_a_killed_folder_annotate_leaves_no_half_folder_and_the_next_run_makes_it_whole(picture_files, tmp_path):
    """kill -9 left out/ with 316 of 500 pictures, under the final name, as if complete."""
    photos, out = tmp_path / "photos", tmp_path / "out"
    photos.mkdir()
    for number in range(40):
        shutil.copy(picture_files["astronaut" if number % 2 else "hopper"], photos / f"{number:03}.jpg")
    process = start_cli("annotate", photos, "-o", out, "--detector", "haar")
    progress = ""
    while process.poll() is None and not re.search(r"\b(?:[5-9]|[1-3]\d)/40", progress):
        progress += process.stderr.read(1) or ""
    process.kill()
    process.communicate(timeout=60)
    assert not out.exists(), progress
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")]  # the half folder, hidden
    result = run_cli("annotate", photos, "-o", out, "--detector", "haar", "-q")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in photos.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "photos"]
