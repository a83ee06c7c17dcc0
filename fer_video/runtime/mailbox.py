"""Buffering policy: a file is read without drops, a live source keeps only its newest frame.

As in Roboflow inference, the policy follows from the source (:attr:`fer_video.types.SourceInfo.live`).
A file's frames go through bounded queues that wait for the analysis (:mod:`fer_video.runtime.buffering`),
so none is lost however slow it is. A live source hands over through a :class:`Mailbox`, one slot in
which a new frame replaces one not yet taken, so a slow analysis skips frames instead of lagging
behind the camera. The live view uses the same mailbox twice more: between the pipeline and the
JPEG encoder, and between the encoder and the viewers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from enum import Enum
from typing import Generic, TypeVar

from fer_video.types import SourceInfo

T = TypeVar("T")


class BufferPolicy(Enum):
    """How frames wait between a source and the analysis."""

    EVERY_FRAME = "every frame"
    """A file: every frame analysed in order; the reader waits when the analysis is behind."""
    NEWEST_FRAME = "newest frame"
    """A live source: only the newest frame waits; an older one not yet taken is dropped."""

    @classmethod
    def for_source(cls, info: SourceInfo) -> BufferPolicy:
        return cls.NEWEST_FRAME if info.live else cls.EVERY_FRAME


class Mailbox(Generic[T]):
    """One slot between threads: :meth:`put` replaces an item not yet taken (counted in :attr:`dropped`).

    A consumer takes items with :meth:`take` or by iterating, which ends once :meth:`finish` was
    called and the last item is taken. Readers that each want the newest item without taking it
    (every viewer of the live page) read :attr:`newest`.
    """

    def __init__(self) -> None:
        self.dropped = 0
        self._waiting: T | None = None
        self._full = False
        self._newest: T | None = None
        self._open = True
        self._changed = threading.Condition()

    def put(self, item: T) -> None:
        """Leave ``item`` for the consumer, replacing one it has not taken; never waits."""
        with self._changed:
            if self._full:
                self.dropped += 1
            self._waiting, self._full, self._newest = item, True, item
            self._changed.notify_all()

    def take(self, timeout: float | None = None) -> T | None:
        """The waiting item, once there is one; ``None`` when finished and empty, or after ``timeout`` s."""
        with self._changed:
            self._changed.wait_for(lambda: self._full or not self._open, timeout)
            if not self._full:
                return None
            item, self._waiting, self._full = self._waiting, None, False
            return item

    def finish(self) -> None:
        """No more items will come; the consumer still gets the one waiting."""
        with self._changed:
            self._open = False
            self._changed.notify_all()

    @property
    def newest(self) -> T | None:
        """The last item put, taken or not (``None`` before the first)."""
        return self._newest

    def __iter__(self) -> Iterator[T]:
        while True:
            with self._changed:
                while not self._full and self._open:
                    self._changed.wait(timeout=1.0)  # short waits, so Ctrl+C is answered on any platform
                if not self._full:
                    return
                item, self._waiting, self._full = self._waiting, None, False
            yield item
