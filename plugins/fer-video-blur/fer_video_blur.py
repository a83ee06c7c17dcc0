"""fer-video-blur: a ``soft-blur`` annotator that hides every detected face under a Gaussian blur.

A third-party fer-video plugin and the worked example of the docs' plugin guide. fer-video
finds it through the ``fer_video`` entry point in this distribution's pyproject.toml, and it
imports nothing from fer-video beyond the public API (``fer_video.__all__``). Any sink that shows
pictures (``video``, ``image``, ``window``, ``web``) writes what it draws.
"""

from __future__ import annotations

import cv2
import numpy as np

from fer_video import Frame, StageFactory, hookimpl

SHAPES = ("ellipse", "box")


class SoftBlur:
    """Each face under a Gaussian blur, in an oval (``shape="ellipse"``) or its whole box; nothing drawn.

    The kernel grows with the face (``strength`` times its longer side), so a close-up is blurred
    as beyond recognition as a face far away. ``margin`` grows the detector's tight box, since
    hair, ears and jaw line identify people too. Only faces the detector found are blurred.
    """

    def __init__(self, strength: float = 0.5, shape: str = "ellipse", margin: float = 0.1) -> None:
        if shape not in SHAPES:
            raise ValueError(f"shape must be one of {', '.join(SHAPES)}, not {shape!r}")
        if float(strength) <= 0 or float(margin) < 0:
            raise ValueError("strength must be above 0 and margin at least 0")
        self.strength, self.shape, self.margin = float(strength), shape, float(margin)

    def annotate(self, frame: Frame) -> np.ndarray:
        out = frame.image.copy()  # never into frame.image: every sink of the run shares it
        for face in frame.faces:
            region = face.crop(out, self.margin)  # a view: writing into it writes into ``out``
            if region.size == 0:
                continue
            kernel = max(3, int(self.strength * max(face.w, face.h)) | 1)  # odd, as OpenCV needs
            blurred = cv2.GaussianBlur(region, (kernel, kernel), kernel / 4)
            if self.shape == "box":
                region[:] = blurred
                continue
            height, width = region.shape[:2]
            mask = np.zeros((height, width), np.uint8)
            cv2.ellipse(mask, ((width / 2, height / 2), (width, height), 0), 255, -1)
            region[mask > 0] = blurred[mask > 0]
        return out


@hookimpl
def fer_video_annotators() -> list[StageFactory]:
    return [StageFactory("soft-blur", SoftBlur, "every face under a Gaussian blur "
                                                "(strength=0.5, shape=ellipse|box, margin=0.1)")]
