"""Fault injection (issue 13): a video with zero-size frames in the middle.

AVI files from capture cards and screen recorders hold empty (zero-size) chunks where a frame
was dropped. They are skipped: the run goes on to the end of the video, says how many frames
were empty, and exits 1 like any damaged input, with every output complete.
"""

from __future__ import annotations

import csv
import struct

import cv2
import numpy as np

from fer_video.io.ffmpeg import count_frames
from fer_video.report.timeline_file import read_timeline
from tests.support import partial_files, run_cli

EMPTY = {10, 11, 12, 13, 14, 30}


def _chunk(fourcc: bytes, data: bytes) -> bytes:
    return fourcc + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b"")


def _list(kind: bytes, payload: bytes) -> bytes:
    return b"LIST" + struct.pack("<I", len(payload) + 4) + kind + payload


def mjpeg_avi(frames: list[np.ndarray], fps: int, empty: set[int]) -> bytes:
    """A motion-JPEG AVI whose frames numbered in ``empty`` are zero-size chunks (dropped frames)."""
    height, width = frames[0].shape[:2]
    jpegs = [b"" if i in empty else cv2.imencode(".jpg", frame)[1].tobytes() for i, frame in enumerate(frames)]
    largest = max(map(len, jpegs))
    avih = struct.pack("<14I", 1_000_000 // fps, 0, 0, 0x10, len(frames), 0, 1, largest, width, height, 0, 0, 0, 0)
    strh = b"vidsMJPG" + struct.pack("<IHHIIIIIIiI4h", 0, 0, 0, 0, 1, fps, 0, len(frames), largest, -1, 0,
                                     0, 0, width, height)
    strf = struct.pack("<IiiHH4sIiiII", 40, width, height, 1, 24, b"MJPG", width * height * 3, 0, 0, 0, 0)
    header = _list(b"hdrl", _chunk(b"avih", avih) + _list(b"strl", _chunk(b"strh", strh) + _chunk(b"strf", strf)))
    movie, index, offset = b"", b"", 4
    for jpeg in jpegs:
        chunk = _chunk(b"00dc", jpeg)
        index += b"00dc" + struct.pack("<III", 0x10 if jpeg else 0, offset, len(jpeg))
        movie += chunk
        offset += len(chunk)
    body = b"AVI " + header + _list(b"movi", movie) + _chunk(b"idx1", index)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def test_a_video_with_zero_size_frames_is_analysed_to_its_end(sample_video, tmp_path):
    capture = cv2.VideoCapture(str(sample_video))
    frames = [capture.read()[1] for _ in range(50)]
    video = tmp_path / "dropped.avi"
    video.write_bytes(mjpeg_avi(frames, 25, EMPTY))

    result = run_cli("annotate", video, "-o", tmp_path / "out.mp4", "--csv", tmp_path / "t.csv", "-q")

    assert result.returncode == 1, result.stderr  # a damaged input, as documented
    assert "Traceback" not in result.stderr
    assert f"{video}: {len(EMPTY)} of the 50 frames" in result.stderr and "empty" in result.stderr
    assert "stopped" not in result.stderr  # not reported as truncated: the run reached the end
    assert partial_files(tmp_path) == []
    assert count_frames(tmp_path / "out.mp4") >= 50 - len(EMPTY)
    read_timeline(tmp_path / "t.csv")  # whole rows only
    with open(tmp_path / "t.csv", newline="") as file:
        times = [float(row["time_s"]) for row in csv.DictReader(file)]
    # presentation times carry on past the gaps, up to the video's last frame
    assert abs(max(times) - 49 / 25) < 1e-6
