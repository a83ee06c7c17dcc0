"""The built-in annotators: ``overlay`` (boxes, labels, score bars; the default), ``blur`` and ``none``.

An annotator draws a frame for the sinks that show it (the video, image, window and web sinks);
the sinks only write what it drew. Each returns a new image and leaves ``frame.image`` as it is,
so the timeline sinks and any other sink of the run still see the original pixels.
"""

from __future__ import annotations

import cv2
import numpy as np

from fer_video import hookimpl
from fer_video.builtins.options import number, whole_number
from fer_video.emotions import EMOTIONS
from fer_video.io.reused_images import ReusedImages
from fer_video.palette import face_colour_bgr
from fer_video.plugins.factories import StageFactory
from fer_video.types import Frame


class OverlayAnnotator:
    """Each face's box in its id's colour, a label with its id, top emotion and confidence, and
    a bar chart of the seven scores beside the box."""

    def __init__(self) -> None:
        self._canvases = ReusedImages()

    def annotate(self, frame: Frame) -> np.ndarray:
        canvas = self._canvases.copy_of(frame.image)
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
