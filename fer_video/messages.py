"""What fer-video tells the user: one line each on stderr, and the refusal that exits 2.

The command, batch workers and the application layer all speak through ``say``, so every
message lands on stderr, flushed, in the order the run made it; stdout keeps only what a
command produces (a plugin list, an evaluation's table).
"""

from __future__ import annotations

import sys


class UsageError(ValueError):
    """The command line asks for something fer-video refuses to do (exit code 2): nothing was run."""


def say(message: str) -> None:
    """One message for the user, on stderr."""
    print(message, file=sys.stderr, flush=True)


def one_line(error: BaseException | str) -> str:
    """The error and its notes (e.g. that the outputs were discarded) as one line."""
    return " ".join("; ".join([str(error), *getattr(error, "__notes__", [])]).split())
