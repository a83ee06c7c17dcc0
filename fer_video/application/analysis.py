"""One analysis as the commands run it: sinks picked by what they write, outputs checked, stages built.

``annotate``, ``timeline``, ``webcam``, ``demo`` and ``serve`` differ only in the source and the sinks
they ask for; this is what they share. It knows no sink by name: a command asks for "the sink that
writes a video" (or a picture, a timeline, a window, a page) and the installed plugins answer, so a
plugin's sink can take the place of a built-in one.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fer_video.io.outputs import check_outputs, is_device
from fer_video.messages import UsageError, say
from fer_video.plugins.factories import StageFactory
from fer_video.plugins.manager import PluginManager, UnknownStageError
from fer_video.protocols import describe
from fer_video.runtime.config import PipelineConfig, StageChoice
from fer_video.runtime.pipeline import Pipeline
from fer_video.runtime.quiet import native_logs_hidden


def sink_for(plugins: PluginManager, writes: str, suffix: str | None = None) -> StageFactory:
    """The installed sink that writes ``writes`` (and takes ``suffix``); the last plugin's, as for names."""
    matches = [p.factory for p in plugins.provided("sink")
               if p.factory.writes == writes and (suffix is None or suffix in p.factory.suffixes)]
    if not matches:
        raise UnknownStageError(f"no installed sink writes {writes}" + (f" ({suffix})" if suffix else "")
                                + "; `fer-video plugins` lists the sinks")
    return matches[-1]


def is_video(path: Path) -> bool:
    """A file read as a video: anything but a picture (``open_source`` decides the same way)."""
    from fer_video.io.sources.images import IMAGE_SUFFIXES

    return path.suffix.lower() not in IMAGE_SUFFIXES


def output_sink(plugins: PluginManager, input_path: Path, output: Path) -> StageFactory:
    """The sink for ``annotate INPUT -o OUTPUT``: a video for a video, a picture for a picture, a folder of
    pictures for a folder; an output name that sink does not write is refused before any work."""
    medium = "picture" if input_path.is_dir() or not is_video(input_path) else "video"
    factory = sink_for(plugins, medium)
    named = output.suffix.lower() in factory.suffixes
    if medium == "video" and not named and not is_device(output):
        raise UsageError(f"annotate writes a video for a video; name the output {_usual(factory)}, not {output.name}")
    if medium == "picture" and input_path.is_file() and not named:
        raise UsageError(f"annotate writes a picture for a picture; name the output {_usual(factory)}, "
                         f"not {output.name}")
    return factory


def _usual(factory: StageFactory) -> str:
    return " or ".join(factory.suffixes[:2])


def build_pipeline(config: PipelineConfig, plugins: PluginManager, source: Any, sinks: list,
                   **options: Any) -> Pipeline:
    """Build the configured stages (quietly: model loading is noisy) and say which ones run."""
    try:
        with native_logs_hidden():
            stages = config.build(plugins)
    except BaseException:
        source.close()
        raise
    say(f"detector: {config.detector.name}   classifier: {describe(stages['classifier'])}")
    say(f"tracker: {config.tracker.name}   smoother: {config.smoother.name}")
    rotation = getattr(getattr(source, "info", None), "rotation", 0)
    if rotation:
        say(f"rotation: the video's display matrix turns it {rotation} degrees; frames are analysed and "
            "written upright, as players show them")
    info = getattr(source, "info", None)
    if getattr(info, "variable_rate", False):
        say(f"variable frame rate: time_s is each frame's presentation time; an annotated copy is resampled "
            f"to a constant {info.fps:g} fps (frames repeated or left out) so its audio stays in sync")
    return config.pipeline(source, stages, sinks, **options)


@dataclass
class Analysis:
    """A pipeline ready to run, and the files it will write."""

    pipeline: Pipeline
    outputs: list[Path] = field(default_factory=list)

    def run(self) -> Any:
        """Run to the end of the source (or Ctrl+C); the run's summary."""
        return self.pipeline.run()


def prepare_analysis(config: PipelineConfig, plugins: PluginManager, source: str | int, *,
                     output: Path | None = None, output_options: Mapping[str, dict] | None = None,
                     window: bool = False, sinks: list[StageChoice] | None = None, force: bool = False,
                     source_options: dict | None = None, **pipeline_options: Any) -> Analysis:
    """Check everything that can be checked cheaply, then build the sinks, the source and the stages.

    ``output`` is annotate's ``-o`` (its sink picked by :func:`output_sink`, with ``output_options[name]``),
    ``window`` adds the sink that shows a window, ``sinks`` replace the config's (``serve`` hands its
    page's sink first). Nothing is written, and no model loaded, until the paths pass :func:`check_outputs`.
    """
    from fer_video.io.sources import open_source

    input_path = None if isinstance(source, int) or str(source).isdigit() else Path(source)
    if input_path is not None and not input_path.exists():
        raise FileNotFoundError(f"input {input_path} does not exist")
    choices = list(config.sinks if sinks is None else sinks)
    if output is not None:
        name = output_sink(plugins, input_path, output).name
        choices.insert(0, StageChoice(name, {**(output_options or {}).get(name, {}), "output": str(output)}))
    if window:
        choices.insert(0, StageChoice(sink_for(plugins, "window").name))
    outputs = [Path(c.options["output"]) for c in choices if c.options.get("output")]
    folder_output = output if input_path is not None and input_path.is_dir() else None
    check_outputs(input_path, outputs, force, folder_output)

    built = [_checked_sink(plugins, c) for c in choices]  # cheap: fail fast
    pipeline = build_pipeline(config, plugins, open_source(source, **(source_options or {})), built,
                              **pipeline_options)
    return Analysis(pipeline, outputs)


def _checked_sink(plugins: PluginManager, choice: StageChoice) -> Any:
    """The sink, told its output passed :func:`check_outputs` when it names a ``force`` parameter (the csv
    sink refuses an existing file on its own, for a program that builds it without a command around it)."""
    options = dict(choice.options)
    create = plugins.find("sink", choice.name).factory.create
    try:
        takes_force = "force" in inspect.signature(create).parameters
    except (TypeError, ValueError):  # a callable without a signature
        takes_force = False
    if takes_force and options.get("output"):
        options.setdefault("force", True)
    return plugins.create("sink", choice.name, **options)
