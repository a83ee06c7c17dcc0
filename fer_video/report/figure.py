"""One figure for a paper or a slide: a row per face, the seven emotions over time.

Drawn with matplotlib's object API (no pyplot, no display needed). Colours are the overlay's and the
live page's; every emotion also has its own dash pattern, so the figure still reads in grey.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure

from fer_video.emotions import EMOTIONS
from fer_video.palette import EMOTION_COLOURS, EMOTION_DASHES, EMOTION_WIDTHS, face_colour
from fer_video.report.downsample import drawn_points
from fer_video.report.summary import FaceSummary
from fer_video.report.timeline_file import Timeline

WIDTH_IN = 10.0
PANEL_IN = 1.7
TOP_IN = 0.85
BOTTOM_IN = 0.55
DPI = 110
MAX_POINTS = 1500
"""Points per face: more than the panel is pixels wide at DPI."""


def figure_size(faces: int) -> tuple[float, float]:
    """Inches: fixed width, one panel height per face (one panel for a timeline without faces)."""
    return WIDTH_IN, TOP_IN + BOTTOM_IN + PANEL_IN * max(1, faces)


def render_figure(timeline: Timeline, summaries: list[FaceSummary], fmt: str, duration_s: float | None = None) -> bytes:
    """The figure as PNG or SVG bytes (``fmt`` is ``png`` or ``svg``)."""
    figure = draw_figure(timeline, summaries, duration_s)
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, dpi=DPI, metadata={"Date": None} if fmt == "svg" else None)
    return buffer.getvalue()


def draw_figure(timeline: Timeline, summaries: list[FaceSummary], duration_s: float | None = None) -> Figure:
    """The figure, a panel per face; each emotion's line breaks (NaN) where the face was not seen."""
    size = figure_size(len(summaries))
    figure = Figure(figsize=size, dpi=DPI)
    rows = max(1, len(summaries))
    top = 1 - TOP_IN / size[1]
    figure.subplots_adjust(left=0.07, right=0.985, top=top, bottom=BOTTOM_IN / size[1], hspace=0.45)
    axes = figure.subplots(rows, 1, sharex=True, squeeze=False)[:, 0]
    timed = timeline.fps is not None
    if not summaries:
        axes[0].text(0.5, 0.5, "no faces in this timeline", ha="center", va="center", transform=axes[0].transAxes)
        axes[0].set_yticks([])
    for ax, summary in zip(axes, summaries):
        face = timeline.face(summary.face_id)
        x, scores = drawn_points(face, timeline.fps, MAX_POINTS, timeline.frame_step)
        for i, name in enumerate(EMOTIONS):
            dash = EMOTION_DASHES[name]
            ax.plot(x, scores[:, i], color=EMOTION_COLOURS[name], lw=EMOTION_WIDTHS[name],
                    linestyle=(0, dash) if dash else "-", label=name,
                    marker="o" if len(x) == 1 else None)  # one moment (a one-frame video): a dot
        colour = face_colour(summary.face_id)
        seen = f"{summary.seconds:.1f} s on screen" if summary.seconds is not None else f"{summary.frames} pictures"
        ax.set_title(f"{summary.name}  ·  {seen}  ·  mostly {summary.top_emotion} "
                     f"({summary.shares[summary.top_emotion]:.0%})", loc="left", fontsize=10, color="#222222")
        for spine in ax.spines.values():
            spine.set_color(colour)
            spine.set_linewidth(1.6)
        ax.set_ylim(0, 1)
        ax.set_yticks([0, 0.5, 1], ["0", "50%", "100%"])
        ax.grid(True, color="#dddddd", lw=0.6)
    end = duration_s if duration_s else (timeline.last_frame / timeline.fps if timed and timeline.rows else None)
    if end:
        axes[-1].set_xlim(0, end)
    axes[-1].set_xlabel("time (s)" if timed else "picture")
    handles = [line for line in axes[0].get_lines()] if summaries else []
    if handles:
        figure.legend(handles, EMOTIONS, loc="upper center", ncol=len(EMOTIONS), frameon=False, fontsize=9,
                      bbox_to_anchor=(0.5, 1 - 0.22 / size[1]), handlelength=3.2)
    name = timeline.path.name
    figure.suptitle(f"emotion scores over time · {name}", x=0.07, ha="left", y=1 - 0.06 / size[1], fontsize=9,
                    color="#555555")
    return figure
