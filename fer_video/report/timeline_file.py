"""Reading a timeline fer-video wrote (CSV or JSON Lines, smoothed or not) back into per-face arrays.

A report must work on any timeline the project writes, and say plainly when a file is not one:
the columns are those of :mod:`fer_video.io.timeline_rows`, the ``raw_*`` scores are optional.
A folder of pictures' timeline names each row's ``file``: its pictures are unrelated, so each face
of each picture is a face of its own, numbered through the report in picture order.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fer_video.emotions import EMOTIONS
from fer_video.io.csv_cells import real_text
from fer_video.io.timeline_rows import BASE_COLUMNS
from fer_video.io.timeline_table import NotATimelineError, timeline_text

REQUIRED = (*BASE_COLUMNS, *EMOTIONS)
RAW = tuple(f"raw_{name}" for name in EMOTIONS)
_NUMERIC = tuple(name for name in REQUIRED if name != "emotion")


@dataclass
class FaceTrack:
    """Every row of one face id, in frame order."""

    face_id: int
    frames: np.ndarray
    """Frame index per row (int64)."""
    times: np.ndarray
    """``time_s`` per row (float64)."""
    boxes: np.ndarray
    """``x, y, w, h`` per row (int64, shape (n, 4))."""
    detector_scores: np.ndarray
    scores: np.ndarray
    """The seven scores per row in :data:`EMOTIONS` order (smoothed ones when a smoother ran)."""
    top: np.ndarray
    """Index into :data:`EMOTIONS` of the row's ``emotion`` column."""
    picture: str | None = None
    """The picture this face is in (a folder of pictures' timeline); ``None`` for a video's."""
    id_in_picture: int | None = None
    """The ``face_id`` the timeline gives it within its picture."""


@dataclass
class Timeline:
    """A whole timeline: its faces, and what the file itself tells about the run."""

    path: Path
    faces: list[FaceTrack]
    rows: int
    smoothed: bool
    """The file has the ``raw_*`` columns: a smoother ran and its scores are the ones drawn."""
    fps: float | None
    """Frames per second, from ``time_s = frame / fps``; ``None`` for pictures (no time axis)."""
    last_frame: int
    """The highest frame index with a face; -1 for a timeline without faces."""
    frame_step: int = 1
    """The usual step between the frames the timeline has faces on: 1 for a file, read frame by frame;
    more for a live source whose analysis skipped frames to keep up. A face missing for a longer step
    was not seen (see :func:`fer_video.report.downsample.drawn_points`)."""

    def face(self, face_id: int) -> FaceTrack:
        return next(face for face in self.faces if face.face_id == face_id)


def read_timeline(path: Path | str) -> Timeline:
    """Read a CSV or JSON Lines timeline; raise :class:`NotATimelineError` with a one-line reason."""
    path = Path(path)
    text = timeline_text(path)
    stripped = text.lstrip()
    if not stripped:
        if path.suffix.lower() in (".jsonl", ".json"):
            return _from_columns(path, {name: [] for name in REQUIRED}, smoothed=False)  # no face, no line
        raise NotATimelineError(f"{path} is empty: not a timeline (a CSV timeline has at least its header)")
    if stripped.startswith("{"):
        columns, smoothed = _jsonl_columns(path, text)
    else:
        columns, smoothed = _csv_columns(path, text)
    return _from_columns(path, columns, smoothed)


def _check_header(path: Path, names: list[str], line: str) -> bool:
    present = set(names)
    if not present & set(REQUIRED):
        raise NotATimelineError(f"{path} is not a fer-video timeline: its {line} names none of the timeline's "
                                f"columns ({', '.join(REQUIRED[:4])}, ...)")
    missing = [name for name in REQUIRED if name not in present]
    if missing:
        raise NotATimelineError(f"{path} lacks the timeline column{'s' if len(missing) > 1 else ''} "
                                f"{', '.join(missing)}; it needs {', '.join(REQUIRED)}")
    return all(name in present for name in RAW)


def _csv_columns(path: Path, text: str) -> tuple[dict[str, list], bool]:
    # Records as the csv module wrote them: a quoted field (a picture's name) may hold a line break
    # or a character such as U+2028 that str.splitlines() would cut a row at.
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip() for name in next(reader)]
    smoothed = _check_header(path, header, "first line")
    wanted = [*REQUIRED, *(RAW if smoothed else ()), *(("file",) if "file" in header else ())]
    positions = [header.index(name) for name in wanted]
    columns: dict[str, list] = {name: [] for name in wanted}
    lists = [columns[name] for name in wanted]
    for number, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) != len(header):
            raise NotATimelineError(f"{path} line {number} has {len(row)} fields where the header has {len(header)}")
        for values, position in zip(lists, positions):
            values.append(row[position])
    if "file" in columns:  # as written, a name that looks like a formula starts with a quote
        columns["file"] = [real_text(name) for name in columns["file"]]
    return columns, smoothed


def _jsonl_columns(path: Path, text: str) -> tuple[dict[str, list], bool]:
    columns: dict[str, list] | None = None
    smoothed = False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise NotATimelineError(f"{path} line {number} is not JSON ({error.msg}): not a JSON Lines timeline") \
                from None
        if not isinstance(row, dict):
            raise NotATimelineError(f"{path} line {number} is not a JSON object: not a JSON Lines timeline")
        if columns is None:
            smoothed = _check_header(path, list(row), "first line")
            named = ("file",) if "file" in row else ()
            columns = {name: [] for name in (*REQUIRED, *(RAW if smoothed else ()), *named)}
        for name, values in columns.items():
            if name not in row:
                raise NotATimelineError(f"{path} line {number} lacks {name!r}, which the first line has")
            values.append(row[name])
    assert columns is not None  # the text is not blank
    return columns, smoothed


def _numbers(path: Path, name: str, values: list) -> np.ndarray:
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        for number, value in enumerate(values):
            try:
                float(value)
            except (TypeError, ValueError):
                raise NotATimelineError(f"{path}: row {number + 1} has {value!r} in column {name!r}, "
                                        "where a number belongs") from None
        raise


def _from_columns(path: Path, columns: dict[str, list], smoothed: bool) -> Timeline:
    numbers = {name: _numbers(path, name, columns[name]) for name in _NUMERIC}
    known = {name: i for i, name in enumerate(EMOTIONS)}
    unknown = sorted({str(name) for name in columns["emotion"]} - set(known))
    if unknown:
        raise NotATimelineError(f"{path}: column 'emotion' holds {', '.join(map(repr, unknown[:3]))}, "
                                f"not one of {', '.join(EMOTIONS)}")
    top = np.asarray([known[name] for name in columns["emotion"]], dtype=np.int64)
    frames = numbers["frame"].astype(np.int64)
    if len(frames) and frames.min() < 0:
        raise NotATimelineError(f"{path}: column 'frame' has negative frame numbers")
    ids = numbers["face_id"].astype(np.int64)
    scores = np.stack([numbers[name] for name in EMOTIONS], axis=1).astype(np.float32) if len(frames) \
        else np.zeros((0, len(EMOTIONS)), np.float32)
    boxes = np.stack([numbers[name] for name in ("x", "y", "w", "h")], axis=1).astype(np.int64) if len(frames) \
        else np.zeros((0, 4), np.int64)
    pictures = "file" in columns
    # A video's face is one id through its frames; a picture folder's, one id in one picture.
    order = np.lexsort((ids, frames)) if pictures else np.lexsort((frames, ids))
    keys = np.stack([frames, ids], axis=1)[order] if pictures else ids[order, None]
    faces = []
    for rows in np.split(order, np.flatnonzero(np.any(np.diff(keys, axis=0) != 0, axis=1)) + 1) if len(order) else []:
        first = rows[0]
        face_id = len(faces) if pictures else int(ids[first])
        faces.append(FaceTrack(face_id, frames[rows], numbers["time_s"][rows], boxes[rows],
                               numbers["detector_score"][rows], scores[rows], top[rows],
                               picture=str(columns["file"][first]) if pictures else None,
                               id_in_picture=int(ids[first]) if pictures else None))
    return Timeline(path=path, faces=faces, rows=len(frames), smoothed=smoothed,
                    fps=_frame_rate(frames, numbers["time_s"]), last_frame=int(frames.max()) if len(frames) else -1,
                    frame_step=_frame_step(frames))


def _frame_step(frames: np.ndarray) -> int:
    """The median step between the distinct frames that have faces (1 with fewer than two)."""
    steps = np.diff(np.unique(frames))
    return max(1, int(np.median(steps))) if len(steps) else 1


def _frame_rate(frames: np.ndarray, times: np.ndarray) -> float | None:
    """``frame / time_s`` (rounded to 6 places when written, so the median of many rows is exact enough)."""
    timed = (frames > 0) & (times > 0)
    if not timed.any():
        return None
    return float(np.median(frames[timed] / times[timed]))
