"""The analysed video beside its timeline: is it the same video, and the pictures the page shows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from fer_video.report.timeline_file import Timeline
from fer_video.runtime.quiet import native_logs_hidden

FPS_TOLERANCE = 0.01
"""Relative difference between the timeline's and the video's frame rates still taken as equal."""
THUMBNAIL_SIDE = 128
STILL_WIDTH = 320


@dataclass(frozen=True)
class VideoFacts:
    path: Path
    fps: float
    frame_count: int
    width: int
    height: int

    @property
    def duration_s(self) -> float:
        return self.frame_count / self.fps


def probe_video(path: Path | str) -> VideoFacts:
    """Frame rate, frame count and size from the container, without decoding."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"video {path} does not exist")
    with native_logs_hidden():  # OpenCV warns on fd 2 about a file it cannot open; the error below says it
        capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
        opened = capture.isOpened()
        width, height = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        capture.release()
    if not opened or not width or not 0 < fps < 1000 or count <= 0:
        raise ValueError(f"--video {path} is not a video fer-video can read (no frame rate or frame count)")
    return VideoFacts(path, fps, count, width, height)


def check_matches(timeline: Timeline, video: VideoFacts) -> None:
    """Refuse a video that cannot be the one the timeline was made from: other frame rate, too few frames."""
    pictures = any(face.picture is not None for face in timeline.faces)
    if timeline.fps is None and timeline.rows and (pictures or timeline.last_frame > 0):  # not a one-frame video
        raise ValueError(f"{timeline.path} has no time axis (a timeline of pictures); --video does not apply")
    if timeline.fps is not None and abs(timeline.fps - video.fps) > FPS_TOLERANCE * video.fps:
        raise ValueError(f"--video {video.path.name} plays at {video.fps:.3f} fps but {timeline.path.name} was "
                         f"made at {timeline.fps:.3f} fps: not the video this timeline comes from")
    if timeline.last_frame >= video.frame_count:
        raise ValueError(f"{timeline.path.name} has faces up to frame {timeline.last_frame} but --video "
                         f"{video.path.name} has only {video.frame_count} frames: not the video this timeline "
                         "comes from")


def read_frames(path: Path, wanted: set[int]) -> dict[int, np.ndarray]:
    """The frames at these indices: decoded on from the previous one when near, else seeked to."""
    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    frames: dict[int, np.ndarray] = {}
    position = 0
    try:
        for index in sorted(wanted):
            if index < position or index - position > 90:
                capture.set(cv2.CAP_PROP_POS_FRAMES, index)
                position = index
            while position < index and capture.grab():
                position += 1
            ok, image = capture.read()
            if not ok:
                raise ValueError(f"--video {path.name}: frame {index} cannot be decoded (damaged or truncated file)")
            position += 1
            frames[index] = image
    finally:
        capture.release()
    return frames


def thumbnail(image: np.ndarray, box: np.ndarray) -> bytes:
    """A square JPEG of the face with some room around it."""
    x, y, w, h = (int(v) for v in box)
    side = int(max(w, h) * 1.3)
    cx, cy = x + w // 2, y + h // 2
    left, top = max(0, cx - side // 2), max(0, cy - side // 2)
    crop = image[top : top + side, left : left + side]
    if crop.size == 0:
        crop = image
    crop = cv2.resize(crop, (THUMBNAIL_SIDE, THUMBNAIL_SIDE), interpolation=cv2.INTER_AREA)
    return _jpeg(crop)


def still(image: np.ndarray, box: np.ndarray, colour: str) -> bytes:
    """The whole frame, small, with the face boxed in its colour so it is found at a glance."""
    scale = STILL_WIDTH / image.shape[1]
    small = cv2.resize(image, (STILL_WIDTH, max(1, round(image.shape[0] * scale))), interpolation=cv2.INTER_AREA)
    x, y, w, h = (int(round(v * scale)) for v in box)
    bgr = tuple(int(colour[i : i + 2], 16) for i in (5, 3, 1))
    cv2.rectangle(small, (x, y), (x + w, y + h), bgr, 2)
    return _jpeg(small)


def _jpeg(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
    if not ok:
        raise RuntimeError("OpenCV could not encode a JPEG")
    return data.tobytes()
