"""``summary.csv``: one row per video of a batch, that ``pandas.read_csv`` reads with no options.

It is rewritten, whole and atomically, as videos end (every two seconds at most) and at the end, so
that an interrupted or killed batch still leaves a summary of what it finished, and its presence marks
the folder as a batch's own.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from fer_video.batch.stats import VideoStats
from fer_video.emotions import EMOTIONS
from fer_video.io.atomic import discard, naming, partial_path, publish
from fer_video.io.csv_cells import safe_row

SUMMARY_NAME = "summary.csv"
STATUSES = ("done", "failed", "skipped")
COLUMNS = ("path", "status", "error", "timeline", "duration_s", "frames", "fps", "faces",
           *(f"share_{name}" for name in EMOTIONS), "dominant_emotion", "processing_s", "frames_per_s")


@dataclass
class Row:
    """One video's line: ``done`` (analysed now), ``skipped`` (finished by an earlier run) or ``failed``."""

    path: str
    status: str
    timeline: str = ""
    """The timeline CSV, relative to the output folder."""
    error: str = ""
    stats: VideoStats | None = None
    seconds: float | None = None
    """Processing time in this run; none for a skipped video."""

    def values(self) -> dict[str, object]:
        values: dict[str, object] = {"path": self.path, "status": self.status, "error": self.error,
                                     "timeline": self.timeline if self.status != "failed" else ""}
        stats = self.stats
        if stats is not None:
            values.update(duration_s=round(stats.duration_s, 3), frames=stats.frames, fps=round(stats.fps, 3),
                          faces=stats.faces, dominant_emotion=stats.dominant,
                          **{f"share_{name}": round(stats.shares.get(name, 0.0), 4) for name in EMOTIONS})
        if stats is not None and self.seconds:
            values.update(processing_s=round(self.seconds, 2), frames_per_s=round(stats.frames / self.seconds, 1))
        return values


def summary_text(rows: list[Row]) -> str:
    """The CSV: a header and one line per row, unknown values left empty (pandas reads them as NaN)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(safe_row(row.values()))
    return buffer.getvalue()


def write_summary(folder: Path, rows: list[Row]) -> Path:
    """Replace ``folder/summary.csv`` in one step; never half-written."""
    return write_atomically(Path(folder) / SUMMARY_NAME, summary_text(rows))


def write_atomically(path: Path, text: str) -> Path:
    """Write ``text`` under a name of this run's own beside ``path``, then give it ``path``'s name."""
    partial = partial_path(path)
    try:
        partial.write_text(text, encoding="utf-8")
        publish(partial, path)
    except OSError as error:
        raise naming(error, path) from None
    finally:
        discard(partial, path)
    return path
