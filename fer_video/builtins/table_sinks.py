"""The ``csv`` and ``jsonl`` sinks: the emotion timeline, one row per face per frame."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from fer_video import hookimpl
from fer_video.atomic import clean_stale, discard, partial_path, publish, special_kind
from fer_video.frame import Frame, RunInfo
from fer_video.registry import StageFactory
from fer_video.timeline import columns, rows


class _TimelineFile:
    def __init__(self, output: Path | str | None = None) -> None:
        if output is None:
            raise ValueError("needs an output file (e.g. --csv timeline.csv)")
        self.output = Path(output)
        if special_kind(self.output) in ("socket", "block device"):
            raise ValueError(f"{self.output} is a {special_kind(self.output)}; name a file, a FIFO or /dev/null")
        self._partial = partial_path(self.output)
        self._handle = None
        self.smoothed = False
        self.named = False

    def start(self, run: RunInfo) -> None:
        self.smoothed = run.smoothed
        self.named = run.source.kind == "folder"  # rows of a folder of pictures name their picture
        self.output.parent.mkdir(parents=True, exist_ok=True)
        clean_stale(self.output)
        self._handle = self._partial.open("w", newline="")

    def discard(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        discard(self._partial, self.output)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
            try:
                publish(self._partial, self.output)
            except OSError:  # never leave the partial file behind
                discard(self._partial, self.output)
                raise


class CsvSink(_TimelineFile):
    """Tidy CSV that ``pandas.read_csv`` reads as is; a frame with no face adds no row."""

    def start(self, run: RunInfo) -> None:
        super().start(run)
        self._writer = csv.DictWriter(self._handle, fieldnames=columns(self.smoothed, self.named))
        self._writer.writeheader()

    def write(self, frame: Frame) -> None:
        self._writer.writerows(rows(frame, self.smoothed, self.named))


class JsonLinesSink(_TimelineFile):
    """The same rows as the CSV, one JSON object per line."""

    def write(self, frame: Frame) -> None:
        for row in rows(frame, self.smoothed, self.named):
            self._handle.write(json.dumps(row) + "\n")


@hookimpl
def fer_video_sinks() -> list[StageFactory]:
    return [
        StageFactory("csv", CsvSink, "tidy emotion timeline CSV (output=FILE)"),
        StageFactory("jsonl", JsonLinesSink, "the timeline as JSON Lines (output=FILE)"),
    ]
