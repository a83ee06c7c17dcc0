"""Sample videos made from real face pictures that ship inside fer-video and matplotlib.

No download: the astronaut Eileen Collins (``pictures/astronaut.png``, the crop of
scikit-image's ``astronaut()`` that earlier versions took from there) and matplotlib's
``grace_hopper.jpg``. Faces move, grow and shrink; the first and last stretches have no
face; a tone plays on the audio track so audio handling can be checked.
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np

from fer_video.io.ffmpeg import H264Writer


def face_pictures() -> list[np.ndarray]:
    """Two BGR head-and-shoulders crops: the astronaut and Grace Hopper."""
    from importlib import resources

    from matplotlib import cbook

    astronaut = cv2.imdecode(np.frombuffer(resources.files(__package__).joinpath("pictures", "astronaut.png")
                                           .read_bytes(), np.uint8), cv2.IMREAD_COLOR)
    with cbook.get_sample_data("grace_hopper.jpg") as handle:
        hopper_rgb = cv2.imdecode(np.frombuffer(handle.read(), np.uint8), cv2.IMREAD_COLOR)
    hopper = hopper_rgb[16:416, 66:466]
    return [np.ascontiguousarray(astronaut), np.ascontiguousarray(hopper)]


def _background(width: int, height: int) -> np.ndarray:
    ramp = np.linspace(40, 110, width, dtype=np.float32)
    shade = np.linspace(0.8, 1.1, height, dtype=np.float32)[:, None]
    gray = (ramp[None, :] * shade).clip(0, 255).astype(np.uint8)
    return cv2.merge([gray, (gray * 0.9).astype(np.uint8), (gray * 0.8).astype(np.uint8)])


def _paste(canvas: np.ndarray, picture: np.ndarray, cx: float, cy: float, side: int) -> None:
    tile = cv2.resize(picture, (side, side), interpolation=cv2.INTER_AREA)
    height, width = canvas.shape[:2]
    x0, y0 = int(cx - side / 2), int(cy - side / 2)
    left, top = max(0, x0), max(0, y0)
    right, bottom = min(width, x0 + side), min(height, y0 + side)
    if right > left and bottom > top:
        canvas[top:bottom, left:right] = tile[top - y0 : bottom - y0, left - x0 : right - x0]


def render_frame(t: float, width: int, height: int, pictures: list[np.ndarray],
                 background: np.ndarray) -> np.ndarray:
    """The frame at fraction ``t`` (0..1) of the clip: up to three faces on a gradient."""
    canvas = background.copy()
    astronaut, hopper = pictures
    unit = height / 720
    if 0.12 <= t < 0.88:  # astronaut crosses left to right, growing
        u = (t - 0.12) / 0.76
        _paste(canvas, astronaut, width * (0.15 + 0.5 * u), height * 0.45, int(unit * (240 + 120 * u)))
    if 0.25 <= t < 0.8:  # Grace Hopper moves right to left, breathing in size
        u = (t - 0.25) / 0.55
        side = int(unit * (300 + 60 * math.sin(u * 2 * math.pi)))
        _paste(canvas, hopper, width * (0.82 - 0.12 * u), height * (0.5 + 0.1 * math.sin(u * math.pi)), side)
    if 0.45 <= t < 0.7:  # a smaller mirrored astronaut bobs at the bottom left
        u = (t - 0.45) / 0.25
        _paste(canvas, astronaut[:, ::-1], width * 0.2, height * (0.78 - 0.05 * math.sin(u * 4 * math.pi)),
               int(unit * 190))
    return canvas


def make_sample_video(path: Path | str, *, width: int = 1280, height: int = 720, fps: float = 30.0,
                      seconds: float = 6.0, audio: bool = True) -> Path:
    """Write the sample clip to ``path`` (H.264 MP4, AAC tone when ``audio``) and return it."""
    import ffmpeg

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = int(round(seconds * fps))
    tone = ffmpeg.input(f"sine=frequency=440:sample_rate=44100:duration={seconds}", f="lavfi").audio
    writer = H264Writer(path, width, height, fps, audio=tone if audio else None, preset="veryfast", crf=20)
    pictures = face_pictures()
    background = _background(width, height)
    try:
        for index in range(frames):
            writer.write(render_frame(index / frames, width, height, pictures, background))
    finally:
        writer.close()
    return path
