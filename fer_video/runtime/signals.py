"""Signals that end a run, acted on between frames rather than wherever the main thread happens to be."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable


class SignalsBetweenFrames:
    """Ctrl+C, SIGTERM and SIGHUP noted while a run is on and acted on at the next frame boundary,
    by the handler that was in place (which raises what ends the run), instead of wherever the main
    thread happens to be.

    Raised at any bytecode, the interrupt could land inside a queue's lock shared with the decoding
    or writing threads and leave it held, so the run hung while finishing its outputs. A second
    signal before the next frame is acted on at once, as before, and so is a signal that waited
    ``GRACE_S`` for a boundary that did not come (a camera that stopped sending frames, a frame
    that takes that long): a run always ends on a signal. Signals left at their default or ignored
    are not touched.
    """

    SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))
    GRACE_S = 3.0

    def __init__(self) -> None:
        self.pending: list[int] = []
        self.previous: dict[int, Callable] = {}
        self._overdue: threading.Timer | None = None
        self._lock = threading.RLock()  # re-entrant: the handler may run while this thread holds it
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in self.SIGNALS:
            handler = signal.getsignal(signum)
            if callable(handler):
                self.previous[signum] = handler
                signal.signal(signum, self._note)

    def _note(self, signum: int, frame: object) -> None:
        if self.pending:
            self.previous[signum](signum, frame)
        self.pending.append(signum)
        with self._lock:
            if self._overdue is None and self.previous:
                self._overdue = threading.Timer(self.GRACE_S, self._repeat, (signum,))
                self._overdue.daemon = True
                self._overdue.start()

    def _repeat(self, signum: int) -> None:
        """No frame boundary came within the grace: send the signal again, which acts at once."""
        with self._lock:
            if self._overdue is not None and self.pending:
                os.kill(os.getpid(), signum)

    def _cancel(self) -> None:
        with self._lock:
            if self._overdue is not None:
                self._overdue.cancel()
                self._overdue = None

    def deliver(self) -> None:
        """Act on a signal that came during the last frame: its handler raises what ends the run."""
        if not self.pending:
            return
        self._cancel()
        while self.pending:
            signum = self.pending.pop(0)
            self.previous[signum](signum, None)

    def restore(self) -> None:
        """Put the previous handlers back: from here a signal is acted on at once."""
        self._cancel()
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)
        self.previous = {}
