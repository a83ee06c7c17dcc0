"""The ``overlay`` annotator: each face's box, a label with its id, top emotion and confidence, and a
bar chart of its seven scores, in text that reads at any frame size.

Text is DejaVu Sans (see :mod:`fer_video.builtins.text_sprites`), :data:`FONT_PX_360P` pixels to the
em on a 360-line frame and in proportion on larger ones, so the overlay looks the same on a 360p and a
1080p copy. The chart goes beside the box, on whichever side has room, and inside the frame when the
face is at an edge. Every string is rendered once and pasted or blended after that: the overlay costs
about what the Hershey one it replaced did (``benchmarks/overlay_speed.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from fer_video.builtins.text_sprites import (
    SpriteCache,
    WhiteText,
    line_height,
    on_colour,
    render_mask,
    stack,
    text_width,
)
from fer_video.emotions import EMOTIONS
from fer_video.io.reused_images import ReusedImages
from fer_video.palette import face_colour_bgr
from fer_video.types import Face, Frame

FONT_PX_360P = 18
"""The font's size (pixels to the em) on a frame 360 lines high: DejaVu Sans's capitals and digits are
then 13 px high (0.73 em), its x-height 10 px (0.55 em): a pixel of margin over the 12 px promised.
Taller frames scale it; shorter and narrow ones keep it while the chart still fits, then shrink it."""
MIN_FONT_PX = 8
"""Below this, on a thumbnail-sized frame, no label or chart is drawn: only the boxes."""
ROW_GAP_EM = 0.3
"""Space between the chart's rows."""
BAR_EM = 4.5
"""A score of 100%'s bar length."""
DARKEN = 0.45
"""The frame's brightness left behind the chart, so white names and coloured bars read on any picture."""
CHART_SHARE = (0.9, 0.5)
"""The most of the frame's height and width the chart may take; the font shrinks to fit below this."""


@dataclass(frozen=True)
class OverlayStyle:
    """Sizes in pixels for one frame size: all of them follow the font's."""

    font_px: int
    thickness: int
    pad: int
    row: int
    """One chart row: a line of text and the space under it."""
    text_height: int
    name_width: int
    bar_width: int

    @property
    def chart_size(self) -> tuple[int, int]:
        """``(width, height)`` of the chart."""
        return self.pad + self.name_width + self.bar_width + self.pad, self.pad + self.row * len(EMOTIONS)

    @property
    def label_height(self) -> int:
        return self.text_height + 2 * self.pad

    @classmethod
    def for_size(cls, height: int, width: int) -> OverlayStyle | None:
        """The style for a frame ``height`` x ``width``, its chart fitting :data:`CHART_SHARE` of it;
        ``None`` when even :data:`MIN_FONT_PX` does not fit (a thumbnail: boxes only)."""
        size = max(FONT_PX_360P, round(FONT_PX_360P * height / 360))
        while size >= MIN_FONT_PX:
            pad = max(2, round(0.25 * size))
            text_height = line_height(size)
            style = cls(font_px=size, thickness=max(1, round(size / 12)), pad=pad,
                        row=text_height + round(ROW_GAP_EM * size), text_height=text_height,
                        name_width=max(text_width(name, size) for name in EMOTIONS) + 2 * pad,
                        bar_width=round(BAR_EM * size))
            chart_width, chart_height = style.chart_size
            if chart_height <= CHART_SHARE[0] * height and chart_width <= CHART_SHARE[1] * width:
                return style
            size -= 1
        return None


Rect = tuple[int, int, int, int]
"""``(x, y, w, h)`` in pixels."""


def place_label(box: Rect, frame_size: tuple[int, int], style: OverlayStyle, label_width: int) -> Rect:
    """A face's label: on the box's top edge, outside it; below the box when the face is at the frame's
    top; moved left as far as it must to stay inside the frame."""
    x, y, _, h = box
    height, width = frame_size
    top = y - style.label_height if y >= style.label_height else min(y + h + style.thickness,
                                                                    height - style.label_height)
    return max(0, min(x, width - label_width)), max(0, top), label_width, style.label_height


def place_chart(box: Rect, frame_size: tuple[int, int], style: OverlayStyle, label: Rect | None = None,
                avoid: Sequence[Rect] = ()) -> Rect:
    """A face's chart in a frame ``(height, width)``, inside the frame: right of the box, else left of it,
    level with the box's top, its bottom, or just below or above it; of these, the place that covers
    least of its own face, of the rects to ``avoid`` (other faces, charts already drawn) and of its
    ``label``, in that order of preference. Against the frame's right edge when neither side has room."""
    x, y, w, h = box
    height, width = frame_size
    chart_width, chart_height = style.chart_size
    gap = style.pad + style.thickness
    start, end = x, x + w
    if label is not None:  # beside the label too where the two would be level
        start, end = min(start, label[0]), max(end, label[0] + label[2])
    lefts = [left for left in (end + gap, start - gap - chart_width) if 0 <= left <= width - chart_width]
    lefts = lefts or [max(0, width - chart_width)]
    tops = [y, y + h - chart_height, y + h + gap, y - gap - chart_height]
    tops = list(dict.fromkeys(max(0, min(top, height - chart_height)) for top in tops))
    best, best_cost = None, None
    for top in tops:  # right of the box at its top first: the place it has always had, when free
        for left in lefts:
            chart = (left, top, chart_width, chart_height)
            cost = (_overlap(chart, box), sum(_overlap(chart, other) for other in avoid),
                    _overlap(chart, label) if label is not None else 0)
            if best_cost is None or cost < best_cost:
                best, best_cost = chart, cost
    return best


def _overlap(a: Rect, b: Rect) -> int:
    """The area two rects share."""
    across = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    down = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(0, across) * max(0, down)


class OverlayAnnotator:
    """Each face's box in its id's colour, a label with its id, top emotion and confidence, and
    a bar chart of the seven scores beside the box."""

    def __init__(self) -> None:
        self._canvases = ReusedImages()
        self._sprites = SpriteCache()
        self._styles: dict[tuple[int, int], OverlayStyle | None] = {}

    def style_for(self, height: int, width: int) -> OverlayStyle | None:
        """The sizes used on frames of this size (worked out once per size)."""
        key = (height, width)
        if key not in self._styles:
            self._styles[key] = OverlayStyle.for_size(height, width)
        return self._styles[key]

    def annotate(self, frame: Frame) -> np.ndarray:
        canvas = self._canvases.copy_of(frame.image)
        style = self.style_for(*canvas.shape[:2])
        thickness = style.thickness if style else 1
        labels = []
        taken = [face.box for face in frame.faces]  # no chart over another face, nor over another chart
        for face in frame.faces:
            colour = face_colour_bgr(face.face_id)
            x, y, w, h = face.box
            cv2.rectangle(canvas, (x, y), (x + w, y + h), colour, thickness)
            if face.scores is not None and style is not None:
                parts = self._label_parts(face, colour, style)
                label = place_label(face.box, canvas.shape[:2], style,
                                    sum(part.shape[1] for part in parts) + 2 * style.pad)
                others = [box for box in taken if box is not face.box]
                chart = place_chart(face.box, canvas.shape[:2], style, label, others)
                taken.append(chart)
                self._chart(canvas, face, colour, style, chart)
                labels.append((label, parts, colour))
        for label, parts, colour in labels:  # last: another face's chart never darkens a label
            self._label(canvas, label, parts, colour, style)
        return canvas

    def _text(self, text: str, colour: tuple[int, int, int], style: OverlayStyle) -> np.ndarray:
        return self._sprites.get(("on", text, style.font_px, colour),
                                 lambda: on_colour(render_mask(text, style.font_px), colour))

    def _label_parts(self, face: Face, colour: tuple[int, int, int], style: OverlayStyle) -> list[np.ndarray]:
        """``#3 happy `` then ``8``, ``7`` and ``%``, white on the face's colour: a confidence that changes
        every frame is put together from eleven pictures made once, never rendered anew."""
        head = f"#{face.face_id} {face.emotion} " if face.face_id is not None else f"{face.emotion} "
        return [self._text(head, colour, style), *(self._text(c, colour, style) for c in f"{face.confidence:.0%}")]

    @staticmethod
    def _label(canvas: np.ndarray, label: Rect, parts: list[np.ndarray], colour: tuple[int, int, int],
               style: OverlayStyle) -> None:
        left, top, width, height = label
        cv2.rectangle(canvas, (left, top), (left + width - 1, top + height - 1), colour, -1)
        column = left + style.pad
        for part in parts:
            piece = canvas[top + style.pad:top + style.pad + part.shape[0], column:column + part.shape[1]]
            piece[:] = part[:piece.shape[0], :piece.shape[1]]  # cut where the frame ends
            column += part.shape[1]

    def _chart(self, canvas: np.ndarray, face: Face, colour: tuple[int, int, int], style: OverlayStyle,
               chart: Rect) -> None:
        """Seven rows, an emotion's name and a bar as long as its score, on the frame darkened behind them."""
        left, top, chart_width, chart_height = chart
        bar_left = left + style.pad + style.name_width
        names = self._sprites.get(("names", style.font_px), lambda: WhiteText(
            stack([render_mask(name, style.font_px) for name in EMOTIONS], style.row,
                  (chart_height, style.pad + style.name_width), style.pad), darken=DARKEN))
        names.blend(canvas[top:top + chart_height, left:bar_left])  # the names, the frame darkened around them
        bars = canvas[top:top + chart_height, bar_left:left + chart_width]
        cv2.convertScaleAbs(bars, dst=bars, alpha=DARKEN)
        inset = max(1, style.text_height // 6)
        for i, value in enumerate(face.scores):
            length = int(round(style.bar_width * float(value)))
            if length > 0:
                row_top = top + style.pad + i * style.row
                cv2.rectangle(canvas, (bar_left, row_top + inset),
                              (bar_left + length - 1, row_top + style.text_height - inset), colour, -1)
