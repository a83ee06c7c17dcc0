"""Framing: cut a detector's face box the way FER-2013 framed its training faces.

A classifier learns the framing of its training faces: in FER-2013 a face fills a square
crop from the eyebrows' top to the chin, centred. Detectors draw their boxes differently
(OpenCV's Haar box is close to that crop, MediaPipe's is smaller and lower), so each
detector declares a :class:`Framing` that maps its box to the training framing, measured by
running it on FER-2013 faces pasted into larger frames (``benchmarks/face_framing.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from fer_video.types import Face


@dataclass(frozen=True)
class Framing:
    """A square crop around a face box: ``scale`` times the box's longer side, its centre
    moved by ``shift_x`` and ``shift_y`` box widths and heights (positive: right, down).

    The default grows the box by 10% on each side, for detectors that declare nothing.
    """

    scale: float = 1.2
    shift_x: float = 0.0
    shift_y: float = 0.0
    align: bool = False
    """Turn the crop about its centre so the eyes are level, for faces whose ``roll`` is known."""

    def __post_init__(self) -> None:
        if not 0.2 <= self.scale <= 5:
            raise ValueError(f"framing scale {self.scale} is outside 0.2..5 (the crop's side over the box's)")

    def describe(self) -> str:
        """In words, for a model card: ``square 1.15x the box's longer side, centre 0.034 box heights up``."""
        words = [f"square {self.scale:g}x the box's longer side"]
        if self.shift_x:
            words.append(f"centre {abs(self.shift_x):g} box widths {'right' if self.shift_x > 0 else 'left'}")
        if self.shift_y:
            words.append(f"centre {abs(self.shift_y):g} box heights {'down' if self.shift_y > 0 else 'up'}")
        if self.align:
            words.append("eyes levelled")
        return ", ".join(words)

    @classmethod
    def grown_by(cls, margin: float) -> Framing:
        """The box grown by ``margin`` of its size on each side (``--margin``)."""
        return cls(scale=1 + 2 * margin)

    def square(self, face: Face) -> tuple[int, int, int]:
        """The crop's left, top and side in frame pixels (it may reach outside the frame)."""
        side = max(1, round(self.scale * max(face.w, face.h)))
        centre_x = face.x + face.w * (0.5 + self.shift_x)
        centre_y = face.y + face.h * (0.5 + self.shift_y)
        return round(centre_x - side / 2), round(centre_y - side / 2), side

    def crop(self, image: np.ndarray, face: Face) -> np.ndarray:
        """The framed face from ``image``; where the square leaves the frame, the edge pixels
        are repeated, so the face stays where training put it instead of sliding off-centre."""
        left, top, side = self.square(face)
        if self.align and face.roll:
            return _levelled(image, left, top, side, face.roll)
        height, width = image.shape[:2]
        inside = image[max(0, top) : min(height, top + side), max(0, left) : min(width, left + side)]
        if inside.size == 0:
            return face.crop(image)
        pad_top, pad_left = max(0, -top), max(0, -left)
        pad_bottom = side - pad_top - inside.shape[0]
        pad_right = side - pad_left - inside.shape[1]
        if pad_top or pad_left or pad_bottom or pad_right:
            inside = cv2.copyMakeBorder(inside, pad_top, pad_bottom, pad_left, pad_right, cv2.BORDER_REPLICATE)
        return inside


def _levelled(image: np.ndarray, left: int, top: int, side: int, roll: float) -> np.ndarray:
    """The square at ``left, top`` turned by ``roll`` degrees about its centre, edges repeated."""
    turn = cv2.getRotationMatrix2D((left + side / 2, top + side / 2), roll, 1.0)
    turn[:, 2] -= (left, top)
    return cv2.warpAffine(image, turn, (side, side), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
