"""Keeps the web server's warnings about bad requests to a few lines, however many come.

uvicorn logs one WARNING per malformed request ("Invalid HTTP request received.", "Unsupported
upgrade request."); anyone who can reach the port could fill the terminal of ``fer-video serve``
with them, hiding what matters. Each message is shown once per interval, and the next time it is
shown it says how many like it were left out.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

REPEAT_INTERVAL_S = 60.0
"""A warning already shown is shown again at most this often."""


class RepeatLimit(logging.Filter):
    """A logging filter passing each distinct WARNING (or lower) message once per ``interval`` seconds."""

    def __init__(self, interval: float = REPEAT_INTERVAL_S, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.interval = interval
        self.clock = clock
        self._shown: dict[str, float] = {}  # message -> when last shown
        self._left_out: dict[str, int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.WARNING:  # errors are the server's own faults: every one is shown
            return True
        message = record.getMessage()
        now = self.clock()
        if now - self._shown.get(message, -float("inf")) < self.interval:
            self._left_out[message] = self._left_out.get(message, 0) + 1
            return False
        self._shown[message] = now
        left_out = self._left_out.pop(message, 0)
        if left_out:
            record.msg = f"{message} ({left_out} more like it in the last {self.interval:g} s not shown)"
            record.args = ()
        if len(self._shown) > 1000:  # messages that embed addresses: keep the table small
            self._shown = {m: t for m, t in self._shown.items() if now - t < self.interval}
        return True
