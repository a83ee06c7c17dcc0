"""annotate, timeline, webcam and demo: one analysis of a video, picture, folder or camera."""

from __future__ import annotations

import argparse
import os
import signal
from pathlib import Path

from fer_video.cli.parser import EXIT_INPUT_PROBLEM
from fer_video.cli.stages import main_output_options, pipeline_config
from fer_video.messages import UsageError, say
from fer_video.plugins.manager import PluginManager
from fer_video.runtime.config import PipelineConfig, StageChoice
from fer_video.runtime.quiet import native_logs_hidden

VIDEO_SUFFIXES = {".mp4", ".m4v", ".mov"}


def check_outputs(source_path: Path | None, outputs: list[Path], force: bool,
                   folder_output: Path | None = None) -> None:
    """Refuse to overwrite the input, or an existing output without --force, before any work.

    A folder of pictures cannot be written into itself, a folder inside it or one holding it, whatever
    the flags. A device or FIFO (``/dev/null``) is written into, never replaced, so it needs no --force.
    """
    from fer_video.io.atomic import special_kind, written_in_place

    seen = set()
    source = source_path.resolve() if source_path is not None else None
    for output in outputs:
        resolved = output.resolve()
        if source is not None and source.is_dir() and (resolved == source or source in resolved.parents
                                                       or resolved in source.parents):
            where = "the input folder" if resolved == source else (
                "inside the input folder" if source in resolved.parents else "a folder holding the input folder")
            raise UsageError(f"output {output} is {where} {source_path}; "
                             "write the annotated pictures to a folder of their own")
        if source is not None and (resolved == source or (output.exists() and os.path.samefile(output, source))):
            raise UsageError(f"output {output} is the input file; choose another output path")
        if resolved in seen:
            raise UsageError(f"{output} is named as two outputs; give each output its own path")
        seen.add(resolved)
        if output.is_dir() and output != folder_output:
            raise UsageError(f"output {output} is a folder; name a file (--force never replaces a folder)")
        if special_kind(output) is not None and not written_in_place(output):
            raise UsageError(f"output {output} is a {special_kind(output)}; name a file, a FIFO or /dev/null")
        if output.exists() and not force and not written_in_place(output):
            raise FileExistsError(f"output {output} already exists; pass --force to overwrite it")


def build_pipeline(config: PipelineConfig, plugins: PluginManager, source, sinks: list, **options):
    """Build the configured stages (quietly: model loading is noisy) and say which ones run."""
    try:
        with native_logs_hidden():
            stages = config.build(plugins)
    except BaseException:
        source.close()
        raise
    say(f"detector: {config.detector.name}   classifier: {stages['classifier'].description}")
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


def run_analysis(args: argparse.Namespace, plugins: PluginManager, main_output: Path | None,
                 live: bool = False) -> int:
    """Open the source, build the stages and sinks, run, and report; shared by every command."""
    from fer_video.io.sources import open_source

    config = pipeline_config(args)
    source_location = args.input if not live else int(args.device)
    input_path = None if live else Path(args.input)
    if input_path is not None and not input_path.exists():
        raise FileNotFoundError(f"input {input_path} does not exist")
    sink_choices = list(config.sinks)
    if main_output is not None:
        kind = "image" if input_path is not None and (input_path.is_dir() or not _is_video(input_path)) else "video"
        if kind == "video" and main_output.suffix.lower() not in VIDEO_SUFFIXES and not _is_device(main_output):
            raise UsageError(f"annotate writes H.264 MP4 for a video; name the output .mp4, not {main_output.name}")
        if kind == "image" and input_path.is_file() and main_output.suffix.lower() not in _image_suffixes():
            raise UsageError(f"annotate writes a picture for a picture; name the output .jpg or .png, "
                             f"not {main_output.name}")
        sink_choices.insert(0, StageChoice(kind, {**main_output_options(args, kind), "output": str(main_output)}))
    if live:
        sink_choices.insert(0, StageChoice("window"))
    outputs = [Path(c.options["output"]) for c in sink_choices if c.options.get("output")]
    folder_output = main_output if input_path is not None and input_path.is_dir() else None
    check_outputs(input_path, outputs, args.force, folder_output)

    sinks = [plugins.create("sink", c.name, **c.options) for c in sink_choices]  # cheap: fail fast
    pipeline = build_pipeline(config, plugins, open_source(source_location), sinks,
                              progress=not live and not args.quiet)
    return report(pipeline.run(), outputs)


def report(summary, outputs: list[Path], *, stopping_is_normal: bool = False) -> int:
    """Say what a run did and wrote; the exit code tells an interrupted or truncated run apart."""
    say(f"{summary.frames} frames, {summary.faces} face detections in {summary.seconds:.1f} s "
        f"({summary.fps:.1f} frames/s)")
    for path in outputs:
        if path.exists():
            say(f"wrote {path}")
    for warning in getattr(summary, "warnings", ()):
        say(f"warning: {warning}")
    if summary.interrupted and not stopping_is_normal:
        say("interrupted: the outputs above are complete up to the last processed frame")
        return 128 + (summary.signal or signal.SIGINT)
    if summary.stopped_early:
        say(f"warning: {summary.stopped_early}")
        return EXIT_INPUT_PROBLEM
    return 0


def _image_suffixes() -> set[str]:
    from fer_video.io.sources.images import IMAGE_SUFFIXES

    return IMAGE_SUFFIXES


def _is_device(path: Path) -> bool:
    from fer_video.io.atomic import special_kind

    return special_kind(path) == "character device"


def _is_video(path: Path) -> bool:
    from fer_video.io.sources.images import IMAGE_SUFFIXES

    return path.suffix.lower() not in IMAGE_SUFFIXES


def annotate(args, plugins) -> int:
    if args.report is None:
        return run_analysis(args, plugins, Path(args.output))
    return _annotate_with_report(args, plugins)


def _annotate_with_report(args, plugins) -> int:
    """annotate, then the report (page or figure) from the timeline it wrote and the input video."""
    from fer_video.report import make_report
    from fer_video.report.facts import run_facts

    timeline = args.csv or args.jsonl
    if not timeline:
        raise UsageError("--report is made from the timeline: add --csv FILE (or --jsonl FILE)")
    input_path = Path(args.input)
    check_outputs(input_path if input_path.is_file() else None,
                   [Path(args.output), Path(timeline), args.report], args.force)  # before the run, not after
    code = run_analysis(args, plugins, Path(args.output))
    if not Path(timeline).exists():
        return code
    run = run_facts(pipeline_config(args))
    video = input_path if input_path.is_file() and _is_video(input_path) else None
    say(f"wrote {make_report(timeline, args.report, video=video, run=run, force=True)}")
    return code


def timeline(args, plugins) -> int:
    output = Path(args.output)
    if output.suffix.lower() in VIDEO_SUFFIXES | _image_suffixes() | {".jsonl", ".json"}:
        raise UsageError(f"timeline writes CSV; name the output .csv, not {output.name} "
                         "(--jsonl FILE for JSON Lines, annotate for a video or picture)")
    args.csv = args.output
    return run_analysis(args, plugins, None)


def webcam(args, plugins) -> int:
    return run_analysis(args, plugins, None, live=True)


def demo(args, plugins) -> int:
    from fer_video.io.sample_video import make_sample_video

    folder = Path(args.out)
    sample = folder / "sample.mp4"
    check_outputs(None, [sample, folder / "annotated.mp4", folder / "timeline.csv"], args.force)
    say(f"building a 6-second 720p sample video with audio from scikit-image's and matplotlib's pictures: {sample}")
    make_sample_video(sample)
    args.input, args.output = str(sample), str(folder / "annotated.mp4")
    args.csv = str(folder / "timeline.csv")
    args.force = True  # checked above: only files --force allowed, and the sample video just built, are replaced
    code = run_analysis(args, plugins, Path(args.output))
    if code == 0:
        _print_face_summary(Path(args.csv))
    return code


def _print_face_summary(csv_path: Path) -> None:
    import csv
    from collections import Counter, defaultdict

    emotions: dict[str, Counter] = defaultdict(Counter)
    with csv_path.open() as handle:
        for row in csv.DictReader(handle):
            emotions[row["face_id"]][row["emotion"]] += 1
    for face_id, counts in sorted(emotions.items(), key=lambda item: int(item[0])):
        top = ", ".join(f"{name} {n}" for name, n in counts.most_common(3))
        say(f"face #{face_id}: {sum(counts.values())} frames; mostly {top}")
