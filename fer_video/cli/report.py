"""report: a timeline as a page, a figure or a per-face table."""

from __future__ import annotations

import argparse
from pathlib import Path

from fer_video.io.names import check_name
from fer_video.io.outputs import check_outputs
from fer_video.messages import say
from fer_video.plugins.manager import PluginManager


def report_output(text: str) -> Path:
    """-o of ``report``: its extension picks the page or the figure; another is a usage error."""
    from fer_video.report import output_kind

    try:
        output_kind(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return Path(text)


def report(args: argparse.Namespace, plugins: PluginManager) -> int:
    """A timeline as an offline HTML page or a PNG/SVG figure (see fer_video.report)."""
    from fer_video.report import make_report

    if args.video is not None:
        check_name(args.video)
    check_outputs(Path(args.timeline), [args.output], args.force)
    say(f"wrote {make_report(args.timeline, args.output, video=args.video, force=args.force)}")
    return 0
