"""A timeline in memory: its rows as the CSV holds them, read from any timeline file, written as the command writes.

What ``fer_video.analyze`` returns and ``fer_video.read_timeline`` reads: one row per face per analysed
frame, each a dict under the CSV's column names (:mod:`fer_video.io.timeline_rows`), its values typed
(``frame`` an int, ``emotion`` a str, the scores floats).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, overload

from fer_video.emotions import EMOTIONS
from fer_video.io.atomic import AtomicFile
from fer_video.io.csv_cells import real_text, safe_row
from fer_video.io.outputs import check_outputs
from fer_video.io.timeline_rows import BASE_COLUMNS

REQUIRED = (*BASE_COLUMNS, *EMOTIONS)
WHOLE = frozenset({"frame", "face_id", "x", "y", "w", "h"})
REAL = frozenset({"time_s", "detector_score", "confidence", *EMOTIONS, *(f"raw_{name}" for name in EMOTIONS)})


class Timeline(Sequence[dict[str, Any]]):
    """The rows of a timeline, in the order the run wrote them, and its ``columns`` in the CSV's order.

    ``summary`` is the run's ``RunSummary`` (frames, faces, speed) when the timeline comes from
    ``fer_video.analyze``, ``None`` when read from a file.
    """

    def __init__(self, rows: Sequence[dict[str, Any]], columns: Sequence[str], summary: Any = None) -> None:
        self._rows = list(rows)
        self.columns = list(columns)
        self.summary = summary

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index):
        return self._rows[index]

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._rows)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Timeline):
            return self.columns == other.columns and self._rows == other._rows
        return NotImplemented

    def __repr__(self) -> str:
        faces = len({row["face_id"] for row in self._rows})
        return f"<Timeline: {len(self._rows)} rows, {faces} face ids, columns {', '.join(self.columns[:4])}, ...>"

    def to_pandas(self) -> Any:
        """A ``pandas.DataFrame`` with the CSV's columns, one row per face per frame."""
        try:
            import pandas
        except ImportError:
            raise ImportError("Timeline.to_pandas needs pandas: pip install 'fer-video[pandas]'") from None
        return pandas.DataFrame(self._rows, columns=self.columns)

    def to_csv(self, path: Path | str, force: bool = False) -> Path:
        """Write the timeline as ``fer-video timeline`` does, byte for byte; returns the path.

        As the command, it refuses to replace an existing file unless ``force=True``, never replaces a
        folder, and the file appears under its name only once complete.
        """
        path = Path(path)
        try:
            check_outputs(None, [path], force)
        except FileExistsError:
            raise FileExistsError(f"{path} already exists; pass force=True to overwrite it") from None
        path.parent.mkdir(parents=True, exist_ok=True)
        output = AtomicFile(path)
        try:
            with output.path.open("w", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=self.columns)
                writer.writeheader()
                writer.writerows(safe_row(row) for row in self._rows)  # no cell a spreadsheet runs
        except BaseException:
            output.discard()
            raise
        output.publish()
        return path


class NotATimelineError(ValueError):
    """The file is not a timeline fer-video wrote, or lacks some of its columns."""


def timeline_text(path: Path) -> str:
    """The whole text of a timeline file, for either reader (this module's, and the report's columns)."""
    if not path.is_file():
        raise FileNotFoundError(f"timeline {path} does not exist")
    try:
        with path.open(encoding="utf-8", newline="") as handle:  # a picture's name may hold a lone \r
            return handle.read()
    except UnicodeDecodeError:
        raise NotATimelineError(f"{path} is not a timeline: it is not text (give the CSV or JSON Lines "
                                "that annotate, timeline or serve wrote)") from None


def read_timeline(path: Path | str) -> Timeline:
    """The timeline in a CSV or JSON Lines file that any fer-video command wrote (smoothed or not, a
    video's or a folder of pictures'); a file that is not one raises :class:`NotATimelineError` (a
    ``ValueError``) saying why."""
    path = Path(path)
    text = timeline_text(path)
    if text.lstrip().startswith("{") or (not text.strip() and path.suffix.lower() in (".jsonl", ".json")):
        return _json_lines(path, text)
    return _csv(path, text)


def _csv(path: Path, text: str) -> Timeline:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise NotATimelineError(f"{path} is empty: not a timeline (a CSV timeline has at least its header)")
    _check_columns(path, header)
    rows = []
    for number, fields in enumerate(reader, start=2):
        if not fields:
            continue
        if len(fields) != len(header):
            raise NotATimelineError(f"{path} line {number} has {len(fields)} fields where the header has {len(header)}")
        row = {name: _typed(path, number, name, value) for name, value in zip(header, fields)}
        if "file" in row:  # written with a quote in front where a spreadsheet would run it
            row["file"] = real_text(row["file"])
        rows.append(row)
    return Timeline(rows, header)


def _json_lines(path: Path, text: str) -> Timeline:
    rows: list[dict[str, Any]] = []
    columns: list[str] = list(REQUIRED)  # a timeline without faces has no line to name them
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise NotATimelineError(f"{path} line {number} is not JSON ({error.msg}): "
                                    "not a JSON Lines timeline") from None
        if not isinstance(row, dict):
            raise NotATimelineError(f"{path} line {number} is not a JSON object: not a JSON Lines timeline")
        if not rows:
            columns = list(row)
            _check_columns(path, columns)
        elif list(row) != columns:
            raise NotATimelineError(f"{path} line {number} has other keys than the first line")
        rows.append({name: _typed(path, number, name, value) for name, value in row.items()})
    return Timeline(rows, columns)


def _check_columns(path: Path, names: Sequence[str]) -> None:
    missing = [name for name in REQUIRED if name not in names]
    if len(missing) == len(REQUIRED):
        raise NotATimelineError(f"{path} is not a fer-video timeline: its first line names none of the timeline's "
                         f"columns ({', '.join(REQUIRED[:4])}, ...)")
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise NotATimelineError(f"{path} lacks the timeline column{plural} {', '.join(missing)}")


def _typed(path: Path, line: int, name: str, value: Any) -> Any:
    """A CSV field (or a JSON value) as the row held it: a whole number, a float, or text as it is
    (``emotion``, ``file``, and any column a later fer-video may add)."""
    if value is None or (name not in WHOLE and name not in REAL):
        return value
    if name == "face_id" and value == "":  # no tracker ran: the id was None
        return None
    try:
        if name in WHOLE and not isinstance(value, float):
            try:
                return int(value)
            except ValueError:  # a plugin detector's box in fractions of a pixel
                pass
        return float(value)
    except (TypeError, ValueError):
        raise NotATimelineError(f"{path} line {line} has {value!r} in column {name!r}, "
                                "where a number belongs") from None
