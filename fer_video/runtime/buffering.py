"""Decoding ahead and writing behind on their own threads, through bounded queues.

OpenCV decoding, drawing and the pipe into ffmpeg all release the GIL, so a file's frames
are decoded, analysed and encoded at the same time. Queues are small and bounded: memory
stays flat however long the video is.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

_DONE = object()


def prefetch(items: Iterable[Any], depth: int = 4) -> Iterator[Any]:
    """Iterate ``items`` on a background thread, keeping at most ``depth`` ready."""
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        ready.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            ready.put(_DONE)
        except BaseException as error:  # hand decoding errors to the consumer
            ready.put(_Failure(error))
        finally:
            # Close ``items`` here, not when the garbage collector gets to it: that may be on the main
            # thread, where a signal's KeyboardInterrupt in its cleanup (another prefetch's join) is
            # printed as an ignored exception's traceback, and the signal lost.
            close = getattr(items, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name=f"fer-video-ahead-{type(items).__name__}", daemon=True)
    thread.start()
    try:
        while True:
            item = ready.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class Behind:
    """Calls ``handle(item)`` for every submitted item, in order, on one background thread."""

    def __init__(self, handle: Callable[[Any], None], depth: int = 4) -> None:
        self._handle = handle
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="fer-video-write", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _DONE:
                return
            if self._error is None:
                try:
                    self._handle(item)
                except BaseException as error:
                    self._error = error

    def submit(self, item: Any) -> None:
        """Queue ``item``; re-raises, in the caller's thread, an error the handler hit earlier."""
        self.raise_error()
        self._queue.put(item)

    def finish(self) -> None:
        """Handle everything queued, stop the thread, and re-raise a handler error if there was one."""
        self._queue.put(_DONE)
        self._thread.join()
        self.raise_error()

    def raise_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error
