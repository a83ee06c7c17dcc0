"""annotate, timeline, webcam and demo: one analysis of a video, picture, folder or camera."""

from __future__ import annotations

import argparse
import signal
from pathlib import Path

from fer_video.application.analysis import is_video, prepare_analysis, sink_for
from fer_video.cli.exit_codes import EXIT_INPUT_PROBLEM
from fer_video.cli.stages import own_sink_options, pipeline_config
from fer_video.io.outputs import check_outputs
from fer_video.messages import UsageError, say
from fer_video.plugins.manager import PluginManager
from fer_video.runtime.config import PipelineConfig


def annotate(args: argparse.Namespace, plugins: PluginManager) -> int:
    """An annotated copy of a video, picture or folder, and any timeline asked for; then the report."""
    config = _annotate_config(args, plugins)
    if args.report is None:
        return _analyse(args, plugins, config, output=Path(args.output))
    from fer_video.report import make_report
    from fer_video.report.facts import run_facts

    timeline_path = args.csv or args.jsonl
    if not timeline_path:
        raise UsageError("--report is made from the timeline: add --csv FILE (or --jsonl FILE)")
    input_path = Path(args.input)
    check_outputs(input_path if input_path.is_file() else None,
                  [Path(args.output), Path(timeline_path), args.report], args.force)  # before the run, not after
    code = _analyse(args, plugins, config, output=Path(args.output))
    if not Path(timeline_path).exists():
        return code
    video = input_path if input_path.is_file() and is_video(input_path) else None
    say(f"wrote {make_report(timeline_path, args.report, video=video, run=run_facts(config), force=True)}")
    return code


def _annotate_config(args: argparse.Namespace, plugins: PluginManager) -> PipelineConfig:
    """``--sink-opt`` may tune the sink annotate picks for ``-o``: the one writing a video or a picture."""
    return pipeline_config(args, plugins, main_sinks=(sink_for(plugins, "video").name,
                                                      sink_for(plugins, "picture").name))


def timeline(args: argparse.Namespace, plugins: PluginManager) -> int:
    """The timeline CSV alone; an output named like a video, picture or JSON file is refused."""
    output = Path(args.output)
    written = sink_for(plugins, "timeline", ".csv")
    others = {suffix for provided in plugins.provided("sink") for suffix in provided.factory.suffixes}
    if output.suffix.lower() in others - set(written.suffixes):
        raise UsageError(f"timeline writes CSV; name the output .csv, not {output.name} "
                         "(--jsonl FILE for JSON Lines, annotate for a video or picture)")
    args.csv = args.output
    return _analyse(args, plugins, pipeline_config(args, plugins))


def webcam(args: argparse.Namespace, plugins: PluginManager) -> int:
    """A live window on the camera; q quits."""
    return _analyse(args, plugins, pipeline_config(args, plugins), source=int(args.device), window=True)


def demo(args: argparse.Namespace, plugins: PluginManager) -> int:
    """The sample video, built, annotated and summed up per face."""
    from fer_video.io.sample_video import make_sample_video

    folder = Path(args.out)
    sample = folder / "sample.mp4"
    check_outputs(None, [sample, folder / "annotated.mp4", folder / "timeline.csv"], args.force)
    say(f"building a 6-second 720p sample video with audio from the astronaut's and Grace Hopper's pictures: {sample}")
    make_sample_video(sample)
    args.input, args.output = str(sample), str(folder / "annotated.mp4")
    args.csv = str(folder / "timeline.csv")
    args.force = True  # checked above: only files --force allowed, and the sample video just built, are replaced
    code = _analyse(args, plugins, _annotate_config(args, plugins), output=Path(args.output))
    if code == 0:
        _print_face_summary(Path(args.csv))
    return code


def _analyse(args: argparse.Namespace, plugins: PluginManager, config: PipelineConfig, *,
             source: str | int | None = None, output: Path | None = None, window: bool = False) -> int:
    analysis = prepare_analysis(config, plugins, args.input if source is None else source, output=output,
                                output_options=own_sink_options(args), window=window, force=args.force,
                                progress=not window and not args.quiet)
    return report(analysis.run(), analysis.outputs)


def report(summary, outputs: list[Path]) -> int:
    """Say what a run did and wrote; the exit code tells an interrupted or truncated run apart."""
    say(f"{summary.frames} frames, {summary.faces} face detections in {summary.seconds:.1f} s "
        f"({summary.fps:.1f} frames/s)")
    for path in outputs:
        if path.exists():
            say(f"wrote {path}")
    for warning in getattr(summary, "warnings", ()):
        say(f"warning: {warning}")
    if summary.interrupted:
        say("interrupted: the outputs above are complete up to the last processed frame")
        return 128 + (summary.signal or signal.SIGINT)
    if summary.stopped_early:
        say(f"warning: {summary.stopped_early}")
        return EXIT_INPUT_PROBLEM
    return 0


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
