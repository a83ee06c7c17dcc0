"""A phone's portrait video is stored sideways with a display matrix: it is analysed and written upright
(issue 13, item 7)."""

from __future__ import annotations

import cv2
import numpy as np
import pandas as pd

from fer_video.io.ffmpeg import H264Writer, probe
from tests.support import ffmpeg, run_cli


def _stored_sideways(sample_video, folder):
    """The sample's frames turned a quarter clockwise, tagged to be shown turned back, as phones record."""
    capture = cv2.VideoCapture(str(sample_video))
    sideways = folder / "sideways.mp4"
    writer = H264Writer(sideways, 360, 640, 30)
    while True:
        ok, image = capture.read()
        if not ok:
            break
        writer.write(cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE))
    writer.close()
    capture.release()
    phone = folder / "phone.mp4"
    ffmpeg("-display_rotation", "90", "-i", sideways, "-c", "copy", phone)
    sideways.unlink()
    return phone


def _first_frame(path):
    capture = cv2.VideoCapture(str(path))
    ok, image = capture.read()
    capture.release()
    assert ok
    return image


def test_a_rotated_phone_video_is_analysed_and_written_upright(sample_video, tmp_path):
    phone = _stored_sideways(sample_video, tmp_path)
    out, csv = tmp_path / "out.mp4", tmp_path / "t.csv"
    result = run_cli("annotate", phone, "-o", out, "--csv", csv, "--detector", "haar", "-q")
    assert result.returncode == 0, result.stderr
    assert "display matrix turns it" in result.stderr and "upright" in result.stderr
    assert (probe(out).width, probe(out).height) == (640, 360)
    upright = _first_frame(sample_video)  # no face yet on frame 0: the annotated copy shows the picture as is
    assert np.abs(_first_frame(out).astype(int) - upright.astype(int)).mean() < 8
    reference = run_cli("timeline", sample_video, "-o", tmp_path / "reference.csv", "--detector", "haar", "-q")
    assert reference.returncode == 0, reference.stderr
    faces, expected = len(pd.read_csv(csv)), len(pd.read_csv(tmp_path / "reference.csv"))
    assert expected > 30 and abs(faces - expected) <= 0.2 * expected
