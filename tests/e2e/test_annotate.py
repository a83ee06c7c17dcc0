"""The main jobs end to end through the CLI, on a real H.264 video with audio and real pictures."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pandas as pd
import pytest

from fer_video.emotions import EMOTIONS
from fer_video.io.ffmpeg import count_frames, probe
from fer_video.io.timeline_rows import BASE_COLUMNS
from tests.support import run_cli


@pytest.fixture(scope="module")
def annotated(sample_video, tmp_path_factory):
    out = tmp_path_factory.mktemp("annotated")
    result = run_cli("annotate", sample_video, "-o", out / "annotated.mp4", "--csv", out / "timeline.csv",
                     "--jsonl", out / "timeline.jsonl", "-q")
    assert result.returncode == 0, result.stderr
    return out, result


def test_annotated_video_keeps_every_frame_the_rate_and_the_audio(annotated, sample_video):
    out, _ = annotated
    original, copy = probe(sample_video), probe(out / "annotated.mp4")
    assert copy.video_codec == "h264"
    assert copy.has_audio and copy.audio_codec == "aac"
    assert copy.fps == original.fps == 30
    assert (copy.width, copy.height) == (640, 360)
    assert count_frames(out / "annotated.mp4") == count_frames(sample_video) == 60
    assert not list(out.glob(".*partial*")), "no partial files may be left behind"


def test_overlay_is_drawn_where_faces_are(annotated, sample_video):
    out, _ = annotated
    timeline = pd.read_csv(out / "timeline.csv")
    row = timeline.iloc[len(timeline) // 2]
    original, copy = cv2.VideoCapture(str(sample_video)), cv2.VideoCapture(str(out / "annotated.mp4"))
    for capture in (original, copy):
        capture.set(cv2.CAP_PROP_POS_FRAMES, int(row.frame))
    _, before = original.read()
    _, after = copy.read()
    x, y, w = int(row.x), int(row.y), int(row.w)
    edge = np.abs(after[y : y + 3, x : x + w].astype(int) - before[y : y + 3, x : x + w].astype(int)).mean()
    assert edge > 20, "the face box should be drawn on the annotated copy"


def test_timeline_csv_is_tidy_and_exact(annotated):
    out, _ = annotated
    timeline = pd.read_csv(out / "timeline.csv")
    assert list(timeline.columns) == [*BASE_COLUMNS, *EMOTIONS, *[f"raw_{e}" for e in EMOTIONS]]
    assert len(timeline) > 30
    np.testing.assert_allclose(timeline[list(EMOTIONS)].sum(axis=1), 1, atol=2e-3)
    np.testing.assert_allclose(timeline[[f"raw_{e}" for e in EMOTIONS]].sum(axis=1), 1, atol=2e-3)
    np.testing.assert_allclose(timeline.time_s, timeline.frame / 30, atol=1e-6)
    assert set(timeline.emotion) <= set(EMOTIONS)
    assert (timeline.emotion == timeline[list(EMOTIONS)].idxmax(axis=1)).all()
    # faces appear only from 12% to 88% of the clip: no rows outside
    assert timeline.frame.min() >= 6 and timeline.frame.max() <= 53
    # one row per face per frame
    assert not timeline.duplicated(["frame", "face_id"]).any()


def test_faces_keep_their_ids_while_they_move(annotated):
    out, _ = annotated
    timeline = pd.read_csv(out / "timeline.csv")
    spans = timeline.groupby("face_id").frame.agg(["min", "max", "count"])
    long_lived = spans[spans["count"] >= 15]
    assert 2 <= len(long_lived) <= 3, spans
    # the astronaut enters first, on the left, and keeps id 0 as she crosses
    first = timeline[timeline.face_id == long_lived.index[0]]
    assert first.x.iloc[-1] > first.x.iloc[0]


def test_jsonl_has_the_same_rows(annotated):
    out, _ = annotated
    rows = [json.loads(line) for line in (out / "timeline.jsonl").read_text().splitlines()]
    timeline = pd.read_csv(out / "timeline.csv")
    assert len(rows) == len(timeline)
    assert rows[0]["frame"] == timeline.frame.iloc[0] and rows[0]["emotion"] == timeline.emotion.iloc[0]


def test_cli_says_which_model_and_weights_it_used(annotated):
    _, result = annotated
    assert "classifier: fernet (" in result.stderr
    assert "60 frames" in result.stderr


def test_sink_opt_reaches_the_annotated_output(annotated, sample_video, tmp_path):
    """x264 presets trade speed for size: the default ultrafast file is the bigger one."""
    small = tmp_path / "small.mp4"
    result = run_cli("annotate", sample_video, "-o", small, "--sink-opt", "video.preset=veryfast",
                     "--sink-opt", "video.crf=30", "--detect-every", "1", "-q")
    assert result.returncode == 0, result.stderr
    assert count_frames(small) == 60
    assert small.stat().st_size < 0.7 * (annotated[0] / "annotated.mp4").stat().st_size


def _x264_settings(path) -> str:
    """The options string x264 writes into the stream it encodes."""
    data = path.read_bytes()
    start = data.index(b"x264 - core")
    return data[start : data.index(b"\x00", start)].decode()


def test_ultrafast_holds_a_constant_quantizer_and_crf_or_qp_may_be_chosen(annotated, sample_video, tmp_path):
    """At ultrafast, a constant quantizer spares x264 the quarter-size analysis crf needs."""
    assert "rc=cqp" in _x264_settings(annotated[0] / "annotated.mp4")
    assert " qp=20" in _x264_settings(annotated[0] / "annotated.mp4")
    for option, expected in (("video.crf=28", "crf=28.0"), ("video.qp=30", " qp=30")):
        out = tmp_path / f"{option}.mp4"
        result = run_cli("annotate", sample_video, "-o", out, "--sink-opt", option, "-q")
        assert result.returncode == 0, result.stderr
        assert expected in _x264_settings(out)
    both = run_cli("annotate", sample_video, "-o", tmp_path / "both.mp4", "--sink-opt", "video.crf=28",
                   "--sink-opt", "video.qp=30", "-q")
    assert both.returncode == 1 and "not both" in both.stderr and "Traceback" not in both.stderr  # an option value
    assert not (tmp_path / "both.mp4").exists()


def test_timeline_writes_only_the_csv(sample_video, tmp_path):
    result = run_cli("timeline", sample_video, "-o", tmp_path / "t.csv", "--detector", "haar",
                     "--smoother", "none", "-q")
    assert result.returncode == 0, result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]
    timeline = pd.read_csv(tmp_path / "t.csv")
    assert "raw_happy" not in timeline.columns  # no smoother, no raw_ columns
    assert len(timeline) > 20


def test_image_in_image_out_and_folder_in_folder_out(picture_files, tmp_path):
    result = run_cli("annotate", picture_files["hopper"], "-o", tmp_path / "hopper.png", "--csv",
                     tmp_path / "hopper.csv")
    assert result.returncode == 0, result.stderr
    assert cv2.imread(str(tmp_path / "hopper.png")).shape == cv2.imread(str(picture_files["hopper"])).shape
    assert len(pd.read_csv(tmp_path / "hopper.csv")) == 1

    folder = picture_files["hopper"].parent
    result = run_cli("annotate", folder, "-o", tmp_path / "annotated", "--csv", tmp_path / "folder.csv")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "annotated").iterdir()) == ["astronaut.jpg", "hopper.jpg"]
    rows = pd.read_csv(tmp_path / "folder.csv")
    assert len(rows) == 2  # every picture detected on its own, never a face carried from the last one
    assert rows.w.iloc[0] != rows.w.iloc[1]


def test_config_file_chooses_the_stages(sample_video, tmp_path):
    config = tmp_path / "pipeline.toml"
    config.write_text(
        '[detector]\nname = "haar"\nmin_neighbors = 5\n\n[smoother]\nname = "vote"\nwindow = 5\n\n'
        f'[[sinks]]\nname = "jsonl"\noutput = "{(tmp_path / "t.jsonl").as_posix()}"\n'
    )
    result = run_cli("timeline", sample_video, "-o", tmp_path / "t.csv", "--config", config, "-q")
    assert result.returncode == 0, result.stderr
    assert "detector: haar" in result.stderr and "smoother: vote" in result.stderr
    assert (tmp_path / "t.jsonl").exists()
    shares = pd.read_csv(tmp_path / "t.csv")[list(EMOTIONS)].to_numpy()
    np.testing.assert_allclose((shares * 60).round(), shares * 60, atol=1e-2)  # vote shares are k/n, n <= 5


def test_demo_builds_annotates_and_summarises(tmp_path):
    result = run_cli("demo", "--out", tmp_path / "demo", "-q")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "demo").iterdir()) == ["annotated.mp4", "sample.mp4", "timeline.csv"]
    sample = probe(tmp_path / "demo" / "sample.mp4")
    assert (sample.width, sample.height, sample.fps) == (1280, 720, 30) and sample.has_audio
    assert count_frames(tmp_path / "demo" / "annotated.mp4") == count_frames(tmp_path / "demo" / "sample.mp4")
    assert "face #0:" in result.stderr and "face #1:" in result.stderr
