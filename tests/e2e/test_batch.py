"""``fer-video batch``: a folder with a damaged video among good ones, resumed, interrupted, on Ray."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest

from fer_video.emotions import EMOTIONS
from fer_video.io.ffmpeg import count_frames
from tests.support import partial_files, run_cli, start_cli


def _listing(folder) -> list[tuple[str, int, int]]:
    return sorted((str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*"))


@pytest.fixture(scope="module")
def videos(tmp_path_factory, sample_video):
    """Two good 2-second videos (one in a subfolder), a truncated one, and a file that is no video at all."""
    folder = tmp_path_factory.mktemp("batch") / "videos"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(sample_video, folder / "a.mp4")
    shutil.copy(sample_video, folder / "sub" / "b.mp4")
    (folder / "broken.mp4").write_bytes(sample_video.read_bytes()[:20_000])
    (folder / "notes.txt").write_text("not a video, not searched for")
    return folder


@pytest.fixture(scope="module")
def reference_csv(tmp_path_factory, sample_video) -> bytes:
    """``fer-video timeline`` on the sample video alone."""
    out = tmp_path_factory.mktemp("alone") / "t.csv"
    result = run_cli("timeline", sample_video, "-o", out, "-q")
    assert result.returncode == 0, result.stderr
    return out.read_bytes()


@pytest.fixture(scope="module")
def first_batch(videos, tmp_path_factory):
    out = tmp_path_factory.mktemp("results") / "out"
    before = _listing(videos)
    result = run_cli("batch", videos, "-o", out, "--workers", "2")
    assert _listing(videos) == before  # nothing written into the input folder
    return out, result


def test_batch_summarises_every_video_and_goes_on_past_a_damaged_one(first_batch, videos, reference_csv):
    out, result = first_batch
    assert result.returncode == 1, result.stderr  # a video failed
    assert "Traceback" not in result.stderr
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.path) == [str(videos / "a.mp4"), str(videos / "broken.mp4"), str(videos / "sub" / "b.mp4")]
    assert list(summary.status) == ["done", "failed", "done"]
    broken = summary[summary.status == "failed"].iloc[0]
    assert "broken.mp4" in broken.error and "truncated or damaged" in broken.error
    assert f"failed: {videos / 'broken.mp4'}" in result.stderr
    done = summary[summary.status == "done"]
    assert list(done.timeline) == ["a.csv", "sub/b.csv"]
    assert (done.frames == 60).all() and (done.fps == 30).all() and (done.duration_s == 2).all()
    assert (done.faces >= 2).all() and (done.frames_per_s > 0).all()
    shares = done[[f"share_{name}" for name in EMOTIONS]]
    assert ((shares.sum(axis=1) - 1).abs() < 1e-3).all()
    assert set(done.dominant_emotion) <= set(EMOTIONS)
    # the outputs mirror the inputs, and each timeline is the very bytes `timeline` writes for the video alone
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) == [
        "a.csv", "sub/b.csv", "summary.csv"]
    assert (out / "a.csv").read_bytes() == reference_csv
    assert (out / "sub" / "b.csv").read_bytes() == reference_csv
    assert partial_files(out) == []


def test_a_resumed_batch_skips_the_finished_videos_and_redoes_the_rest(first_batch, videos, reference_csv, tmp_path):
    out = tmp_path / "out"  # a copy (times kept): the first batch's own outputs stay as other tests read them
    shutil.copytree(first_batch[0], out)
    kept = (out / "a.csv").stat().st_mtime_ns
    result = run_cli("batch", videos, "-o", out, "--workers", "2")
    assert result.returncode == 1, result.stderr
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.status) == ["skipped", "failed", "skipped"]
    assert (out / "a.csv").stat().st_mtime_ns == kept
    skipped = summary[summary.status == "skipped"]
    assert (skipped.frames == 60).all() and skipped.processing_s.isna().all()
    # a video changed after its outputs were made is done again
    os.utime(videos / "a.mp4")
    result = run_cli("batch", videos, "-o", out, "--workers", "1")
    assert list(pd.read_csv(out / "summary.csv").status) == ["done", "failed", "skipped"], result.stderr
    assert (out / "a.csv").read_bytes() == reference_csv


def test_annotated_copies_other_formats_and_report_pages(videos, tmp_path):
    out = tmp_path / "out"
    result = run_cli("batch", videos / "sub", videos / "a.mp4", "-o", out, "--annotate", "--format", "jsonl",
                     "--report", "--workers", "1", "-q")
    assert result.returncode == 0, result.stderr
    for name in ("a", "sub/b"):
        assert count_frames(out / f"{name}.mp4") == 60
        assert len(pd.read_json(out / f"{name}.jsonl", lines=True)) == len(pd.read_csv(out / f"{name}.csv"))
        assert "<h1>fer-video <span>report</span>" in (out / f"{name}.html").read_text()
    index = (out / "index.html").read_text()
    assert 'href="a.html"' in index and 'href="sub/b.html"' in index and "summary.csv" in index
    assert partial_files(out) == []


def test_ctrl_c_midway_leaves_the_finished_videos_whole(sample_video, reference_csv, tmp_path):
    videos = tmp_path / "videos"
    videos.mkdir()
    for number in range(5):
        shutil.copy(sample_video, videos / f"v{number}.mp4")
    out = tmp_path / "out"
    process = start_cli("batch", videos, "-o", out, "--workers", "1", "-q")
    deadline = time.time() + 180
    while time.time() < deadline and process.poll() is None:
        summary = out / "summary.csv"
        if summary.exists() and ",done," in summary.read_text():
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    summary = pd.read_csv(out / "summary.csv")
    assert 1 <= len(summary) < 5 and set(summary.status) == {"done"}
    timelines = sorted(p.name for p in out.glob("*.csv") if p.name != "summary.csv")
    assert len(timelines) >= len(summary)  # a video may finish between the last summary and the stop
    for name in timelines:
        assert (out / name).read_bytes() == reference_csv  # whole, never cut at the interruption
    assert partial_files(out) == []
    result = run_cli("batch", videos, "-o", out, "--workers", "1", "-q")
    assert result.returncode == 0, result.stderr
    statuses = pd.read_csv(out / "summary.csv").status
    assert (statuses == "skipped").sum() == len(timelines) and (statuses == "done").sum() == 5 - len(timelines)


def _workers_of(pid: int) -> list[int]:
    """The batch's worker processes (children started by multiprocessing's spawn)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                command = (entry / "cmdline").read_bytes()
            except (OSError, IndexError, ValueError):
                continue
            if parent == pid and b"spawn_main" in command:
                found.append(int(entry.name))
    return found


def test_a_worker_that_dies_fails_its_video_only(sample_video, reference_csv, tmp_path):
    from fer_video.io.sample_video import make_sample_video

    videos = tmp_path / "videos"
    videos.mkdir()
    make_sample_video(videos / "a.mp4", width=320, height=180, seconds=30.0)  # long: killed while on it
    for name in ("b", "c"):
        shutil.copy(sample_video, videos / f"{name}.mp4")
    out = tmp_path / "out"
    process = start_cli("batch", videos, "-o", out, "--workers", "1", "-q", stdout=None)
    deadline = time.time() + 120
    workers: list[int] = []

    def writing_a() -> bool:  # a's outputs are being written (the summary's own partial file does not count)
        return out.exists() and any(name.lstrip(".").startswith("a.") for name in partial_files(out))

    while time.time() < deadline and not (workers and writing_a()):
        workers = _workers_of(process.pid)
        time.sleep(0.02)
    assert workers and writing_a(), "the worker never started on a.mp4"
    os.kill(workers[0], signal.SIGKILL)  # as a decoder crashing on a damaged file would end it
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 1, stderr
    summary = pd.read_csv(out / "summary.csv").set_index("path")
    assert list(summary.status) == ["failed", "done", "done"], stderr
    assert "worker analysing it died (killed by SIGKILL)" in summary.error.iloc[0]
    assert not (out / "a.csv").exists()
    assert (out / "b.csv").read_bytes() == reference_csv  # a new worker took b and c
    assert (out / "c.csv").read_bytes() == reference_csv
    assert partial_files(out) == []


def test_without_ray_the_ray_engine_says_how_to_get_it(videos, tmp_path):
    shadow = tmp_path / "shadow" / "ray"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError(\"No module named 'ray'\")\n")  # as if not installed
    result = run_cli("batch", videos, "-o", tmp_path / "out", "--engine", "ray",
                     env={"PYTHONPATH": str(shadow.parent)})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "fer-video: error: --engine ray needs Ray, an optional extra: pip install 'fer-video[ray]'"]
    assert not (tmp_path / "out").exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def ray_cluster():
    """A real Ray head on this machine, as a user starts one by hand (docs/batch.md), with a token of its own;
    stopped, with every process it started, at the end."""
    pytest.importorskip("ray", reason="Ray is an optional extra (pip install 'fer-video[ray]'); CI installs it")
    ray_cli = os.path.join(os.path.dirname(sys.executable), "ray")
    scratch = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # Ray's socket paths must stay short
    port = _free_port()
    env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(16),
           "RAY_USAGE_STATS_ENABLED": "0"}
    head = subprocess.Popen(
        [ray_cli, "start", "--head", "--block", "--node-ip-address=127.0.0.1", f"--port={port}", "--num-cpus=2",
         "--include-dashboard=false", f"--ray-client-server-port={_free_port()}",
         f"--dashboard-agent-listen-port={_free_port()}", "--object-store-memory=100000000",
         f"--temp-dir={scratch}", "--disable-usage-stats"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    said = ""
    deadline = time.time() + 180
    while time.time() < deadline and "--block" not in said and head.poll() is None:
        said += head.stdout.readline()
    assert "--block" in said, said
    try:
        yield {"address": f"127.0.0.1:{port}", "env": {key: env[key] for key in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN")}}
    finally:
        head.terminate()  # `ray start --block` stops the processes it started when terminated
        try:
            head.wait(timeout=90)
        except subprocess.TimeoutExpired:
            head.kill()
            head.wait()
        shutil.rmtree(scratch, ignore_errors=True)


def test_the_ray_engine_gives_the_local_engines_outputs_and_resumes_alike(ray_cluster, first_batch, videos,
                                                                          reference_csv, tmp_path):
    local_out, _ = first_batch
    out = tmp_path / "out"
    result = run_cli("batch", videos, "-o", out, "--engine", "ray", "--address", ray_cluster["address"], "-q",
                     env=ray_cluster["env"])
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert f"on the Ray cluster at {ray_cluster['address']}: 1 node, 2 CPUs" in result.stderr.splitlines()
    timing = ["processing_s", "frames_per_s"]
    ray_summary = pd.read_csv(out / "summary.csv").drop(columns=timing)
    local_summary = pd.read_csv(local_out / "summary.csv").drop(columns=timing)
    local_summary["status"] = local_summary.status.replace("skipped", "done")  # the resume test may have run
    pd.testing.assert_frame_equal(ray_summary, local_summary)
    for name in ("a.csv", "sub/b.csv"):
        assert (out / name).read_bytes() == reference_csv
    assert partial_files(out) == []
    again = run_cli("batch", videos, "-o", out, "--engine", "ray", "--address", ray_cluster["address"], "-q",
                    env=ray_cluster["env"])
    assert again.returncode == 1, again.stderr
    assert list(pd.read_csv(out / "summary.csv").status) == ["skipped", "failed", "skipped"]
    # with storage every node sees, the tasks read the videos and write the outputs themselves
    shared = tmp_path / "shared"
    result = run_cli("batch", videos, "-o", shared, "--engine", "ray", "--address", ray_cluster["address"],
                     "--shared-storage", "-q", env=ray_cluster["env"])
    assert result.returncode == 1, result.stderr
    pd.testing.assert_frame_equal(pd.read_csv(shared / "summary.csv").drop(columns=timing), ray_summary)
    assert (shared / "sub" / "b.csv").read_bytes() == reference_csv and partial_files(shared) == []
    # stages that cannot load stop the batch with one line, as the local engine does
    broken = run_cli("batch", videos, "-o", tmp_path / "broken", "--engine", "ray", "--address",
                     ray_cluster["address"], "--detector-opt", "min_confidence=5", "-q", env=ray_cluster["env"])
    assert broken.returncode == 1 and broken.stderr.strip().splitlines()[-1].startswith(
        "fer-video: error: the pipeline cannot start: detector 'mediapipe': min_confidence"), broken.stderr


def test_a_ray_cluster_that_refuses_is_one_line_naming_the_given_address_and_leaves_nothing(ray_cluster, videos,
                                                                                              tmp_path):
    """Without the cluster's token Ray retried for 20 s, a C++ warning a second, then named the head's
    resolved address and left an empty summary.csv (issue 26)."""
    address = ray_cluster["address"]
    wrong = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": "0" * 32}
    cases = [
        (["--address", address], {"RAY_AUTH_MODE": "", "RAY_AUTH_TOKEN": ""}, f"at {address} asks for a token"),
        (["--address", address], wrong, f"at {address} refused the token in RAY_AUTH_TOKEN"),
        ([], {**wrong, "RAY_ADDRESS": address}, f"at {address} (from RAY_ADDRESS) refused the token"),
    ]
    for flags, env, words in cases:
        out = tmp_path / "out"
        result = run_cli("batch", videos, "-o", out, "--engine", "ray", *flags, "-q", env=env, timeout=120)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 1 and len(lines) == 1, result.stderr
        assert lines[0].startswith("fer-video: error: the Ray cluster") and words in lines[0], lines
        assert "RAY_AUTH_TOKEN" in lines[0] and not out.exists()


def test_no_ray_cluster_at_the_address_is_one_line_and_leaves_nothing(videos, tmp_path):
    pytest.importorskip("ray", reason="Ray is an optional extra (pip install 'fer-video[ray]'); CI installs it")
    address = f"127.0.0.1:{_free_port()}"  # nothing listens there
    out = tmp_path / "out"
    result = run_cli("batch", videos, "-o", out, "--engine", "ray", "--address", address, env={"RAY_ADDRESS": ""},
                     timeout=120)
    assert result.returncode == 1 and result.stderr.strip().splitlines() == [
        f"fer-video: error: no Ray cluster at {address}: nothing answers there (is the head running? "
        "`ray start --head` starts one; see docs/batch.md)"], result.stderr
    assert not out.exists()


def test_usage_mistakes_are_one_line_and_exit_2(videos, tmp_path):
    cases = [
        (["-o", videos / "out"], "inside the input folder"),
        (["-o", videos.parent], "a folder holding the input folder"),
        (["-o", tmp_path / "out", "--workers", "0"], "--workers must be 1 or more"),
        (["-o", tmp_path / "out", "--jsonl", "t.jsonl"], "--format jsonl"),
    ]
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "mine.txt").write_text("someone's file")
    cases.append((["-o", taken], "no summary.csv"))
    for extra, words in cases:
        result = run_cli("batch", videos, *extra)
        assert result.returncode == 2, (extra, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0] and lines[0].startswith("fer-video: error:"), lines
    broken = run_cli("batch", videos, "-o", tmp_path / "out", "--detector-opt", "min_confidence=5", "-q")
    assert broken.returncode == 1 and broken.stderr.strip().splitlines()[-1] == (
        "fer-video: error: the pipeline cannot start: detector 'mediapipe': min_confidence must be from 0 to 1 "
        "(a detection's score), not 5"), broken.stderr
    shutil.rmtree(tmp_path / "out")
    missing = run_cli("batch", tmp_path / "nowhere", "-o", tmp_path / "out")
    assert missing.returncode == 1 and "does not exist" in missing.stderr
    assert not (videos / "out").exists() and not (tmp_path / "out").exists()
