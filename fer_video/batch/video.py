"""One video of a batch: analysed as ``fer-video timeline`` would, its outputs published together.

The detector and classifier (the models) are built once per worker by :class:`Analyser`; each video
gets a fresh tracker and smoother, so its face ids and smoothing start afresh as in a run of its own,
and its timeline is the same, byte for byte. The sinks write under names of this run's own
(:func:`fer_video.io.atomic.partial_path`) and the outputs take their final names only once the whole
video is done: an interrupted video leaves nothing a later run could take for finished.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fer_video.application.analysis import sink_for
from fer_video.batch.stats import VideoStats, timeline_stats
from fer_video.io.atomic import discard, partial_path, publish
from fer_video.plugins.manager import PluginManager
from fer_video.runtime.config import PipelineConfig, StageChoice
from fer_video.runtime.pipeline import Pipeline
from fer_video.runtime.quiet import native_logs_hidden
from fer_video.types import Frame, RunInfo

TIMELINE_FORMATS = ("csv", "jsonl", "parquet")


class VideoFailed(RuntimeError):
    """The video could not be analysed to its end (a damaged or truncated file): nothing is published."""


@dataclass(frozen=True)
class Wanted:
    """What a batch writes for each video, beside the timeline CSV that is always written."""

    formats: tuple[str, ...] = ("csv",)
    """``csv`` always, ``jsonl`` and ``parquet`` when asked."""
    annotate: bool = False
    video_options: dict = field(default_factory=dict)
    """``--sink-opt video.KEY=VALUE`` for the annotated MP4."""
    report: bool = False

    def suffixes(self) -> list[str]:
        """The outputs of one video, by extension; the page comes last, made from the published timeline."""
        return [f".{kind}" for kind in self.formats] + [".mp4"] * self.annotate + [".html"] * self.report


@dataclass
class VideoResult:
    """What analysing one video measured; the summary's row is made from it."""

    stats: VideoStats
    seconds: float
    """Wall time in the worker: analysis, publishing and the page."""


class Analyser:
    """The configured stages for many videos: the models loaded once, tracking and smoothing per video."""

    def __init__(self, config: PipelineConfig, plugins: PluginManager | None = None) -> None:
        self.config = config
        self.plugins = plugins or PluginManager()
        with native_logs_hidden():  # model loading is noisy
            self.detector = config.build_stage(self.plugins, "detector")
            self.classifier = config.build_stage(self.plugins, "classifier")

    def pipeline(self, video: Path, sinks: list) -> Pipeline:
        """The pipeline ``timeline`` would build for ``video``, around the models loaded once."""
        from fer_video.io.sources import IMAGE_SUFFIXES, open_source

        if video.suffix.lower() in IMAGE_SUFFIXES:
            raise VideoFailed(f"{video} is a picture; batch analyses videos (fer-video annotate takes pictures "
                              "and folders of them)")

        stages = {"detector": self.detector, "classifier": self.classifier,
                  "tracker": self.config.build_stage(self.plugins, "tracker"),
                  "smoother": self.config.build_stage(self.plugins, "smoother"),
                  "annotator": self.config.build_stage(self.plugins, "annotator")}
        return self.config.pipeline(open_source(video), stages, sinks, keep_open=(self.detector, self.classifier))


class FrameCounter:
    """A sink that tells the batch's progress bar how many frames were analysed, twice a second at most."""

    def __init__(self, report: Callable[[int], None], every_s: float = 0.5) -> None:
        self.report = report
        self.every_s = every_s
        self._pending = 0
        self._last = 0.0

    def start(self, run: RunInfo) -> None:
        self._last = time.monotonic()

    def write(self, frame: Frame) -> None:
        self._pending += 1
        if time.monotonic() - self._last >= self.every_s:
            self._flush()

    def close(self) -> None:
        self._flush()

    def _flush(self) -> None:
        if self._pending:
            self.report(self._pending)
        self._pending, self._last = 0, time.monotonic()


def analyse_video(analyser: Analyser, video: Path, outputs: dict[str, Path], wanted: Wanted,
                  on_frames: Callable[[int], None] | None = None) -> VideoResult:
    """Analyse ``video`` and publish its ``outputs`` (final paths by extension) only once all are made.

    A video that fails, or stops early, raises with nothing published (``VideoFailed`` for a truncated
    one); Ctrl+C (a ``KeyboardInterrupt``) discards what this video began and is raised again.
    """
    started = time.perf_counter()
    staged = {suffix: partial_path(final) for suffix, final in outputs.items() if suffix != ".html"}
    plugins = analyser.plugins
    choices = [StageChoice(sink_for(plugins, "timeline", ".csv").name, {"output": str(staged[".csv"])})]
    if ".jsonl" in staged:
        choices.append(StageChoice(sink_for(plugins, "timeline", ".jsonl").name, {"output": str(staged[".jsonl"])}))
    if ".mp4" in staged:
        choices.insert(0, StageChoice(sink_for(plugins, "video").name,
                                      {**wanted.video_options, "output": str(staged[".mp4"])}))
    try:
        sinks = [plugins.create("sink", choice.name, **choice.options) for choice in choices]
        if on_frames is not None:
            sinks.append(FrameCounter(on_frames))
        pipeline = analyser.pipeline(video, sinks)
        summary = pipeline.run()
        if summary.interrupted:
            raise KeyboardInterrupt
        if summary.stopped_early:  # kept by ``timeline`` alone; a batch keeps only whole videos, so resuming is sure
            said = summary.stopped_early.split("; the outputs cover")[0]
            raise VideoFailed(f"{said}; nothing kept (fer-video timeline on it alone keeps what decodes)")
        if ".parquet" in staged:
            _parquet_from_csv(staged[".csv"], staged[".parquet"])
        stats = timeline_stats(staged[".csv"], frames=summary.frames, fps=pipeline.source.info.fps)
        for suffix, partial in staged.items():
            publish(partial, outputs[suffix])
    finally:
        for suffix, partial in staged.items():
            discard(partial, outputs[suffix])  # nothing left once published; all of them after a failure
    if ".html" in outputs:
        _page(analyser.config, outputs[".csv"], video, outputs[".html"])
    return VideoResult(stats, time.perf_counter() - started)


def _parquet_from_csv(csv_path: Path, parquet_path: Path) -> None:
    """The timeline as Parquet, columns typed as pandas reads the CSV."""
    from pyarrow import csv as arrow_csv
    from pyarrow import parquet

    parquet.write_table(arrow_csv.read_csv(csv_path), parquet_path)


def _page(config: PipelineConfig, timeline: Path, video: Path, output: Path) -> None:
    """The video's report page (see :mod:`fer_video.report`), with the stages that made the timeline."""
    from fer_video.report import make_report
    from fer_video.report.facts import run_facts

    make_report(timeline, output, video=video, run=run_facts(config), force=True)
