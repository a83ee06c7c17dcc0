"""The ``haar`` detector: OpenCV's bundled frontal-face cascade, as the original repo used it."""

from __future__ import annotations

import math

import cv2
import numpy as np

from fer_video import hookimpl
from fer_video.framing import Framing
from fer_video.plugins.factories import StageFactory
from fer_video.types import Face


class HaarDetector:
    """``detectMultiScale(gray, 1.1, 4)`` on an optionally downscaled frame.

    Haar gives no probability; ``detector_score`` is the cascade's last-stage weight put
    through a logistic, so higher is surer but 0.5 is no threshold.
    """

    framing = Framing(scale=1.03)  # its box is close to FER-2013's crop: benchmarks/face_framing.py

    def __init__(self, scale_factor: float = 1.1, min_neighbors: int = 4, min_size: int = 30,
                 max_width: int = 640) -> None:
        path = cv2.data.haarcascades + "haarcascade_frontalface_default.xml"
        self.cascade = cv2.CascadeClassifier(path)
        if self.cascade.empty():
            raise FileNotFoundError(f"OpenCV's cascade {path} is missing; reinstall opencv-contrib-python")
        self.scale_factor = float(scale_factor)
        self.min_neighbors = int(min_neighbors)
        self.min_size = int(min_size)
        self.max_width = int(max_width)
        if not self.scale_factor > 1.0:  # OpenCV asserts mid-run otherwise
            raise ValueError(f"scale_factor must be above 1 (1.1 scans 10% size steps), not {scale_factor}")
        if self.min_neighbors < 0 or self.min_size < 1 or self.max_width < 0:
            raise ValueError("min_neighbors must be 0 or more, min_size 1 or more and max_width 0 (no shrinking) "
                             "or more")

    def detect(self, image: np.ndarray) -> list[Face]:
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
        shrink = min(1.0, self.max_width / gray.shape[1]) if self.max_width else 1.0
        if shrink < 1.0:
            gray = cv2.resize(gray, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
        min_side = max(8, int(self.min_size * shrink))
        boxes, _, weights = self.cascade.detectMultiScale3(
            gray, self.scale_factor, self.min_neighbors, minSize=(min_side, min_side), outputRejectLevels=True
        )
        faces = []
        for (x, y, w, h), weight in zip(np.asarray(boxes).reshape(-1, 4), np.ravel(weights)):
            faces.append(
                Face(int(x / shrink), int(y / shrink), int(w / shrink), int(h / shrink),
                     detector_score=round(1 / (1 + math.exp(-float(weight))), 4))
            )
        return faces


@hookimpl
def fer_video_detectors() -> list[StageFactory]:
    return [StageFactory("haar", HaarDetector, "OpenCV Haar cascade (frontal faces), fast, no model download")]
