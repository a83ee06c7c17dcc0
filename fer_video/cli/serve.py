"""serve: the live view in the browser."""

from __future__ import annotations

from pathlib import Path

from fer_video.cli.analyse import build_pipeline, check_outputs, report
from fer_video.cli.stages import main_output_options, pipeline_config
from fer_video.messages import UsageError


def serve(args, plugins) -> int:
    """Live view in the browser; the page's pause and stage menus reach the pipeline through its controls."""
    import signal

    from fer_video.io.sources import open_source
    from fer_video.runtime.controls import SWITCHABLE, PipelineControls

    config = pipeline_config(args)
    source_path = None if str(args.source).isdigit() else Path(args.source)
    if source_path is not None and not source_path.exists():
        raise FileNotFoundError(f"source {source_path} does not exist; give a video file or a camera index such as 0")
    web_options = {"host": args.host, "port": args.port, "token": args.token, "no_token": args.no_token}
    if args.token is not None and args.no_token:
        raise UsageError("--token and --no-token contradict each other; give one")
    web_options.update(main_output_options(args, "web"))  # --sink-opt web.quality=60 tunes the page's sink
    for choice in [c for c in config.sinks if c.name == "web"]:  # as does --sink web with its options
        web_options.update(choice.options)
        config.sinks.remove(choice)
    outputs = [Path(c.options["output"]) for c in config.sinks if c.options.get("output")]
    check_outputs(source_path, outputs, args.force)
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
