"""``index.html`` of a batch with ``--report``: the summary table, each video linked to its page.

Styled like the report pages (their stylesheet inlined) and under the same Content-Security-Policy,
so the folder of pages opens offline, from a USB stick, and asks no server for anything.
"""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import quote

from fer_video.batch.summary import Row, write_atomically
from fer_video.emotions import EMOTIONS
from fer_video.report.page import OWN_STATIC, POLICY, WEB_STATIC

INDEX_NAME = "index.html"


def render_index(rows: list[Row], pages: dict[str, str]) -> str:
    """The page; ``pages`` maps a row's path to its report page, relative to the index."""
    style = "\n".join((folder / name).read_text(encoding="utf-8")
                       for folder, name in ((WEB_STATIC, "theme.css"), (OWN_STATIC, "report.css")))
    counts = {status: sum(row.status == status for row in rows) for status in ("done", "skipped", "failed")}
    head = ["video", "status", "duration", "faces", "dominant", *EMOTIONS, "frames/s", "timeline"]
    lines = []
    for row in rows:
        values = row.values()
        page = pages.get(row.path)
        name = html.escape(row.path)
        cells = [f'<a href="{quote(page)}">{name}</a>' if page and row.status != "failed" else name,
                 html.escape(row.status) + (f"<br><span class=muted>{html.escape(row.error)}</span>"
                                            if row.error else "")]
        if row.stats is not None:
            cells += [f"{values['duration_s']:.1f} s", str(values["faces"]), html.escape(row.stats.dominant or "none")]
            cells += [f"{100 * row.stats.shares.get(emotion, 0.0):.0f}%" for emotion in EMOTIONS]
            cells.append(f"{values['frames_per_s']:.0f}" if "frames_per_s" in values else "")
        else:
            cells += [""] * (3 + len(EMOTIONS) + 1)
        timeline = values["timeline"]
        cells.append(f'<a href="{quote(str(timeline))}">{html.escape(str(timeline))}</a>' if timeline else "")
        lines.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    return "\n".join([
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>fer-video batch</title>",
        f"<style>{style}</style></head><body>",
        "<header><h1>fer-video <span>batch</span></h1></header>",
        "<main>",
        f"<p>{len(rows)} videos: {counts['done']} analysed in this run, {counts['skipped']} finished before, "
        f"{counts['failed']} failed. The numbers are in <a href=\"summary.csv\">summary.csv</a>.</p>",
        '<table class="overview"><thead><tr>' + "".join(f"<th>{html.escape(h)}</th>" for h in head)
        + "</tr></thead><tbody>",
        *lines,
        "</tbody></table></main></body></html>",
        "",
    ])


def write_index(folder: Path, rows: list[Row], pages: dict[str, str]) -> Path:
    """Replace ``folder/index.html`` in one step."""
    return write_atomically(Path(folder) / INDEX_NAME, render_index(rows, pages))
