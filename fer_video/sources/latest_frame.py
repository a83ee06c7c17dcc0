"""A one-frame mailbox between a live capture thread and the pipeline."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from fer_video.frame import Frame


class LatestFrame:
    """Holds only the newest frame: a frame the pipeline has not taken yet is replaced (and counted as dropped).

    This is what keeps live sources real-time: a slow analysis skips frames instead of
    queuing them, so latency stays at one frame's analysis time.
    """

    def __init__(self) -> None:
        self.dropped = 0
        self._frame: Frame | None = None
        self._open = True
        self._changed = threading.Condition()

    def put(self, frame: Frame) -> None:
        with self._changed:
            if self._frame is not None:
                self.dropped += 1
            self._frame = frame
            self._changed.notify()

    def finish(self) -> None:
        """No more frames will come; iteration ends once the last one is taken."""
        with self._changed:
            self._open = False
            self._changed.notify()

    def __iter__(self) -> Iterator[Frame]:
        while True:
            with self._changed:
                while self._frame is None and self._open:
                    self._changed.wait(timeout=1.0)
                if self._frame is None:
                    return
                frame, self._frame = self._frame, None
            yield frame
