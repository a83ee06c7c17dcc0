"""The live view's server shows each of uvicorn's bad-request warnings once a minute, then says how
many it left out (issue 26: one WARNING line per malformed request flooded the terminal)."""

from __future__ import annotations

import logging

from fer_video.builtins.web.repeat_limit import RepeatLimit


def test_a_repeated_warning_shows_once_a_minute_then_counts_those_left_out():
    now = [0.0]
    shown: list[str] = []
    logger = logging.getLogger("test.repeat_limit")
    logger.propagate = False
    handler = logging.Handler()
    handler.emit = lambda record: shown.append(record.getMessage())
    logger.addHandler(handler)
    logger.addFilter(RepeatLimit(interval=60, clock=lambda: now[0]))
    for second in range(120):
        now[0] = float(second)
        logger.warning("Invalid HTTP request received.")
        if second == 5:
            logger.warning("Unsupported upgrade request.")
        logger.error("Exception in ASGI application")  # the server's own faults: every one
    assert [line for line in shown if "Exception" not in line] == [
        "Invalid HTTP request received.", "Unsupported upgrade request.",
        "Invalid HTTP request received. (59 more like it in the last 60 s not shown)"]
    assert sum("Exception" in line for line in shown) == 120
