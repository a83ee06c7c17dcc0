"""Each face's answer in one row: what a study tabulates, where a timeline has a row per frame.

The dominant emotion is the argmax of the face's mean scores over all its rows (one answer per
face, as a person who watched the clip would give it); the shares count the rows in which each
emotion was the top one. A folder of pictures' table names each face's ``file`` and its ``face_id``
in that picture, as the timeline does.
"""

from __future__ import annotations

import csv
import io

from fer_video.emotions import EMOTIONS
from fer_video.io.csv_cells import safe_cells
from fer_video.report.summary import FaceSummary
from fer_video.report.timeline_file import Timeline

COLUMNS = ("face_id", "frames", "seconds", "first_s", "last_s", "dominant_emotion",
           *(f"mean_{name}" for name in EMOTIONS), *(f"share_{name}" for name in EMOTIONS))


def faces_table(timeline: Timeline, summaries: list[FaceSummary]) -> str:
    """The CSV text: one row per face, in the timeline's face order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    pictures = any(face.picture is not None for face in timeline.faces)
    writer.writerow(("file", *COLUMNS) if pictures else COLUMNS)
    for face, summary in zip(timeline.faces, summaries):
        means = face.scores.mean(axis=0)
        writer.writerow(safe_cells([
            *((face.picture, face.id_in_picture) if pictures else (face.face_id,)),
            summary.frames, "" if summary.seconds is None else f"{summary.seconds:.3f}",
            f"{summary.first_s:.3f}", f"{summary.last_s:.3f}", EMOTIONS[int(means.argmax())],
            *(f"{value:.4f}" for value in means), *(f"{summary.shares[name]:.4f}" for name in EMOTIONS),
        ]))
    return out.getvalue()
