"""The ``fer-video`` command: annotate, timeline, batch, webcam, serve, report, demo, plugins, train, evaluate."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from dataclasses import replace
from pathlib import Path

from fer_video.models.tta import TTA_MODES
from fer_video.plugins.manager import PluginError, PluginManager, UnknownStageError
from fer_video.runtime.config import SINGLE_STAGES, PipelineConfig, StageChoice, parse_option
from fer_video.runtime.quiet import native_logs_hidden

VIDEO_SUFFIXES = {".mp4", ".m4v", ".mov"}
EXIT_INPUT_PROBLEM = 1  # the input (or a stage on it) failed; a truncated video was processed as far as it decodes
EXIT_USAGE = 2  # a wrong command line, option or output path: nothing was run
EXIT_INTERRUPTED = 128 + signal.SIGINT  # Ctrl+C: 130; SIGTERM 143 and SIGHUP 129 end a run the same way


class UsageError(ValueError):
    """The command line asks for something fer-video refuses to do (exit code 2): nothing was run."""


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP (``timeout``, a job scheduler, a closed terminal): ends a run like Ctrl+C,
    so its outputs are finished up to the last frame, and the exit code is 128 + the signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _terminate(signum: int, frame) -> None:
    raise Terminated(signum)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- analysis commands -------------------------------------------------------------------


def _pipeline_config(args: argparse.Namespace) -> PipelineConfig:
    config = PipelineConfig.from_toml(args.config) if args.config else PipelineConfig()
    for kind in SINGLE_STAGES:
        name = getattr(args, kind)
        if name:
            setattr(config, kind, StageChoice(name))
        for text in getattr(args, f"{kind}_opt") or []:
            key, value = parse_option(text)
            getattr(config, kind).options[key] = value
    if args.weights:
        if not Path(args.weights).exists():
            raise FileNotFoundError(f"--weights {args.weights} does not exist; name a .tflite, .keras or .h5 file")
        config.classifier.options["weights"] = args.weights
    if args.margin is not None:
        config.margin = args.margin
    if args.detect_every is not None:
        config.detect_every = args.detect_every
    for name in args.sink or []:
        config.sinks.append(StageChoice(name))
    main_kinds = ("video", "image") if getattr(args, "output", None) and args.command == "annotate" else ()
    if args.command == "batch" and args.annotate:
        main_kinds = ("video",)  # --sink-opt video.preset=... for each annotated MP4
    if args.command == "serve":
        main_kinds = ("web",)  # --sink-opt web.max_viewers=... for the page's own sink
    for target, key, value in _sink_options(args):
        matches = [choice for choice in config.sinks if choice.name == target]
        if matches:
            matches[-1].options[key] = value
        elif target not in main_kinds:
            raise ValueError(f"--sink-opt {target}.{key}=... names no sink given with --sink "
                             "(video.key=value / image.key=value set annotate's -o output)")
    if getattr(args, "csv", None):
        config.sinks.append(StageChoice("csv", {"output": args.csv}))
    if getattr(args, "jsonl", None):
        config.sinks.append(StageChoice("jsonl", {"output": args.jsonl}))
    return config


def _sink_options(args: argparse.Namespace) -> list[tuple[str, str, object]]:
    """``--sink-opt SINK.key=value`` as (sink, key, value)."""
    options = []
    for text in args.sink_opt or []:
        target, _, option = text.partition(".")
        if not target or not option:
            raise ValueError(f"--sink-opt {text!r} must look like SINK.key=value")
        options.append((target, *parse_option(option)))
    return options


def _main_output_options(args: argparse.Namespace, kind: str) -> dict:
    """``--sink-opt video.preset=veryfast`` and the like for the -o output, unless a --sink of that kind takes them."""
    if kind in (args.sink or []):
        return {}
    return {key: value for target, key, value in _sink_options(args) if target == kind}


def _check_outputs(source_path: Path | None, outputs: list[Path], force: bool,
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

    config = _pipeline_config(args)
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
        sink_choices.insert(0, StageChoice(kind, {**_main_output_options(args, kind), "output": str(main_output)}))
    if live:
        sink_choices.insert(0, StageChoice("window"))
    outputs = [Path(c.options["output"]) for c in sink_choices if c.options.get("output")]
    folder_output = main_output if input_path is not None and input_path.is_dir() else None
    _check_outputs(input_path, outputs, args.force, folder_output)

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


def _annotate(args, plugins) -> int:
    if args.report is None:
        return run_analysis(args, plugins, Path(args.output))
    return _annotate_with_report(args, plugins)


def _annotate_with_report(args, plugins) -> int:
    """annotate, then the report (page or figure) from the timeline it wrote and the input video."""
    from fer_video.report import make_report
    from fer_video.report.facts import run_facts

    timeline = args.csv or args.jsonl
    if not timeline:
        say("fer-video: error: --report is made from the timeline: add --csv FILE (or --jsonl FILE)")
        return EXIT_USAGE
    input_path = Path(args.input)
    _check_outputs(input_path if input_path.is_file() else None,
                   [Path(args.output), Path(timeline), args.report], args.force)  # before the run, not after
    code = run_analysis(args, plugins, Path(args.output))
    if not Path(timeline).exists():
        return code
    run = run_facts(_pipeline_config(args))
    video = input_path if input_path.is_file() and _is_video(input_path) else None
    say(f"wrote {make_report(timeline, args.report, video=video, run=run, force=True)}")
    return code


def _report_output(text: str) -> Path:
    """-o of ``report``: its extension picks the page or the figure; another is a usage error."""
    from fer_video.report import output_kind

    try:
        output_kind(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return Path(text)


def _batch(args, plugins) -> int:
    """Many videos, each as ``timeline`` (and ``annotate``) would do it; see fer_video.batch."""
    from fer_video.batch import BatchRequest, Wanted, default_workers, run_batch

    if args.sink or args.jsonl:
        raise UsageError("batch writes each video's outputs under -o: use --format jsonl (or parquet) and "
                         "--annotate instead of --jsonl FILE and --sink")
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers must be 1 or more, not {args.workers}")
    if (args.address or args.shared_storage) and args.engine != "ray":
        flag = "--address" if args.address else "--shared-storage"
        raise UsageError(f"{flag} is for a Ray cluster: add --engine ray")
    config = _pipeline_config(args)
    for kind in SINGLE_STAGES:  # a misspelt stage stops the batch here, not in every worker
        plugins.find(kind, getattr(config, kind).name)
    if config.sinks:
        raise UsageError(f"{args.config} has [[sinks]]; batch writes each video's outputs under -o "
                         "(use --format and --annotate)")
    if "parquet" in (args.format or []):
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise UsageError("--format parquet needs pyarrow: pip install 'fer-video[parquet]'") from None
    wanted = Wanted(formats=("csv", *dict.fromkeys(args.format or [])), annotate=args.annotate,
                    video_options=_main_output_options(args, "video"), report=args.report)
    return run_batch(BatchRequest(inputs=args.inputs, output=Path(args.output), config=config, wanted=wanted,
                                  workers=args.workers or default_workers(), engine=args.engine,
                                  address=args.address, force=args.force, progress=not args.quiet,
                                  shared_storage=args.shared_storage))


def _report(args, plugins) -> int:
    """A timeline as an offline HTML page or a PNG/SVG figure (see fer_video.report)."""
    from fer_video.report import make_report

    _check_outputs(Path(args.timeline), [args.output], args.force)
    say(f"wrote {make_report(args.timeline, args.output, video=args.video, force=args.force)}")
    return 0


def _timeline(args, plugins) -> int:
    output = Path(args.output)
    if output.suffix.lower() in VIDEO_SUFFIXES | _image_suffixes() | {".jsonl", ".json"}:
        raise UsageError(f"timeline writes CSV; name the output .csv, not {output.name} "
                         "(--jsonl FILE for JSON Lines, annotate for a video or picture)")
    args.csv = args.output
    return run_analysis(args, plugins, None)


def _webcam(args, plugins) -> int:
    return run_analysis(args, plugins, None, live=True)


def _serve(args, plugins) -> int:
    """Live view in the browser; the page's pause and stage menus reach the pipeline through its controls."""
    import signal

    from fer_video.io.sources import open_source
    from fer_video.runtime.controls import SWITCHABLE, PipelineControls

    config = _pipeline_config(args)
    source_path = None if str(args.source).isdigit() else Path(args.source)
    if source_path is not None and not source_path.exists():
        raise FileNotFoundError(f"source {source_path} does not exist; give a video file or a camera index such as 0")
    web_options = {"host": args.host, "port": args.port, "token": args.token, "no_token": args.no_token}
    if args.token is not None and args.no_token:
        raise UsageError("--token and --no-token contradict each other; give one")
    web_options.update(_main_output_options(args, "web"))  # --sink-opt web.quality=60 tunes the page's sink
    for choice in [c for c in config.sinks if c.name == "web"]:  # as does --sink web with its options
        web_options.update(choice.options)
        config.sinks.remove(choice)
    outputs = [Path(c.options["output"]) for c in config.sinks if c.options.get("output")]
    _check_outputs(source_path, outputs, args.force)
    controls = PipelineControls(plugins, {kind: getattr(config, kind).name for kind in SWITCHABLE},
                                {kind: {getattr(config, kind).name: dict(getattr(config, kind).options)}
                                 for kind in SWITCHABLE})
    sinks = [plugins.create("sink", "web", controls=controls, **web_options)]  # fails fast if the port is taken
    sinks += [plugins.create("sink", c.name, **c.options) for c in config.sinks]
    pipeline = build_pipeline(config, plugins, open_source(args.source, live=True, loop=args.loop), sinks,
                              before_frame=controls.before_frame)

    def stop(signum, frame):  # a service manager's SIGTERM ends the run like Ctrl+C: outputs complete
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        summary = pipeline.run()
    finally:
        signal.signal(signal.SIGTERM, previous)
    return report(summary, outputs, stopping_is_normal=True)  # a server is stopped with Ctrl+C


def _demo(args, plugins) -> int:
    from fer_video.io.sample_video import make_sample_video

    folder = Path(args.out)
    sample = folder / "sample.mp4"
    _check_outputs(None, [sample, folder / "annotated.mp4", folder / "timeline.csv"], args.force)
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


# --- plugins, training, evaluation ---------------------------------------------------------


def _plugins(args, plugins) -> int:
    from fer_video.plugins.factories import STAGE_KINDS

    rows = [(p.kind, p.factory.name, p.plugin, p.distribution, p.factory.summary)
            for kind in STAGE_KINDS for p in plugins.provided(kind)]
    widths = [max(len(str(r[i])) for r in rows + [("kind", "name", "plugin", "distribution", "")])
              for i in range(4)]
    header = ("kind", "name", "plugin", "distribution", "summary")
    for row in [header, *rows]:
        print("  ".join(str(v).ljust(w) for v, w in zip(row[:4], widths)) + "  " + row[4])
    return 0


def _train(args, plugins) -> int:
    from fer_video.training.trainer import TrainingRun, train

    factory = plugins.classifier(args.model)
    if factory.recipe is None:
        raise ValueError(f"classifier {args.model!r} has no training recipe; it cannot be trained here")
    with native_logs_hidden():
        import keras  # noqa: F401 - loads TensorFlow quietly once
    run = TrainingRun(
        name=args.model, recipe=factory.recipe, data=Path(args.data), out=Path(args.out), epochs=args.epochs,
        batch_size=args.batch_size, learning_rate=args.learning_rate, augment=args.augment,
        img_size=args.img_size, blur=args.blur, imagenet=args.imagenet, resume=args.resume,
        mixed_precision=args.mixed_precision, limit=args.limit, seed=args.seed, command=["fer-video", *sys.argv[1:]],
        init_weights=Path(args.init_weights) if args.init_weights else None,
    )
    train(run, log=say)
    return 0


def _evaluate(args, plugins) -> int:
    import time

    from fer_video.training.evaluate import evaluate
    from fer_video.training.predict import with_tta

    if args.png:  # before the evaluation, not after it
        _check_outputs(None, [Path(args.png)], args.force)
    classifier = with_tta(_evaluated_classifier(args, plugins), args.tta)
    if args.blur is not None:  # try another input blur than the card's
        classifier.spec = replace(classifier.spec, blur=args.blur)
    spec = getattr(classifier, "spec", None)
    say(f"classifier: {classifier.description}"
        + (f", input blur {spec.blur}, test-time augmentation {spec.tta}" if spec is not None else ""))
    started = time.perf_counter()
    report = evaluate(classifier, Path(args.data), args.split, limit=args.limit)
    seconds = time.perf_counter() - started
    print(report.as_text())
    say(f"{int(report.confusion.sum())} faces in {seconds:.1f} s")
    if args.png:
        report.save_png(args.png)
        say(f"wrote {args.png}")
    return 0


def _evaluated_classifier(args, plugins):
    """--model's classifier, else the one the pipeline runs (by default, or as --config says), built the same way."""
    config = PipelineConfig.from_toml(args.config) if args.config else PipelineConfig()
    if args.model:
        config.classifier = StageChoice(args.model)
    if args.weights:
        config.classifier.options["weights"] = args.weights
    with native_logs_hidden():
        return config.build_stage(plugins, "classifier")


def _export(args, plugins) -> int:
    import shlex

    from fer_video.models.card import ModelCard, card_path_for
    from fer_video.training import export
    from fer_video.training.ensemble import averaged, ensemble_training_card
    from fer_video.training.evaluate import evaluate

    factory = plugins.classifier(args.model)
    if factory.recipe is None:
        raise ValueError(f"classifier {args.model!r} is not a Keras architecture; nothing to export")
    out = Path(args.out)
    if out.suffix != ".tflite":
        raise ValueError(f"export writes TF Lite: name the output .tflite, not {out.name}")
    _check_outputs(None, [out, card_path_for(out)], args.force)
    weights = [Path(w) for w in args.weights]
    training_cards = []
    for path in weights:
        training_card_path = card_path_for(path)
        if not training_card_path.exists():
            raise FileNotFoundError(f"{training_card_path} is missing; export needs the card written by training")
        training_card = ModelCard.read(training_card_path)
        if args.blur is not None:  # the card's input blur only set validation's; it is not in the weights
            training_card.input = replace(training_card.input, blur=args.blur)
        training_cards.append(training_card)
    with native_logs_hidden():
        members = [plugins.create("classifier", args.model, weights=path) for path in weights]
    if len(members) == 1:
        training_card, model = training_cards[0], members[0].model
    else:
        training_card = ensemble_training_card(training_cards, [str(path) for path in weights])
        model = averaged([member.model for member in members], args.model)
    out.parent.mkdir(parents=True, exist_ok=True)
    from fer_video.io.atomic import partial_path, publish

    partial = partial_path(out)  # renamed into place: a run that mapped the old file keeps it whole
    partial.write_bytes(export.convert_to_tflite(model, args.quantize))
    publish(partial, out)
    command = shlex.join(["fer-video", *(arg for arg in sys.argv[1:] if arg != "--force")])
    card = export.exported_card(training_card, out, command, args.quantize)
    card.input = replace(card.input, tta=args.tta)  # the pipeline averages as the card says, and is measured so
    card.write(card_path_for(out))
    with native_logs_hidden():
        classifier = plugins.create("classifier", "file", weights=out)
    report = evaluate(classifier, Path(args.data), args.split)
    flip = evaluate(classifier, Path(args.data), args.split, tta="flip")
    speed = export.faces_per_second(classifier, card.input.size)
    export.record_measurements(card, report, flip, args.split, speed)
    card.write(card_path_for(out))
    say(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB) and {card_path_for(out)}")
    print(f"{args.split} accuracy {report.accuracy:.4f} with test-time augmentation {card.input.tta} "
          f"({flip.accuracy:.4f} with flip averaging), {speed:.0f} faces/s batched")
    return 0


# --- argument parsing ------------------------------------------------------------------------


def _add_stage_options(parser: argparse.ArgumentParser) -> None:
    stages = parser.add_argument_group("stages (see `fer-video plugins`)")
    stages.add_argument("--config", help="pipeline.toml with [detector], [classifier], ... tables")
    for kind, default in (("detector", "mediapipe"), ("classifier", "fernet"), ("tracker", "iou"),
                          ("smoother", "ema")):
        stages.add_argument(f"--{kind}", metavar="NAME", help=f"{kind} plugin name (default {default})")
        stages.add_argument(f"--{kind}-opt", action="append", metavar="KEY=VALUE", help=f"{kind} option")
    stages.add_argument("--weights", help="weights file for the classifier")
    stages.add_argument("--margin", type=float,
                        help="grow face boxes by this fraction on each side before classifying, instead of "
                             "the detector's own framing (faces cut as the training faces were)")
    stages.add_argument("--detect-every", type=int, metavar="N",
                        help="detect faces on one frame in N, carrying them along their motion between "
                             "(default 3; 1 detects on every frame)")
    stages.add_argument("--sink", action="append", metavar="NAME", help="extra sink (repeatable)")
    stages.add_argument("--sink-opt", action="append", metavar="SINK.KEY=VALUE", help="option for a --sink")
    stages.add_argument("--jsonl", help="also write the timeline as JSON Lines")
    parser.add_argument("--force", action="store_true", help="overwrite existing outputs")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fer-video", description="Facial emotion recognition on video.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    annotate = commands.add_parser("annotate", help="annotated copy of a video, image or folder of images")
    annotate.add_argument("input", help="video file, image, or folder of images")
    annotate.add_argument("-o", "--output", required=True, help="annotated MP4, image or folder")
    annotate.add_argument("--csv", help="also write the emotion timeline CSV")
    annotate.add_argument("--report", type=_report_output, metavar="REPORT.html|.png|.svg|.csv",
                          help="also write the report page (figure, or per-face table) from the timeline "
                               "(needs --csv or --jsonl)")
    _add_stage_options(annotate)
    annotate.set_defaults(handler=_annotate)

    timeline = commands.add_parser("timeline", help="emotion timeline CSV, no video written")
    timeline.add_argument("input", help="video file, image, or folder of images")
    timeline.add_argument("-o", "--output", required=True, help="timeline CSV")
    _add_stage_options(timeline)
    timeline.set_defaults(handler=_timeline)

    webcam = commands.add_parser("webcam", help="live window with the overlay; q quits")
    webcam.add_argument("--device", default="0", help="camera index (default 0)")
    webcam.add_argument("--csv", help="also write the emotion timeline CSV")
    _add_stage_options(webcam)
    webcam.set_defaults(handler=_webcam)

    serve = commands.add_parser("serve", help="live view in the browser: stream, emotion bars, timeline, controls")
    serve.add_argument("--source", default="0", help="camera index, or a video file played live (default 0)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000; 0 picks a free one)")
    serve.add_argument("--loop", action=argparse.BooleanOptionalAction, default=True,
                       help="start a video file source again when it ends (default: on)")
    serve.add_argument("--csv", help="also write the emotion timeline CSV")
    serve.add_argument("--token", help="the token the page asks for (default off loopback: a random one, printed "
                                       "in the URL at start)")
    serve.add_argument("--no-token", action="store_true",
                       help="off loopback, let anyone who can reach this machine watch and use the controls")
    _add_stage_options(serve)
    serve.set_defaults(handler=_serve)

    report = commands.add_parser("report", help="a timeline as an offline HTML page (.html), a figure (.png, .svg) "
                                                     "or a per-face table (.csv)")
    report.add_argument("timeline", help="timeline CSV or JSON Lines, as annotate, timeline or serve write it")
    report.add_argument("-o", "--output", required=True, type=_report_output, metavar="OUTPUT.html|.png|.svg|.csv",
                        help="the page (.html), the figure (.png, .svg), or one row per face (.csv): mean "
                             "scores, dominant emotion, share of time in each")
    report.add_argument("--video", help="the analysed video: each face's picture and the frames at its peaks")
    report.add_argument("--force", action="store_true", help="overwrite an existing output")
    report.set_defaults(handler=_report)

    batch = commands.add_parser("batch", help="many videos: a timeline each and summary.csv; resumable, "
                                              "on local processes or a Ray cluster")
    batch.add_argument("inputs", nargs="+", metavar="INPUT",
                       help="video files, folders (searched recursively) and quoted patterns such as 'day1/*.mp4'")
    batch.add_argument("-o", "--output", required=True,
                       help="folder for the outputs: the inputs' paths mirrored, and summary.csv")
    batch.add_argument("--format", action="append", choices=["jsonl", "parquet"],
                       help="also write each timeline as JSON Lines or Parquet, beside the CSV (repeatable)")
    batch.add_argument("--annotate", action="store_true", help="also an annotated MP4 per video")
    batch.add_argument("--report", action="store_true",
                       help="also a report page per video and index.html linking them with the summary")
    batch.add_argument("--engine", choices=["local", "ray"], default="local",
                       help="local processes (default) or a Ray cluster (pip install 'fer-video[ray]')")
    batch.add_argument("--workers", type=int, metavar="N",
                       help="local worker processes (default: one per two cores)")
    batch.add_argument("--address", help="the Ray cluster to use (e.g. auto, or 10.0.0.5:6379); "
                                         "default: a local one started for the batch")
    batch.add_argument("--shared-storage", action="store_true",
                       help="Ray nodes see the inputs and -o at the same paths: tasks read and write them there "
                            "instead of shipping bytes through Ray")
    _add_stage_options(batch)
    for action in batch._actions:  # refused by batch (each video's outputs go under -o): not offered
        if action.dest in ("sink", "jsonl"):
            action.help = argparse.SUPPRESS
    batch.set_defaults(handler=_batch)

    demo = commands.add_parser("demo", help="build a sample video, annotate it and write its CSV")
    demo.add_argument("--out", default="fer-video-demo", help="folder for the demo's files")
    _add_stage_options(demo)
    demo.set_defaults(handler=_demo)

    plugins = commands.add_parser("plugins", help="list every registered stage and its distribution")
    plugins.set_defaults(handler=_plugins)

    train = commands.add_parser("train", help="train a classifier architecture on FER-2013")
    train.add_argument("--model", required=True, help="classifier name, e.g. fernet or model3")
    train.add_argument("--data", required=True, help="FER-2013 folder, fer2013.csv or .npz")
    train.add_argument("--out", default="runs/train", help="folder for weights, card and checkpoints")
    train.add_argument("--epochs", type=int)
    train.add_argument("--batch-size", type=int)
    train.add_argument("--learning-rate", type=float)
    train.add_argument("--img-size", type=int, help="input side in pixels, for resizable architectures")
    train.add_argument("--augment", action=argparse.BooleanOptionalAction, default=None,
                       help="flip, shift, rotation, zoom, brightness and contrast")
    train.add_argument("--blur", type=float,
                       help="input blur (Gaussian sigma, network pixels) for validation and the card")
    train.add_argument("--imagenet", action="store_true",
                       help="start mobilenet/resnet50/model1/model2 from ImageNet weights (downloads them once)")
    train.add_argument("--resume", action="store_true", help="continue the unfinished run in --out")
    train.add_argument("--mixed-precision", action="store_true", help="bfloat16 compute (fast on AVX-512 CPUs)")
    train.add_argument("--limit", type=int, help="train on a stratified subset of this many faces")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--init-weights", metavar="FILE",
                       help="start from these Keras weights of the same architecture (to chain runs)")
    train.set_defaults(handler=_train)

    evaluate = commands.add_parser("evaluate", help="accuracy, per-class scores and confusion matrix")
    evaluate.add_argument("--model", help="classifier name (default: the pipeline's classifier, as it runs it)")
    evaluate.add_argument("--config", help="evaluate the classifier this pipeline.toml configures")
    evaluate.add_argument("--weights", help="weights file (default: the shipped one)")
    evaluate.add_argument("--data", required=True, help="FER-2013 folder, fer2013.csv or .npz")
    evaluate.add_argument("--split", default="val", choices=["train", "val", "test"])
    evaluate.add_argument("--tta", choices=TTA_MODES,
                          help="test-time augmentation instead of the card's: none, flip or ten-crop (10 views)")
    evaluate.add_argument("--png", help="save the confusion matrix as a PNG")
    evaluate.add_argument("--blur", type=float, help="input blur (Gaussian sigma) instead of the card's")
    evaluate.add_argument("--limit", type=int, help="evaluate a stratified subset of this many faces")
    evaluate.add_argument("--force", action="store_true", help="overwrite an existing --png")
    evaluate.set_defaults(handler=_evaluate)

    export = commands.add_parser("export", help="convert trained weights to TF Lite and write its model card")
    export.add_argument("--model", required=True, help="classifier architecture name")
    export.add_argument("--weights", required=True, nargs="+",
                        help="trained weights (with the training card beside them); several: their average")
    export.add_argument("--out", required=True, help="the .tflite file to write")
    export.add_argument("--quantize", default="dynamic", choices=["none", "float16", "dynamic"])
    export.add_argument("--data", required=True, help="FER-2013, to measure the exported file's accuracy")
    export.add_argument("--split", default="val", choices=["val", "test"])
    export.add_argument("--blur", type=float, help="input blur (Gaussian sigma) for the card, instead of the recipe's")
    export.add_argument("--tta", default="none", choices=TTA_MODES,
                        help="test-time augmentation the card declares: the pipeline and evaluate then average so")
    export.add_argument("--force", action="store_true", help="overwrite existing outputs")
    export.set_defaults(handler=_export)
    return parser


def _one_line(error: BaseException | str) -> str:
    """The error and its notes (e.g. that the outputs were discarded) as one line."""
    return " ".join("; ".join([str(error), *getattr(error, "__notes__", [])]).split())


def _handle_termination() -> dict[int, object]:
    """SIGTERM and SIGHUP end a run like Ctrl+C (unless ignored, as under nohup); returns what they replaced."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        return {}
    replaced = {}
    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) == signal.SIG_DFL:
            replaced[signum] = signal.signal(signum, _terminate)
    return replaced


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    replaced = _handle_termination()
    try:
        plugins = PluginManager()
        return args.handler(args, plugins)
    except (FileNotFoundError, FileExistsError, ValueError, UnknownStageError, PluginError, RuntimeError) as error:
        say(f"fer-video: error: {_one_line(error)}")
        return EXIT_USAGE if isinstance(error, (UnknownStageError, FileExistsError, UsageError)) else EXIT_INPUT_PROBLEM
    except KeyboardInterrupt as error:
        say("fer-video: interrupted")
        return 128 + getattr(error, "signum", signal.SIGINT)
    except OSError as error:  # the system's word for it (a full disk, no permission) and the file, no errno
        where = f"{error.filename}: " if error.filename else ""
        notes = "".join(f"; {note}" for note in getattr(error, "__notes__", []))
        say(f"fer-video: error: {where}{error.strerror or _one_line(error)}{notes}")
        return EXIT_INPUT_PROBLEM
    except Exception as error:  # a stage's own failure: one line, unless the traceback is asked for
        if os.environ.get("FER_VIDEO_DEBUG"):
            raise
        say(f"fer-video: error: {type(error).__name__}: {_one_line(error)} (FER_VIDEO_DEBUG=1 shows where)")
        return EXIT_INPUT_PROBLEM
    finally:
        for signum, handler in replaced.items():
            signal.signal(signum, handler)


if __name__ == "__main__":
    sys.exit(main())
