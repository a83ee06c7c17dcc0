"""Variable-frame-rate video (phone and screen recordings) keeps its timing (issue 13, item 8)."""

from __future__ import annotations

import csv

import cv2
import numpy as np
import pytest

from fer_video.io.ffmpeg import count_frames, probe
from tests.support import ffmpeg, run_cli

# The sample video at 30 fps for its first second, then at 10 fps: every frame of the first
# second, then every third one, each keeping its own presentation time.
KEPT = [n for n in range(60) if n < 30 or n % 3 == 0]


@pytest.fixture(scope="module")
def vfr_video(sample_video, tmp_path_factory):
    path = tmp_path_factory.mktemp("vfr") / "phone.mp4"
    ffmpeg("-i", sample_video, "-vf", r"select='lt(n\,30)+not(mod(n\,3))'", "-fps_mode", "vfr", "-c:v", "libx264",
           "-preset", "ultrafast", "-c:a", "copy", path)
    assert count_frames(path) == len(KEPT)
    return path


def _frames(path):
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, image = capture.read()
        if not ok:
            break
        frames.append(image.astype(np.int16))
    capture.release()
    return frames


def test_time_s_is_each_frames_presentation_time(vfr_video, tmp_path):
    timeline = tmp_path / "t.csv"
    result = run_cli("timeline", vfr_video, "-o", timeline, "--detector", "haar", "--detect-every", "1", "-q")
    assert result.returncode == 0, result.stderr
    with timeline.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len({row["frame"] for row in rows}) > 20
    for row in rows:
        assert float(row["time_s"]) == pytest.approx(KEPT[int(row["frame"])] / 30, abs=1e-3), row


def test_the_annotated_copy_keeps_pictures_and_sound_together(vfr_video, sample_video, tmp_path):
    output = tmp_path / "out.mp4"
    result = run_cli("annotate", vfr_video, "-o", output, "--detector", "haar", "--sink-opt",
                     "video.annotated=false", "-q")
    assert result.returncode == 0, result.stderr
    assert "variable frame rate" in result.stderr and "30 fps" in result.stderr
    copy = probe(output)
    assert copy.fps == 30 and copy.has_audio
    # As long as the input (2 s), so its audio, kept whole, plays beside the same pictures.
    assert count_frames(output) == 60
    assert copy.duration_s == pytest.approx(2.0, abs=0.05)
    written, original = _frames(output), _frames(sample_video)
    for second in (0.5, 1.1, 1.5):  # what shows at a time is what the input showed then
        slot = round(second * 30)
        shown = max(n for n in KEPT if n <= slot)
        assert np.abs(written[slot] - original[shown]).mean() < 4, second


def test_an_animated_gif_keeps_each_frames_duration(sample_video, tmp_path):
    """A 2-frame 0.2 s GIF became a 0.02 s MP4: OpenCV gives a GIF's 1/100 s time base as its rate."""
    gif = tmp_path / "clip.gif"
    ffmpeg("-ss", "1", "-i", sample_video, "-t", "0.2", "-vf", "fps=10,scale=320:-1", gif)  # 2 frames of 0.1 s
    out = tmp_path / "clip.mp4"
    result = run_cli("annotate", gif, "-o", out, "--detector", "haar", "-q")
    assert result.returncode == 0, result.stderr
    assert probe(out).duration_s == pytest.approx(0.2, abs=0.02)
