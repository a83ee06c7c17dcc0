"""``fer_video.analyze``: the analysis ``fer-video timeline`` runs, its rows kept in memory.

It goes the command's way (the same configuration, stage building and output checks, from
:mod:`fer_video.runtime.config` and :mod:`fer_video.application.analysis`), so its defaults are the command's
and its rows are those the command writes; only the last step differs: a sink that keeps the rows.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from fer_video.application.analysis import prepare_analysis
from fer_video.io.timeline_rows import columns, rows
from fer_video.io.timeline_table import Timeline
from fer_video.plugins.manager import PluginManager
from fer_video.runtime.config import PipelineConfig, stage_choice
from fer_video.types import Frame, RunInfo

Stage = str | Mapping[str, Any] | None


class _KeptRows:
    """A sink that keeps the timeline's rows, as the csv sink would write them."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.columns: list[str] = columns(smoothed=False)
        self._smoothed = self._named = False

    def start(self, run: RunInfo) -> None:
        self._smoothed, self._named = run.smoothed, run.source.kind == "folder"
        self.columns = columns(self._smoothed, self._named)

    def write(self, frame: Frame) -> None:
        self.rows += rows(frame, self._smoothed, self._named)

    def close(self) -> None:
        pass


def analyze(source: str | Path, *, config: str | Path | None = None, detector: Stage = None,
            classifier: Stage = None, tracker: Stage = None, smoother: Stage = None, annotator: Stage = None,
            weights: str | Path | None = None, margin: float | None = None, detect_every: int | None = None,
            classify_every: int | None = None, sinks: Sequence[str | Mapping[str, Any]] = (), force: bool = False,
            progress: bool = False, plugins: PluginManager | None = None) -> Timeline:
    """Analyse a video, a picture or a folder of pictures as ``fer-video timeline`` does; its timeline.

    The options are the command's, named as in a ``pipeline.toml`` (``--detect-every 1`` is
    ``detect_every=1``), with the same defaults: ``config`` a ``pipeline.toml`` to start from; a stage
    by name (``detector="haar"``), as a table with its options (``detector={"name": "haar",
    "min_neighbors": 6}``) or, without a name, options for the stage already chosen (``detector={"model":
    "short"}``, as ``--detector-opt``); ``weights`` (``--weights``), ``margin``, ``detect_every``,
    ``classify_every``; ``sinks`` written too, as ``[[sinks]]`` tables (``{"name": "jsonl", "output":
    "t.jsonl"}``), and refused over an existing file unless ``force``. ``progress`` shows the command's
    progress bar. The stages' one-line notes (which ran, a rotated video) go to stderr as the command's do.

    Ctrl+C raises ``KeyboardInterrupt``; a truncated video is analysed as far as it decodes, with a
    ``UserWarning`` saying where it stopped.
    """
    plugins = plugins or PluginManager()
    chosen = PipelineConfig.from_toml(config) if config is not None else PipelineConfig()
    chosen.with_options(detector=detector, classifier=classifier, tracker=tracker, smoother=smoother,
                        annotator=annotator, weights=weights, margin=margin, detect_every=detect_every,
                        classify_every=classify_every)
    chosen.sinks += [stage_choice(sink, "sinks") for sink in sinks]
    kept = _KeptRows()
    analysis = prepare_analysis(chosen, plugins, str(source), force=force, progress=progress)
    analysis.pipeline.sinks.append(kept)
    summary = analysis.run()
    if summary.interrupted:
        raise KeyboardInterrupt
    for warning in [*summary.warnings, *([summary.stopped_early] if summary.stopped_early else [])]:
        warnings.warn(warning, stacklevel=2)
    return Timeline(kept.rows, kept.columns, summary)

