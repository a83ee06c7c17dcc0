"""The ``fer-video`` command: parse, run the command's handler, and turn what went wrong into one line
and an exit code (see ``fer_video.cli.exit_codes`` for the codes).

Each command lives in a module of its own (``analyse``, ``serve``, ``batch``, ``report``, ``plugins``,
``training``), thin over the application layer it calls.
"""

from __future__ import annotations

import os
import signal

from fer_video.cli.exit_codes import EXIT_INPUT_PROBLEM, EXIT_INTERRUPTED, EXIT_USAGE
from fer_video.cli.parser import build_parser
from fer_video.messages import UsageError, one_line, say
from fer_video.plugins.manager import PluginError, PluginManager, UnknownStageError

__all__ = ["EXIT_INPUT_PROBLEM", "EXIT_INTERRUPTED", "EXIT_USAGE", "UsageError", "build_parser", "main", "say"]


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP (``timeout``, a job scheduler, a closed terminal): ends a run like Ctrl+C,
    so its outputs are finished up to the last frame, and the exit code is 128 + the signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _terminate(signum: int, frame) -> None:
    raise Terminated(signum)


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
    """Run ``fer-video`` with ``argv`` (default: the command line); returns the exit code."""
    args = build_parser().parse_args(argv)
    replaced = _handle_termination()
    try:
        plugins = PluginManager()
        return args.handler(args, plugins)
    except (FileNotFoundError, FileExistsError, ValueError, UnknownStageError, PluginError, RuntimeError) as error:
        say(f"fer-video: error: {one_line(error)}")
        return EXIT_USAGE if isinstance(error, (UnknownStageError, FileExistsError, UsageError)) else EXIT_INPUT_PROBLEM
    except KeyboardInterrupt as error:
        say("fer-video: interrupted")
        return 128 + getattr(error, "signum", signal.SIGINT)
    except OSError as error:  # the system's word for it (a full disk, no permission) and the file, no errno
        where = f"{error.filename}: " if error.filename else ""
        notes = "".join(f"; {note}" for note in getattr(error, "__notes__", []))
        say(f"fer-video: error: {where}{error.strerror or one_line(error)}{notes}")
        return EXIT_INPUT_PROBLEM
    except Exception as error:  # a stage's own failure: one line, unless the traceback is asked for
        if os.environ.get("FER_VIDEO_DEBUG"):
            raise
        say(f"fer-video: error: {type(error).__name__}: {one_line(error)} (FER_VIDEO_DEBUG=1 shows where)")
        return EXIT_INPUT_PROBLEM
    finally:
        for signum, handler in replaced.items():
            signal.signal(signum, handler)

