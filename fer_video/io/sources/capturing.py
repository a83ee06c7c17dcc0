"""What live sources share: a capture thread that leaves each frame in a mailbox for the pipeline."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from fer_video.runtime.mailbox import Mailbox
from fer_video.types import Frame


class CapturingSource:
    """Base for live sources: a capture thread feeds a :class:`~fer_video.runtime.mailbox.Mailbox`,
    which keeps only the newest frame (the live :class:`~fer_video.runtime.mailbox.BufferPolicy`), so a
    slow analysis skips frames instead of queuing them and latency stays at one frame's analysis time.

    Subclasses open ``self._capture`` (a ``cv2.VideoCapture``), then call :meth:`_start` with
    their capture loop, which runs while ``self._running`` and ends with ``self._mailbox.finish()``.
    """

    def _start(self, loop: Callable[[], None], name: str, first: Frame | None = None) -> None:
        self._mailbox: Mailbox[Frame] = Mailbox()
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
