"""The stage options every analysis command shares, read into a PipelineConfig."""

from __future__ import annotations

import argparse
from collections.abc import Iterable

from fer_video.application.analysis import sink_for
from fer_video.plugins.manager import PluginManager
from fer_video.runtime.config import SINGLE_STAGES, PipelineConfig, StageChoice, parse_option


def pipeline_config(args: argparse.Namespace, plugins: PluginManager, main_sinks: Iterable[str] = ()) -> PipelineConfig:
    """The stages and sinks the flags (over ``--config``) ask for.

    ``main_sinks`` are the sinks the command adds itself (annotate's ``-o``, serve's page), which
    ``--sink-opt NAME.key=value`` may tune without a ``--sink NAME``; ``--csv`` and ``--jsonl`` add the
    sinks that write the timeline with those suffixes.
    """
    config = PipelineConfig.from_toml(args.config) if args.config else PipelineConfig()
    stages = {}
    for kind in SINGLE_STAGES:  # --detector haar --detector-opt a=1 is the table {name = "haar", a = 1}
        options = dict(parse_option(text) for text in getattr(args, f"{kind}_opt") or [])
        name = getattr(args, kind)
        stages[kind] = {**({"name": name} if name else {}), **options}
    config.with_options(weights=args.weights, margin=args.margin, detect_every=args.detect_every,
                        classify_every=args.classify_every, **stages)
    for name in args.sink or []:
        config.sinks.append(StageChoice(name))
    main_sinks = tuple(main_sinks)
    for target, key, value in sink_options(args):
        matches = [choice for choice in config.sinks if choice.name == target]
        if matches:
            matches[-1].options[key] = value
        elif target not in main_sinks:
            raise ValueError(f"--sink-opt {target}.{key}=... names no sink given with --sink"
                             + (f" ({' / '.join(f'{name}.key=value' for name in main_sinks)} set the command's own "
                                "output)" if main_sinks else ""))
    for flag, suffix in (("csv", ".csv"), ("jsonl", ".jsonl")):
        path = getattr(args, flag, None)
        if path:
            config.sinks.append(StageChoice(sink_for(plugins, "timeline", suffix).name, {"output": path}))
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


def own_sink_options(args: argparse.Namespace) -> dict[str, dict]:
    """``--sink-opt`` options by sink name, for the sinks the command adds itself (not those of ``--sink``)."""
    options: dict[str, dict] = {}
    for target, key, value in sink_options(args):
        if target not in (args.sink or []):
            options.setdefault(target, {})[key] = value
    return options
