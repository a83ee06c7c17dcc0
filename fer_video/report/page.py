"""The report page: one HTML file that opens offline and asks no server for anything.

Styles, the chart library (the uPlot the live view ships) and the data are inlined, pictures are
``data:`` URLs, and a Content-Security-Policy forbids every request, so the page works from a USB
stick or an e-mail attachment and cannot leak what it shows.
"""

from __future__ import annotations

import base64
import html
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fer_video.emotions import EMOTIONS
from fer_video.palette import EMOTION_COLOURS, EMOTION_DASHES, EMOTION_WIDTHS, face_colour
from fer_video.report.downsample import drawn_points
from fer_video.report.facts import clock
from fer_video.report.summary import PEAK_MIN_SCORE, FaceSummary
from fer_video.report.timeline_file import Timeline

MAX_POINTS = 3000
"""Points drawn per face: a chart is no more pixels wide; an hour at 30 fps is 108,000 rows."""
WEB_STATIC = Path(__file__).resolve().parent.parent / "builtins" / "web" / "static"
OWN_STATIC = Path(__file__).resolve().parent / "static"
POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'"


@dataclass
class FacePictures:
    """JPEGs cut from the video: the face at its best detection, and frames at peak moments (by row)."""

    thumbnail: bytes | None = None
    stills: dict[int, bytes] = field(default_factory=dict)


def render_page(title: str, timeline: Timeline, summaries: list[FaceSummary], facts: list[tuple[str, str]],
                pictures: dict[int, FacePictures] | None = None) -> str:
    """The whole page as one string."""
    pictures = pictures or {}
    timed = timeline.fps is not None
    charts = []
    sections = []
    for summary in summaries:
        face = timeline.face(summary.face_id)
        x, scores = drawn_points(face, timeline.fps, MAX_POINTS, timeline.frame_step)
        charts.append({"id": summary.face_id, "x": _numbers(x, 3), "scores": [_numbers(s, 3) for s in scores.T]})
        sections.append(_face_section(summary, len(x), timed, pictures.get(summary.face_id, FacePictures())))
    data = {
        "timed": timed, "emotions": list(EMOTIONS),
        "colours": [EMOTION_COLOURS[name] for name in EMOTIONS],
        "dashes": [[v * EMOTION_WIDTHS[name] for v in EMOTION_DASHES[name]] for name in EMOTIONS],
        "widths": [EMOTION_WIDTHS[name] for name in EMOTIONS],
        "faces": charts,
    }
    body = [
        f"<header><h1>fer-video <span>report</span> · {_e(title)}</h1></header>",
        "<main>",
        '<dl class="facts">' + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts) + "</dl>",
    ]
    if summaries:
        body += [_overview(summaries, timed), _legend(), *sections]
    else:
        body.append('<p class="empty" id="no-faces">No faces in this timeline: no face was found in any frame.</p>')
    body += [
        '<footer>Written by <code>fer-video report</code>. Charts drawn with uPlot (MIT licence, '
        "© Leon Sorokin), inlined.</footer>",
        "</main>",
    ]
    return "\n".join([
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)} · fer-video report</title>",
        '<link rel="icon" href="data:,">',
        f"<style>{_static(WEB_STATIC / 'uPlot.min.css')}\n{_static(WEB_STATIC / 'theme.css')}\n"
        f"{_static(OWN_STATIC / 'report.css')}</style>",
        "</head><body>",
        *body,
        f'<script type="application/json" id="report-data">{_script_safe(json.dumps(data, separators=(",", ":")))}'
        "</script>",
        f"<script>{_script(WEB_STATIC / 'uPlot.iife.min.js')}</script>",
        f"<script>{_script(OWN_STATIC / 'report.js')}</script>",
        "</body></html>",
    ])


def _face_section(summary: FaceSummary, points: int, timed: bool, pictures: FacePictures) -> str:
    face_id = summary.face_id
    seen = (f"on screen {summary.seconds:.1f} s ({summary.frames:,} frames), first at {clock(summary.first_s)}, "
            f"last at {clock(summary.last_s)}" if timed and summary.seconds is not None
            else f"in {summary.frames:,} pictures")
    thumbnail = (f'<img src="{_data_url(pictures.thumbnail)}" alt="face #{face_id} at its best detection">'
                 if pictures.thumbnail else "")
    shares = "".join(
        f'<div class="bar" data-emotion="{name}"><span class="name">{name}</span><span class="track">'
        f'<span class="fill" style="width:{share * 100:.1f}%;background:{EMOTION_COLOURS[name]}"></span></span>'
        f'<span class="value">{share:.0%}</span></div>'
        for name, share in summary.shares.items())
    note = (f'<p class="note">Drawn with {points:,} points for {summary.frames:,} frames: each emotion\'s highest '
            "score in each stretch, so no peak is lost.</p>" if points < summary.frames else "")
    return "\n".join([
        f'<section class="face" id="face-{face_id}" data-face-id="{face_id}" style="--face:{face_colour(face_id)}">',
        f"<header>{thumbnail}<div><h2>{html.escape(summary.name)}</h2><p>{seen}</p>"
        f'<p class="muted">mostly {summary.top_emotion} ({summary.shares[summary.top_emotion]:.0%} of its frames)'
        "</p></div></header>",
        "<h3>Share of frames by top emotion</h3>",
        f'<div class="shares">{shares}</div>',
        "<h3>Scores over time <span class=\"muted\">(drag to zoom, double-click for the whole)</span></h3>",
        f'<div class="chart" data-face-id="{face_id}"></div>',
        note,
        f'<h3>Peak moments <span class="muted">(top emotion at {PEAK_MIN_SCORE:.0%} or more)</span></h3>',
        f'<div class="peaks">{_peaks(summary, timed, pictures)}</div>',
        "</section>",
    ])


def _peaks(summary: FaceSummary, timed: bool, pictures: FacePictures) -> str:
    if not summary.peaks:
        return (f'<p class="muted no-peaks">No clear moment: no emotion was this face\'s top one with '
                f"{PEAK_MIN_SCORE:.0%} or more.</p>")
    cards = []
    for name, peaks in summary.peaks.items():
        top, others = peaks[0], peaks[1:]
        where = clock(top.time_s) if timed else f"picture #{top.frame}"
        still = pictures.stills.get(top.row)
        image = (f'<img src="{_data_url(still)}" alt="frame {top.frame}, {name} at its peak">' if still else "")
        also = ", ".join(f"{clock(p.time_s) if timed else '#' + str(p.frame)} ({p.score:.0%})" for p in others)
        cards.append(
            f'<div class="peak" data-emotion="{name}" style="--emotion:{EMOTION_COLOURS[name]}">{image}'
            f"<b>{name}</b> {top.score:.0%} at {where} <span class=\"muted\">(frame {top.frame:,})</span>"
            + (f'<div class="also">also {also}</div>' if also else "") + "</div>")
    return "".join(cards)


def _overview(summaries: list[FaceSummary], timed: bool) -> str:
    rows = "".join(
        f'<tr><td><i style="background:{face_colour(s.face_id)}"></i><a href="#face-{s.face_id}">{html.escape(s.name)}'
        f"</a></td><td>{f'{s.seconds:.1f} s' if timed and s.seconds is not None else f'{s.frames} pictures'}</td>"
        f"<td>{s.top_emotion} {s.shares[s.top_emotion]:.0%}</td></tr>"
        for s in summaries)
    return (f'<table class="overview"><thead><tr><th>face</th><th>{"on screen" if timed else "seen in"}</th>'
            f"<th>mostly</th></tr></thead><tbody>{rows}</tbody></table>")


def _legend() -> str:
    items = []
    for name in EMOTIONS:
        dash = " ".join(str(v * EMOTION_WIDTHS[name]) for v in EMOTION_DASHES[name])
        items.append(f'<span><svg width="34" height="8" aria-hidden="true"><line x1="0" y1="4" x2="34" y2="4" '
                     f'stroke="{EMOTION_COLOURS[name]}" stroke-width="{EMOTION_WIDTHS[name]}"'
                     + (f' stroke-dasharray="{dash}"' if dash else "") + f"/></svg>{name}</span>")
    return f'<div class="legend">{"".join(items)}</div>'


def _numbers(values: np.ndarray, places: int) -> list[float | None]:
    return [None if v != v else v for v in np.round(values, places).tolist()]


def _data_url(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def _static(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _script_safe(json_text: str) -> str:
    """JSON that cannot close the <script> holding it (``<\\/`` is the same string in JSON)."""
    return json_text.replace("</", "<\\/")


def _script(path: Path) -> str:
    text = _static(path)
    if "</script" in text.lower():
        raise RuntimeError(f"{path} contains '</script' and cannot be inlined")
    return text


def _e(text: str) -> str:
    return html.escape(str(text), quote=True)
