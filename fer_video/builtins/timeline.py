"""The ``csv`` and ``jsonl`` sinks: the emotion timeline, one row per face per frame."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from fer_video import hookimpl
from fer_video.io.atomic import clean_stale, discard, partial_path, publish, special_kind, written_in_place
from fer_video.io.csv_cells import safe_row
from fer_video.io.timeline_rows import columns, rows
from fer_video.plugins.factories import StageFactory
from fer_video.types import Frame, RunInfo


class _TimelineFile:
    """``force=True`` replaces an existing file, as ``--force`` does (the commands check their outputs
    before building a sink, and tell it so); without it, an existing file is refused before any work."""

    def __init__(self, output: Path | str | None = None, force: bool = False) -> None:
        if output is None:
            raise ValueError("needs an output file (e.g. --csv timeline.csv)")
        self.output = Path(output)
        if special_kind(self.output) in ("socket", "block device"):
            raise ValueError(f"{self.output} is a {special_kind(self.output)}; name a file, a FIFO or /dev/null")
        if self.output.is_dir():
            raise ValueError(f"{self.output} is a folder; name a file (force never replaces a folder)")
        if self.output.exists() and not force and not written_in_place(self.output):
            raise FileExistsError(f"{self.output} already exists; pass force=True to overwrite it")
        self._partial = partial_path(self.output)
        self._handle = None
        self.smoothed = False
        self.named = False

    def start(self, run: RunInfo) -> None:
        self.smoothed = run.smoothed
        self.named = run.source.kind == "folder"  # rows of a folder of pictures name their picture
        self.output.parent.mkdir(parents=True, exist_ok=True)
        clean_stale(self.output)
        try:
            self._handle = self._partial.open("w", newline="")
        except OSError as error:  # say the output's name, not the partial one's
            raise OSError(error.errno, error.strerror, str(self.output)) from None

    def write(self, frame: Frame) -> None:
        try:
            self._write_rows(frame)
        except OSError as error:
            raise self._named(error) from None

    def _write_rows(self, frame: Frame) -> None:
        raise NotImplementedError

    def _named(self, error: OSError) -> OSError:
        """``error`` naming the output: a write to a full disk names no file of its own."""
        if error.filename is not None or isinstance(error, FileExistsError):  # publish's own names it
            return error
        return OSError(error.errno, error.strerror or str(error), str(self.output))

    def discard(self) -> None:
        if self._handle is not None:
            handle, self._handle = self._handle, None
            try:
                handle.close()
            except OSError:  # what it could not flush (a full disk) is thrown away anyway
                pass
        discard(self._partial, self.output)

    def close(self) -> None:
        if self._handle is not None:
            handle, self._handle = self._handle, None
            try:
                handle.close()  # the last rows reach the disk here, which may be full
                publish(self._partial, self.output)
            except OSError as error:  # never leave the partial file behind
                discard(self._partial, self.output)
                raise self._named(error) from None


class CsvSink(_TimelineFile):
    """Tidy CSV that ``pandas.read_csv`` reads as is; a frame with no face adds no row. A picture named
    like a formula (``=HYPERLINK(...).jpg``) is quoted so that a spreadsheet shows it as text."""

    def start(self, run: RunInfo) -> None:
        super().start(run)
        self._writer = csv.DictWriter(self._handle, fieldnames=columns(self.smoothed, self.named))
        self._writer.writeheader()

    def _write_rows(self, frame: Frame) -> None:
        self._writer.writerows(map(safe_row, rows(frame, self.smoothed, self.named)))


class JsonLinesSink(_TimelineFile):
    """The same rows as the CSV, one JSON object per line."""

    def _write_rows(self, frame: Frame) -> None:
        for row in rows(frame, self.smoothed, self.named):
            self._handle.write(json.dumps(row) + "\n")


@hookimpl
def fer_video_sinks() -> list[StageFactory]:
    return [
        StageFactory("csv", CsvSink, "tidy emotion timeline CSV (output=FILE, force=false)", writes="timeline",
                     suffixes=(".csv",)),
        StageFactory("jsonl", JsonLinesSink, "the timeline as JSON Lines (output=FILE, force=false)", writes="timeline",
                     suffixes=(".jsonl", ".json")),
    ]
