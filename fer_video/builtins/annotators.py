"""The built-in annotators: ``overlay`` (boxes, labels, score bars; the default), ``blur`` and ``none``.

An annotator draws a frame for the sinks that show it (the video, image, window and web sinks);
the sinks only write what it drew. Each returns a new image and leaves ``frame.image`` as it is,
so the timeline sinks and any other sink of the run still see the original pixels. The overlay, the
largest, has a module of its own (:mod:`fer_video.builtins.overlay`).
"""

from __future__ import annotations

import cv2
import numpy as np

from fer_video import hookimpl
from fer_video.builtins.options import number, whole_number
from fer_video.builtins.overlay import OverlayAnnotator
from fer_video.io.reused_images import ReusedImages
from fer_video.plugins.factories import StageFactory
from fer_video.types import Frame


class BlurAnnotator:
    """Every face pixelated beyond recognition, and nothing drawn: a copy that is safe to share.

    Each face box, grown by ``margin`` of its size on each side (hair, ears and jaw line identify
    people too), becomes ``blocks`` coarse squares across. Only faces the detector found are hidden:
    a face it missed in some frame stays visible there, so check a copy before sharing it. A frame
    no one looked for faces in (the live view paused) is pixelated whole.
    """

    def __init__(self, blocks: int = 8, margin: float = 0.1) -> None:
        self.blocks = whole_number("blocks", blocks, 1, 64)
        self.margin = number("margin", margin, 0, 2)
        self._canvases = ReusedImages()

    def annotate(self, frame: Frame) -> np.ndarray:
        canvas = self._canvases.copy_of(frame.image)
        if not frame.analysed:  # where the faces are is unknown: hide them all
            self._pixelate(canvas, 4 * self.blocks)
            return canvas
        for face in frame.faces:
            self._pixelate(face.crop(canvas, self.margin), self.blocks)  # a view into the copy
        return canvas

    @staticmethod
    def _pixelate(region: np.ndarray, blocks: int) -> None:
        height, width = region.shape[:2]
        if height == 0 or width == 0:
            return
        across = min(blocks, width)
        down = max(1, min(height, round(across * height / width)))
        coarse = cv2.resize(region, (across, down), interpolation=cv2.INTER_AREA)
        region[:] = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_NEAREST)


class NoAnnotator:
    """The frame as it came from the source: an MP4 or a live view of the input, unmarked."""

    def annotate(self, frame: Frame) -> np.ndarray:
        return frame.image


@hookimpl
def fer_video_annotators() -> list[StageFactory]:
    return [
        StageFactory("overlay", OverlayAnnotator, "each face's box, id, top emotion and score bars (default)"),
        StageFactory("blur", BlurAnnotator, "every face pixelated, nothing drawn: a privacy copy (blocks=8, "
                                            "margin=0.1)"),
        StageFactory("none", NoAnnotator, "the frames as they are"),
    ]
