"""Draws the overlay: a box per face with its id, top emotion and confidence, and score bars."""

from __future__ import annotations

import cv2
import numpy as np

from fer_video.emotions import EMOTIONS
from fer_video.palette import face_colour_bgr
from fer_video.types import Frame


def annotate(frame: Frame, image: np.ndarray | None = None) -> np.ndarray:
    """A copy of the frame (or of ``image``) with every face's box, label and bar chart drawn."""
    canvas = (frame.image if image is None else image).copy()
    scale = max(0.4, min(1.2, canvas.shape[0] / 1000))
    thickness = max(1, int(round(2 * scale)))
    for face in frame.faces:
        colour = face_colour_bgr(face.face_id)
        x, y, w, h = face.box
        cv2.rectangle(canvas, (x, y), (x + w, y + h), colour, thickness)
        if face.scores is None:
            continue
        label = f"#{face.face_id} {face.emotion} {face.confidence:.0%}"
        _label(canvas, label, x, y, colour, scale, thickness)
        _bars(canvas, face.scores, x + w + 4, y, colour, scale)
    return canvas


def _label(canvas, text, x, y, colour, scale, thickness) -> None:
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.6 * scale, thickness)
    top = max(0, y - th - base - 4)
    cv2.rectangle(canvas, (x, top), (x + tw + 6, top + th + base + 4), colour, -1)
    cv2.putText(canvas, text, (x + 3, top + th + 2), cv2.FONT_HERSHEY_SIMPLEX, 0.6 * scale,
                (255, 255, 255), thickness, cv2.LINE_AA)


def _bars(canvas, scores, left, top, colour, scale) -> None:
    """Seven horizontal bars with the emotion names, placed beside the box (inside the frame)."""
    row = max(10, int(16 * scale))
    width = int(110 * scale)
    name_width = int(62 * scale)
    left = min(left, canvas.shape[1] - width - name_width - 2)
    top = min(max(0, top), canvas.shape[0] - row * len(EMOTIONS) - 2)
    if left < 0 or top < 0:
        return
    panel = canvas[top : top + row * len(EMOTIONS), left : left + name_width + width]
    panel[:] = (panel * 0.45).astype(np.uint8)  # darken behind the chart so it reads on any frame
    for i, (name, value) in enumerate(zip(EMOTIONS, scores)):
        y = top + i * row
        cv2.putText(canvas, name[:8], (left + 2, y + row - 4), cv2.FONT_HERSHEY_SIMPLEX, 0.38 * scale,
                    (255, 255, 255), 1, cv2.LINE_AA)
        length = int(width * float(value))
        cv2.rectangle(canvas, (left + name_width, y + 2), (left + name_width + length, y + row - 3), colour, -1)
