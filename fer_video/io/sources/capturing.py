"""A one-frame mailbox between a live capture thread and the pipeline."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from fer_video.types import Frame


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


class CapturingSource:
    """Base for live sources: a capture thread feeds a :class:`LatestFrame`; the pipeline reads it.

    Subclasses open ``self._capture`` (a ``cv2.VideoCapture``), then call :meth:`_start` with
    their capture loop, which runs while ``self._running`` and ends with ``self._mailbox.finish()``.
    """

    def _start(self, loop: Callable[[], None], name: str, first: Frame | None = None) -> None:
        self._mailbox = LatestFrame()
        if first is not None:
            self._mailbox.put(first)
        self._running = True
        self._thread = threading.Thread(target=loop, name=name, daemon=True)
        self._thread.start()

    def __iter__(self) -> Iterator[Frame]:
        return iter(self._mailbox)

    def close(self) -> None:
        self._running = False
        self._thread.join(timeout=2.0)
        self._capture.release()
