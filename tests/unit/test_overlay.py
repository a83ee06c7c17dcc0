"""The overlay as a person sees it, at 360p, 720p and 1080p: text large enough to read, in proportion to
the frame, and the score chart whole and inside the frame wherever the face is."""

from __future__ import annotations

import threading

import cv2
import numpy as np
import pytest

from fer_video import Face, Frame
from fer_video.builtins.overlay import DARKEN, FONT_PX_360P, OverlayAnnotator
from fer_video.builtins.text_sprites import font_file, line_height, render_mask
from fer_video.emotions import EMOTIONS
from fer_video.palette import face_colour_bgr
from tests.support import ARTIFACTS

SIZES = [(360, 640), (720, 1280), (1080, 1920)]
SCORES = np.array([0.02, 0.01, 0.05, 0.75, 0.03, 0.08, 0.06], np.float32)
INK = 200
"""A pixel of white text's body: every channel at least this (the chart's background is at most 115)."""


def _scene(astronaut: np.ndarray, height: int, width: int, where: str) -> Frame:
    """The astronaut, ``0.45`` of the frame high, in the middle, against the right edge or in the top-left
    corner; her face boxed as a detector boxes it."""
    side = round(height * 0.45)
    image = np.full((height, width, 3), 70, np.uint8)
    left = {"middle": width // 3, "right edge": width - side, "top-left corner": 0}[where]
    top = 0 if where == "top-left corner" else height // 3
    image[top:top + side, left:left + side] = cv2.resize(astronaut, (side, side), interpolation=cv2.INTER_AREA)
    face = Face(left + side // 4, top + side // 10, side // 2, side * 3 // 5, face_id=0, scores=SCORES)
    return Frame(0, 0.0, image, [face])


def _chart_box(drawn: np.ndarray, original: np.ndarray) -> tuple[int, int, int, int]:
    """``(x0, y0, x1, y1)`` of the darkened panel behind the chart, found in the pixels."""
    darker = cv2.convertScaleAbs(original, alpha=DARKEN)
    dark = (drawn == darker).all(axis=2) & (original != darker).any(axis=2)
    rows, columns = np.flatnonzero(dark.mean(axis=1) > 0.05), np.flatnonzero(dark.mean(axis=0) > 0.05)
    assert len(rows) and len(columns), "no chart"
    return int(columns[0]), int(rows[0]), int(columns[-1]) + 1, int(rows[-1]) + 1


def _runs(ink_rows: np.ndarray, joined: float = 1) -> list[tuple[int, int]]:
    """``(first, last + 1)`` of each stretch of rows with ink; stretches less than ``joined`` rows apart
    are one (an i and its dot)."""
    rows = np.flatnonzero(ink_rows)
    groups = np.split(rows, np.flatnonzero(np.diff(rows) > joined) + 1) if len(rows) else []
    return [(int(group[0]), int(group[-1]) + 1) for group in groups]


@pytest.mark.parametrize("height, width", SIZES, ids=[f"{h}p" for h, _ in SIZES])
@pytest.mark.parametrize("where", ["middle", "right edge", "top-left corner"])
def test_the_overlay_reads_at_any_size_and_its_chart_is_whole_and_inside_the_frame(pictures, height, width, where):
    frame = _scene(pictures["astronaut"], height, width, where)
    drawn = OverlayAnnotator().annotate(frame)
    face = frame.faces[0]
    ARTIFACTS.mkdir(exist_ok=True)
    cv2.imwrite(str(ARTIFACTS / f"overlay-{height}p-{where.replace(' ', '-')}.png"), drawn)
    x0, y0, x1, y1 = _chart_box(drawn, frame.image)
    assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
    assert x0 >= face.x + face.w or x1 <= face.x, "the chart beside the face, not over it"
    names = (drawn[y0:y1, x0:x1] >= INK).all(axis=2)
    runs = _runs(names[:, : (x1 - x0) // 2].any(axis=1), joined=3.4 * height / 360)  # the names' half
    assert len(runs) == len(EMOTIONS), f"{len(runs)} lines of text where seven emotions belong"
    assert runs[0][0] > 0 and runs[-1][1] < y1 - y0, "a name cut by the chart's (or the frame's) edge"
    # "neutral" has ascenders (l, t) and no descender: its ink is the height of a capital, from the
    # baseline up; at least 12 px on a 360-line frame, and in proportion on larger ones.
    neutral = runs[-1][1] - runs[-1][0]
    assert neutral >= 12 * height / 360, f"'neutral' is {neutral} px high on a {height}-line frame"
    assert neutral <= 16 * height / 360, "the names are larger than the chart was made for"
    bars = (drawn[y0:y1, x0:x1] == face_colour_bgr(0)).all(axis=2)
    happy = runs[EMOTIONS.index("happy")]
    longest = bars[happy[0]:happy[1]].sum(axis=1).max()
    assert longest > 4 * bars[runs[0][0]:runs[0][1]].sum(axis=1).max(), "happy's bar, 75%, against angry's, 2%"


@pytest.mark.parametrize("height, width", SIZES, ids=[f"{h}p" for h, _ in SIZES])
def test_the_label_names_the_face_in_text_as_large_as_the_charts(pictures, height, width):
    frame = _scene(pictures["astronaut"], height, width, "middle")
    drawn = OverlayAnnotator().annotate(frame)
    face = frame.faces[0]
    above = drawn[:face.y, face.x:]
    filled = (above == face_colour_bgr(0)).all(axis=2)
    rows = np.flatnonzero(filled.mean(axis=1) > 0.05)
    assert len(rows), "no label above the box"
    label = above[rows[0]:rows[-1] + 1]
    columns = np.flatnonzero(filled[rows[0]:rows[-1] + 1].any(axis=0))
    label = label[:, columns[0]:columns[-1] + 1]
    ink = (label >= INK).all(axis=2)
    assert ink.sum() > 40 * (height / 360) ** 2, "no text in the label"
    # '#0 happy 75%': its right end, '75%', is digits and a sign, a capital's height.
    glyph_columns = np.flatnonzero(ink.any(axis=0))
    percent = ink[:, glyph_columns[-1] - round(1.6 * line_height(FONT_PX_360P) * height / 360):]
    (first, last), = _runs(percent.any(axis=1))
    assert last - first >= 12 * height / 360, f"'75%' is {last - first} px high on a {height}-line frame"


def test_the_font_is_matplotlibs_dejavu_sans_at_a_readable_size():
    assert font_file().name == "DejaVuSans.ttf" and font_file().is_file()
    x, capital = render_mask("x", FONT_PX_360P), render_mask("H", FONT_PX_360P)
    x_height = np.ptp(np.flatnonzero((x >= 128).any(axis=1))) + 1
    cap_height = np.ptp(np.flatnonzero((capital >= 128).any(axis=1))) + 1
    assert (x_height, cap_height) == (10, 13), "DejaVu Sans at 18 px: x-height 0.55 em, capitals 0.73 em"


def _only_the_box(frame: Frame) -> bool:
    drawn = OverlayAnnotator().annotate(frame)
    x, y, w, h = frame.faces[0].box
    outside = np.ones(drawn.shape[:2], bool)
    outside[max(0, y - 4):y + h + 4, max(0, x - 4):x + w + 4] = False
    return (drawn[y, x:x + w] != frame.image[y, x:x + w]).any(axis=1).all() and \
        np.array_equal(drawn[outside], frame.image[outside])


def test_a_thumbnail_gets_boxes_only_and_a_face_without_scores_no_text(pictures):
    assert _only_the_box(_scene(pictures["astronaut"], 60, 80, "middle")), "no text too small to read"
    unscored = _scene(pictures["astronaut"], 360, 640, "middle")
    unscored.faces[0].scores = None
    assert _only_the_box(unscored)


def test_sink_threads_can_draw_with_one_overlay_at_once(pictures):
    annotator = OverlayAnnotator()
    frames = [_scene(pictures["astronaut"], 360, 640, where) for where in ("middle", "right edge")]
    expected = [annotator.annotate(frame).copy() for frame in frames]
    errors: list[str] = []

    def draw(index: int) -> None:
        for _ in range(20):
            if not np.array_equal(annotator.annotate(frames[index]), expected[index]):
                errors.append(f"frame {index} drawn differently")

    threads = [threading.Thread(target=draw, args=(i % 2,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


def test_two_faces_side_by_side_keep_their_charts_off_each_other_and_off_the_other_face():
    """The demo's frame at 4.6 s: one face's chart was drawn over the other face, and the charts over
    each other, though the frame had room for both."""
    from fer_video.builtins.overlay import OverlayStyle, _overlap, place_chart, place_label

    style = OverlayStyle.for_size(720, 1280)
    left_face, right_face = (400, 260, 170, 170), (700, 290, 150, 150)
    charts = []
    for box, other in ((left_face, right_face), (right_face, left_face)):
        label = place_label(box, (720, 1280), style, 200)
        charts.append(place_chart(box, (720, 1280), style, label, [other, *charts]))
    (first, second), chart_width, chart_height = charts, *style.chart_size
    for chart in charts:
        assert 0 <= chart[0] <= 1280 - chart_width and 0 <= chart[1] <= 720 - chart_height, chart
        assert _overlap(chart, left_face) == 0 and _overlap(chart, right_face) == 0
    assert _overlap(first, second) == 0
    alone = place_chart(left_face, (720, 1280), style)
    assert alone[0] == left_face[0] + left_face[2] + style.pad + style.thickness and alone[1] == left_face[1], \
        "a face alone keeps its chart right of its box, level with its top"
