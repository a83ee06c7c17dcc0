"""batch: many videos, on local processes or a Ray cluster."""

from __future__ import annotations

import argparse
from pathlib import Path

from fer_video.application.analysis import sink_for
from fer_video.cli.stages import own_sink_options, pipeline_config
from fer_video.messages import UsageError
from fer_video.plugins.manager import PluginManager
from fer_video.runtime.config import SINGLE_STAGES


def batch(args: argparse.Namespace, plugins: PluginManager) -> int:
    """Many videos, each as ``timeline`` (and ``annotate``) would do it; see fer_video.batch."""
    from fer_video.batch import BatchRequest, Wanted, default_workers, run_batch

    video_sink = sink_for(plugins, "video").name  # --sink-opt video.preset=... for each annotated MP4
    if args.sink or args.jsonl:
        raise UsageError("batch writes each video's outputs under -o: use --format jsonl (or parquet) and "
                         "--annotate instead of --jsonl FILE and --sink")
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers must be 1 or more, not {args.workers}")
    if (args.address or args.shared_storage) and args.engine != "ray":
        flag = "--address" if args.address else "--shared-storage"
        raise UsageError(f"{flag} is for a Ray cluster: add --engine ray")
    config = pipeline_config(args, plugins, main_sinks=(video_sink,) if args.annotate else ())
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
                    video_options=own_sink_options(args).get(video_sink, {}), report=args.report)
    return run_batch(BatchRequest(inputs=args.inputs, output=Path(args.output), config=config, wanted=wanted,
                                  workers=args.workers or default_workers(), engine=args.engine,
                                  address=args.address, force=args.force, progress=not args.quiet,
                                  shared_storage=args.shared_storage))
