"""The command line: every command's arguments and the stage options they share."""

from __future__ import annotations

import argparse

from fer_video.cli.exit_codes import EXIT_CODES
from fer_video.models.tta import TTA_MODES


class PageOption(argparse.Action):
    """A ``serve`` flag that is short for ``--sink-opt PAGE.key=value``: ``--port 8001`` is the page sink's
    ``port=8001``, collected in ``args.page_options`` and handed to that sink as they are."""

    def __init__(self, option_strings, dest, **kwargs) -> None:
        super().__init__(option_strings, dest, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        namespace.page_options = {**namespace.page_options, self.dest: self.const if self.nargs == 0 else values}


def add_stage_options(parser: argparse.ArgumentParser) -> None:
    """The stage flags of every analysis command (see ``fer_video.cli.stages``), and --force, -q."""
    stages = parser.add_argument_group("stages (see `fer-video plugins`)")
    stages.add_argument("--config", help="pipeline.toml with [detector], [classifier], ... tables")
    for kind, default in (("detector", "mediapipe"), ("classifier", "fernet"), ("tracker", "iou"),
                          ("smoother", "ema"), ("annotator", "overlay")):
        stages.add_argument(f"--{kind}", metavar="NAME", help=f"{kind} plugin name (default {default})")
        stages.add_argument(f"--{kind}-opt", action="append", metavar="KEY=VALUE", help=f"{kind} option")
    stages.add_argument("--weights", help="weights file for the classifier")
    stages.add_argument("--margin", type=float,
                        help="grow face boxes by this fraction on each side before classifying, instead of "
                             "the detector's own framing (faces cut as the training faces were)")
    stages.add_argument("--detect-every", type=int, metavar="N",
                        help="detect faces on one frame in N, carrying them along their motion between "
                             "(default 3; 1 detects on every frame)")
    stages.add_argument("--classify-every", type=int, metavar="N",
                        help="score each tracked face on one frame in N, keeping its scores between "
                             "(default 2; 1 scores every frame)")
    stages.add_argument("--sink", action="append", metavar="NAME", help="extra sink (repeatable)")
    stages.add_argument("--sink-opt", action="append", metavar="SINK.KEY=VALUE", help="option for a --sink")
    stages.add_argument("--jsonl", help="also write the timeline as JSON Lines")
    parser.add_argument("--force", action="store_true", help="overwrite existing outputs")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    """``fer-video``'s parser; each command's ``handler(args, plugins)`` returns its exit code."""
    from fer_video.cli import analyse, training
    from fer_video.cli import batch as batch_command
    from fer_video.cli import plugins as plugins_command
    from fer_video.cli import report as report_command
    from fer_video.cli import serve as serve_command

    parser = argparse.ArgumentParser(prog="fer-video", description="Facial emotion recognition on video.",
                                     epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    annotate = commands.add_parser("annotate", help="annotated copy of a video, image or folder of images")
    annotate.add_argument("input", help="video file, image, or folder of images")
    annotate.add_argument("-o", "--output", required=True, help="annotated MP4, image or folder")
    annotate.add_argument("--csv", help="also write the emotion timeline CSV")
    annotate.add_argument("--report", type=report_command.report_output, metavar="REPORT.html|.png|.svg|.csv",
                          help="also write the report page (figure, or per-face table) from the timeline "
                               "(needs --csv or --jsonl)")
    add_stage_options(annotate)
    annotate.set_defaults(handler=analyse.annotate)

    timeline = commands.add_parser("timeline", help="emotion timeline CSV, no video written")
    timeline.add_argument("input", help="video file, image, or folder of images")
    timeline.add_argument("-o", "--output", required=True, help="timeline CSV")
    add_stage_options(timeline)
    timeline.set_defaults(handler=analyse.timeline)

    webcam = commands.add_parser("webcam", help="live window with the overlay; q quits")
    webcam.add_argument("--device", default="0", help="camera index (default 0)")
    webcam.add_argument("--csv", help="also write the emotion timeline CSV")
    add_stage_options(webcam)
    webcam.set_defaults(handler=analyse.webcam)

    serve = commands.add_parser("serve", help="live view in the browser: stream, emotion bars, timeline, controls")
    serve.add_argument("--source", default="0", help="camera index, or a video file played live (default 0)")
    serve.add_argument("--host", action=PageOption, help="address to listen on (default 127.0.0.1: this machine)")
    serve.add_argument("--port", action=PageOption, type=int,
                       help="port to listen on (default 8000; 0 picks a free one)")
    serve.add_argument("--loop", action=argparse.BooleanOptionalAction, default=True,
                       help="start a video file source again when it ends (default: on)")
    serve.add_argument("--csv", help="also write the emotion timeline CSV")
    serve.add_argument("--token", action=PageOption, help="the token the page asks for (default off loopback: a "
                                                          "random one, printed in the URL at start)")
    serve.add_argument("--no-token", action=PageOption, nargs=0, const=True,
                       help="off loopback, let anyone who can reach this machine watch and use the controls")
    serve.set_defaults(page_options={})
    add_stage_options(serve)
    serve.set_defaults(handler=serve_command.serve)

    report = commands.add_parser("report", help="a timeline as an offline HTML page (.html), a figure (.png, .svg) "
                                                     "or a per-face table (.csv)")
    report.add_argument("timeline", help="timeline CSV or JSON Lines, as annotate, timeline or serve write it")
    report.add_argument("-o", "--output", required=True, type=report_command.report_output,
                        metavar="OUTPUT.html|.png|.svg|.csv",
                        help="the page (.html), the figure (.png, .svg), or one row per face (.csv): mean "
                             "scores, dominant emotion, share of time in each")
    report.add_argument("--video", help="the analysed video: each face's picture and the frames at its peaks")
    report.add_argument("--force", action="store_true", help="overwrite an existing output")
    report.set_defaults(handler=report_command.report)

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
                       help="local worker processes (default: one per core)")
    batch.add_argument("--address", help="the Ray cluster to use (e.g. auto, or 10.0.0.5:6379); "
                                         "default: a local one started for the batch")
    batch.add_argument("--shared-storage", action="store_true",
                       help="Ray nodes see the inputs and -o at the same paths: tasks read and write them there "
                            "instead of shipping bytes through Ray")
    add_stage_options(batch)
    for action in batch._actions:  # refused by batch (each video's outputs go under -o): not offered
        if action.dest in ("sink", "jsonl"):
            action.help = argparse.SUPPRESS
    batch.set_defaults(handler=batch_command.batch)

    demo = commands.add_parser("demo", help="build a sample video, annotate it and write its CSV")
    demo.add_argument("--out", default="fer-video-demo", help="folder for the demo's files")
    add_stage_options(demo)
    demo.set_defaults(handler=analyse.demo)

    plugins = commands.add_parser("plugins", help="list every registered stage and its distribution")
    plugins.add_argument("--json", action="store_true",
                         help="a JSON list of objects with kind, name, plugin, distribution and summary")
    plugins.set_defaults(handler=plugins_command.list_plugins)

    train = commands.add_parser("train", help="train a classifier architecture on FER-2013")
    train.add_argument("--model", required=True, help="classifier name, e.g. fernet or model3")
    train.add_argument("--data", required=True, help="FER-2013 folder, fer2013.csv or .npz")
    train.add_argument("--out", default="runs/train", help="folder for weights, card and checkpoints")
    train.add_argument("--epochs", type=int)
    train.add_argument("--batch-size", type=int)
    train.add_argument("--learning-rate", type=float)
    train.add_argument("--img-size", type=int, help="input side in pixels, for resizable architectures")
    train.add_argument("--augment", action=argparse.BooleanOptionalAction, default=None,
                       help="the recipe's augmentation (flip, shift, rotation, zoom, lighting, and what it adds)")
    train.add_argument("--blur", type=float,
                       help="input blur (Gaussian sigma, network pixels) for validation and the card")
    train.add_argument("--imagenet", action="store_true",
                       help="start mobilenet/resnet50/model1/model2 from ImageNet weights (downloads them once)")
    train.add_argument("--resume", action="store_true", help="continue the unfinished run in --out")
    train.add_argument("--force", action="store_true", help="train afresh over a finished run in --out")
    train.add_argument("--mixed-precision", action="store_true", help="bfloat16 compute (fast on AVX-512 CPUs)")
    train.add_argument("--limit", type=int, help="train on a stratified subset of this many faces")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--init-weights", metavar="FILE",
                       help="start from these Keras weights of the same architecture (to chain runs)")
    train.add_argument("--teacher", action="append", default=[], metavar="MODEL",
                       help="distil this classifier into the one trained (a name such as fernet, or a model file "
                            "with its card: .tflite, .keras, or a run's .weights.h5); repeat for an ensemble, "
                            "whose flip-averaged scores are averaged")
    train.add_argument("--teacher-share", type=float, default=0.5, metavar="SHARE",
                       help="with --teacher: the share of each training target taken from the teachers' scores, "
                            "the rest from the true label (default 0.5)")
    train.add_argument("--video-degradation", type=float, metavar="SHARE",
                       help="share of training faces degraded as video degrades a face (default: the recipe's)")
    train.add_argument("--degradations", metavar="KIND,...",
                       help="which degradations: small, motion-blur, jpeg, low-light, noise, yaw "
                            "(default: the recipe's)")
    train.add_argument("--votes", metavar="FILE",
                       help="FER+ votes for the faces (an .npz with votes_train and votes_val, as "
                            "ferplus_votes.npz): train on each face's vote distribution")
    train.add_argument("--votes-share", type=float, default=1.0, metavar="SHARE",
                       help="with --votes: the share of each target taken from the vote distribution, "
                            "the rest from the FER-2013 label (default 1)")
    train.set_defaults(handler=training.train)

    evaluate = commands.add_parser("evaluate", help="accuracy, per-class scores and confusion matrix")
    evaluate.add_argument("--model", help="classifier name (default: the pipeline's classifier, as it runs it)")
    evaluate.add_argument("--config", help="evaluate the classifier this pipeline.toml configures")
    evaluate.add_argument("--weights", help="weights file (default: the shipped one)")
    evaluate.add_argument("--data", required=True, help="FER-2013 folder, fer2013.csv or .npz")
    evaluate.add_argument("--split", default="val", choices=["train", "val", "test"])
    evaluate.add_argument("--tta", choices=TTA_MODES,
                          help="test-time augmentation instead of the card's: none, flip or ten-crop (10 views)")
    evaluate.add_argument("--votes", metavar="FILE",
                          help="FER+ votes for the faces (votes_<split> arrays); default: the data file's own, "
                               "or ferplus_votes.npz beside it or in a sibling ferplus/ folder")
    evaluate.add_argument("--png", help="save the confusion matrix as a PNG")
    evaluate.add_argument("--blur", type=float, help="input blur (Gaussian sigma) instead of the card's")
    evaluate.add_argument("--limit", type=int, help="evaluate a stratified subset of this many faces")
    evaluate.add_argument("--force", action="store_true", help="overwrite an existing --png")
    evaluate.set_defaults(handler=training.evaluate)

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
    export.add_argument("--prior", action="append", default=[], metavar="EMOTION=FACTOR",
                        help="the card's calibration: multiply this emotion's scores by FACTOR before renormalising "
                             "(e.g. neutral=0.5 says neutral less often); repeatable")
    export.add_argument("--force", action="store_true", help="overwrite existing outputs")
    export.set_defaults(handler=training.export)

    blend = commands.add_parser("blend", help="average trained networks of one architecture weight by weight")
    blend.add_argument("--model", required=True, help="classifier architecture name")
    blend.add_argument("--weights", required=True, nargs="+", metavar="FILE",
                       help="two or more trained networks (.weights.h5 or exported .tflite, each with its card)")
    blend.add_argument("--shares", type=float, nargs="+", metavar="SHARE",
                       help="each network's share of the blend, in --weights order (default: equal)")
    blend.add_argument("--out", required=True, help="the .weights.h5 to write (its card goes beside it)")
    blend.add_argument("--data", required=True, help="FER-2013: training faces for the normalisation "
                       "statistics, validation faces to measure the blend")
    blend.add_argument("--force", action="store_true", help="overwrite existing outputs")
    blend.set_defaults(handler=training.blend)
    return parser
