"""Fault injection on real inputs (issue 13): damaged videos and misbehaving plugin stages.

For each: no traceback and none of FFmpeg's own lines, a message naming the file or the stage,
outputs either complete and valid or absent (never a ``.partial``), and the documented exit code.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from fer_video.io.ffmpeg import count_frames, probe
from fer_video.report.timeline_file import read_timeline
from tests.support import ffmpeg, partial_files, plugin_env, run_cli

FAULTY_PLUGIN = Path(__file__).parents[1] / "faulty_plugin"  # fer_video_faulty, found through its entry point
OUR_LINES = re.compile(r"^(detector: |tracker: |fer-video: |warning: |wrote |\d+ frames, )")


def _annotate(video: Path, folder: Path, *flags: str, plugin: bool = False):
    env = plugin_env(FAULTY_PLUGIN) if plugin else None
    return run_cli("annotate", video, "-o", folder / "out.mp4", "--csv", folder / "t.csv", "-q", *flags, env=env)


def _said_only_our_lines(result) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    strangers = [line for line in result.stderr.splitlines() if not OUR_LINES.match(line)]
    assert not strangers, result.stderr  # e.g. FFmpeg's "[h264 @ 0x...] Invalid NAL unit size"


def _outputs_whole_or_absent(folder: Path) -> dict[str, bool]:
    assert partial_files(folder) == []
    video, timeline = folder / "out.mp4", folder / "t.csv"
    if video.exists():
        assert count_frames(video) > 0 and probe(video).video_codec == "h264"
    if timeline.exists():
        read_timeline(timeline)  # raises on a torn row
    return {"video": video.exists(), "timeline": timeline.exists()}


def _copy(sample_video: Path, folder: Path, name: str, change) -> Path:
    path = folder / name
    data = bytearray(sample_video.read_bytes())
    path.write_bytes(bytes(change(data)))
    return path


def _flip_middle(data: bytearray) -> bytearray:
    middle = len(data) // 2
    for i in range(middle, middle + 2000):
        data[i] ^= 0xFF
    return data


def test_a_video_with_flipped_bytes_in_the_middle(sample_video, tmp_path):
    video = _copy(sample_video, tmp_path, "flipped.mp4", _flip_middle)
    result = _annotate(video, tmp_path, "--detector", "haar")
    _said_only_our_lines(result)
    assert result.returncode == 1 and "warning: " in result.stderr and "flipped.mp4" in result.stderr
    assert _outputs_whole_or_absent(tmp_path) == {"video": True, "timeline": True}


@pytest.mark.parametrize("fraction", [0.04, 0.31, 0.58, 0.87])
def test_a_video_cut_short(sample_video, tmp_path, fraction):
    video = _copy(sample_video, tmp_path, "cut.mp4", lambda data: data[: int(len(data) * fraction)])
    result = _annotate(video, tmp_path, "--detector", "haar")
    _said_only_our_lines(result)
    assert result.returncode == 1 and "cut.mp4" in result.stderr, result.stderr
    produced = _outputs_whole_or_absent(tmp_path)
    if "no frame could be decoded" in result.stderr:
        assert not produced["video"]  # an MP4 without a picture is no copy of the video


def test_a_video_whose_audio_track_is_corrupt(sample_video, tmp_path):
    video = tmp_path / "noisy.mp4"
    ffmpeg("-i", sample_video, "-c", "copy", "-bsf:a", "noise=amount=4", video)
    result = _annotate(video, tmp_path, "--detector", "haar")
    _said_only_our_lines(result)
    assert result.returncode == 1 and "noisy.mp4: its audio track is damaged" in result.stderr, result.stderr
    assert _outputs_whole_or_absent(tmp_path) == {"video": True, "timeline": True}
    copy = probe(tmp_path / "out.mp4")
    assert count_frames(tmp_path / "out.mp4") == 60 and copy.has_audio  # every frame, and the sound kept
    assert copy.duration_s == pytest.approx(2.0, abs=0.05)


def test_a_detector_with_boxes_off_the_frame_empty_negative_and_nan(sample_video, tmp_path):
    result = _annotate(sample_video, tmp_path, "--detector", "wild", plugin=True)
    _said_only_our_lines(result)
    assert result.returncode == 0, result.stderr
    assert "the detector (WildDetector) gave 100 face(s) off the frame" in result.stderr
    assert _outputs_whole_or_absent(tmp_path) == {"video": True, "timeline": True}
    timeline = read_timeline(tmp_path / "t.csv")
    assert timeline.rows == 60 and len(timeline.faces) == 1  # the one real box, on every frame
    assert (timeline.faces[0].boxes[:, 2:] > 0).all()


def test_a_classifier_that_raises_on_the_50th_frame(sample_video, tmp_path):
    result = _annotate(sample_video, tmp_path, "--detector", "wild", "--classifier", "flaky", "--classify-every", "1",
                       plugin=True)  # a classifier call per frame
    _said_only_our_lines(result)
    assert result.returncode == 1
    assert "out of memory in the accelerator; in the classifier flaky" in result.stderr
    assert "on frame 49" in result.stderr and "nothing was written" in result.stderr
    assert _outputs_whole_or_absent(tmp_path) == {"video": False, "timeline": False}


def test_a_sink_whose_disk_is_full(sample_video, tmp_path):
    result = _annotate(sample_video, tmp_path, "--detector", "haar", "--sink", "fulldisk", plugin=True)
    _said_only_our_lines(result)
    assert result.returncode == 1
    assert "full.bin: No space left on device; in the sink FullDiskSink on frame 9" in result.stderr
    assert _outputs_whole_or_absent(tmp_path) == {"video": False, "timeline": False}


def _with_file_size_limit(limit: int, *args: object) -> subprocess.CompletedProcess:
    """Run fer-video where no file may grow past ``limit`` bytes: writes then fail as on a full disk
    (EFBIG from the kernel; ffmpeg, which does not ignore SIGXFSZ, is stopped by it)."""
    import resource

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return run_cli(*args, preexec_fn=limited)


def test_a_disk_that_fills_under_the_timeline(sample_video, tmp_path):
    result = _with_file_size_limit(4096, "timeline", sample_video, "-o", tmp_path / "t.csv", "--detector", "haar",
                                   "-q")
    _said_only_our_lines(result)
    assert result.returncode == 1
    assert f"{tmp_path / 't.csv'}: File too large" in result.stderr
    assert list(tmp_path.iterdir()) == []  # neither the CSV nor its partial file


def test_a_disk_that_fills_under_the_video(sample_video, tmp_path):
    result = _with_file_size_limit(64 * 1024, "annotate", sample_video, "-o", tmp_path / "out.mp4", "--csv",
                                   tmp_path / "t.csv", "--detector", "haar", "-q")
    _said_only_our_lines(result)
    assert result.returncode == 1
    assert f"{tmp_path / 'out.mp4'}" in result.stderr and "file size limit" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_disk_that_fills_under_a_report_or_a_batch_summary_is_named(sample_video, tmp_path):
    """report and batch on a full disk said "File too large" and no path."""
    timeline = tmp_path / "t.csv"
    assert run_cli("timeline", sample_video, "-o", timeline, "--detector", "haar", "-q").returncode == 0
    result = _with_file_size_limit(8192, "report", timeline, "-o", tmp_path / "report.html")
    _said_only_our_lines(result)
    assert result.returncode == 1
    assert f"{tmp_path / 'report.html'}: File too large" in result.stderr
    videos = tmp_path / "videos"
    videos.mkdir()
    (videos / "a.mp4").symlink_to(sample_video)
    result = _with_file_size_limit(64, "batch", videos, "-o", tmp_path / "results", "--detector", "haar", "-q")
    _said_only_our_lines(result)
    assert result.returncode == 1
    assert f"{tmp_path / 'results' / 'summary.csv'}: File too large" in result.stderr
    assert partial_files(tmp_path) == []


def _on_read_only(folder: Path, *args: object) -> subprocess.CompletedProcess:
    """Run fer-video with ``folder`` mounted read-only for it alone (a mount namespace of its own)."""
    import shutil

    from tests.support import FER_VIDEO, cli_env

    probe_run = subprocess.run(["unshare", "-m", "true"], capture_output=True) if shutil.which("unshare") else None
    if probe_run is None or probe_run.returncode != 0:
        pytest.skip("a read-only mount needs unshare -m and CAP_SYS_ADMIN (CI runs as root)")
    script = 'mount -o bind,ro "$0" "$0" && exec "$@"'
    return subprocess.run(["unshare", "-m", "sh", "-c", script, str(folder), str(FER_VIDEO), *map(str, args)],
                          capture_output=True, text=True, env=cli_env(), timeout=300)


def test_a_read_only_output_folder_is_named_once_without_a_stray_errno(sample_video, tmp_path):
    """annotate -o ro/o.mp4 --csv ro/t.csv named the CSV's partial file, then added "and while discarding
    the other outputs: [Errno 30] Read-only file system" for a partial MP4 that was never made."""
    folder = tmp_path / "ro"
    folder.mkdir()
    result = _on_read_only(folder, "annotate", sample_video, "-o", folder / "o.mp4", "--csv", folder / "t.csv",
                           "--detector", "haar", "-q")
    _said_only_our_lines(result)
    assert result.returncode == 1
    assert f"fer-video: error: {folder / 't.csv'}: Read-only file system\n" in result.stderr
    assert "Errno" not in result.stderr and "partial" not in result.stderr
