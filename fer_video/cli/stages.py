"""The stage options every analysis command shares, read into a PipelineConfig."""

from __future__ import annotations

import argparse
from pathlib import Path

from fer_video.runtime.config import SINGLE_STAGES, PipelineConfig, StageChoice, parse_option


def pipeline_config(args: argparse.Namespace) -> PipelineConfig:
    """The stages and sinks the flags (over ``--config``) ask for."""
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
    for target, key, value in sink_options(args):
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


def sink_options(args: argparse.Namespace) -> list[tuple[str, str, object]]:
    """``--sink-opt SINK.key=value`` as (sink, key, value)."""
    options = []
    for text in args.sink_opt or []:
        target, _, option = text.partition(".")
        if not target or not option:
            raise ValueError(f"--sink-opt {text!r} must look like SINK.key=value")
        options.append((target, *parse_option(option)))
    return options


def main_output_options(args: argparse.Namespace, kind: str) -> dict:
    """``--sink-opt video.preset=veryfast`` and the like for the -o output, unless a --sink of that kind takes them."""
    if kind in (args.sink or []):
        return {}
    return {key: value for target, key, value in sink_options(args) if target == kind}
