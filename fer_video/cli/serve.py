"""serve: the live view in the browser."""

from __future__ import annotations

import argparse
from pathlib import Path

from fer_video.application.analysis import prepare_analysis, sink_for
from fer_video.cli.analyse import report
from fer_video.cli.stages import own_sink_options, pipeline_config
from fer_video.messages import UsageError
from fer_video.plugins.manager import PluginManager
from fer_video.runtime.config import StageChoice


def serve(args: argparse.Namespace, plugins: PluginManager) -> int:
    """Live view in the browser; the page's pause and stage menus reach the pipeline through its controls.

    The page is the installed sink that writes a ``page``; ``--host``, ``--port``, ``--token`` and
    ``--no-token`` are its options of those names, like ``--sink-opt NAME.key=value``, handed on unread.
    """
    from fer_video.runtime.controls import SWITCHABLE, PipelineControls

    page = sink_for(plugins, "page").name
    config = pipeline_config(args, plugins, main_sinks=(page,))
    source_path = None if str(args.source).isdigit() else Path(args.source)
    if source_path is not None and not source_path.exists():
        raise FileNotFoundError(f"source {source_path} does not exist; give a video file or a camera index such as 0")
    if args.page_options.get("token") is not None and args.page_options.get("no_token"):
        raise UsageError("--token and --no-token contradict each other; give one")
    page_options = {**args.page_options, **own_sink_options(args).get(page, {})}  # --sink-opt web.quality=60
    for choice in [c for c in config.sinks if c.name == page]:  # as does --sink web with its options
        page_options.update(choice.options)
        config.sinks.remove(choice)
    controls = PipelineControls(plugins, {kind: getattr(config, kind).name for kind in SWITCHABLE},
                                {kind: {getattr(config, kind).name: dict(getattr(config, kind).options)}
                                 for kind in SWITCHABLE})
    analysis = prepare_analysis(config, plugins, args.source, force=args.force,
                                sinks=[StageChoice(page, {**page_options, "controls": controls}), *config.sinks],
                                source_options={"live": True, "loop": args.loop}, before_frame=controls.before_frame)
    # Ctrl+C, a service manager's SIGTERM or a closed terminal's SIGHUP end it like any run: outputs
    # complete, and the exit code 130, 143 or 129 that says which.
    return report(analysis.run(), analysis.outputs)
