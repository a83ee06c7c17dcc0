"""Frames from a live camera, dropping stale ones so analysis stays real-time."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import cv2

from fer_video.frame import Frame, SourceInfo


class WebcamSource:
    """Grabs frames on a background thread and hands out only the newest one.

    A slow pipeline therefore skips frames instead of falling behind: latency stays at
    one frame's analysis time. Frame indices count every captured frame, so gaps show
    how many were dropped.
    """

    def __init__(self, device: int = 0, width: int | None = None, height: int | None = None) -> None:
        self.device = device
        self._capture = cv2.VideoCapture(device)
        if not self._capture.isOpened():
            self._capture.release()
            raise FileNotFoundError(f"no webcam at device {device}; check that a camera is connected and free")
        if width and height:
            self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        ok, first = self._capture.read()
        if not ok:
            self._capture.release()
            raise FileNotFoundError(f"webcam {device} opened but gave no picture")
        fps = self._capture.get(cv2.CAP_PROP_FPS) or 30.0
        self.info = SourceInfo(path=None, fps=fps, width=first.shape[1], height=first.shape[0],
                               live=True, kind="webcam")
        self.stopped_early: str | None = None
        self.dropped = 0
        self._latest: tuple[int, float, object, float] | None = (0, 0.0, first, time.time())
        self._new = threading.Condition()
        self._running = True
        self._start = time.monotonic()
        self._thread = threading.Thread(target=self._grab, name=f"webcam-{device}", daemon=True)
        self._thread.start()

    def _grab(self) -> None:
        index = 0
        while self._running:
            ok, image = self._capture.read()
            if not ok:
                break
            index += 1
            with self._new:
                if self._latest is not None:
                    self.dropped += 1
                self._latest = (index, time.monotonic() - self._start, image, time.time())
                self._new.notify()
        with self._new:
            self._running = False
            self._new.notify()

    def __iter__(self) -> Iterator[Frame]:
        while True:
            with self._new:
                while self._latest is None and self._running:
                    self._new.wait(timeout=1.0)
                if self._latest is None:
                    return
                index, seconds, image, captured = self._latest
                self._latest = None
            yield Frame(index=index, time_s=seconds, image=image, captured=captured)

    def close(self) -> None:
        self._running = False
        self._thread.join(timeout=2.0)
        self._capture.release()
