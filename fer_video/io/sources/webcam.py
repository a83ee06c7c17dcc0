"""Frames from a live camera, dropping stale ones so analysis stays real-time."""

from __future__ import annotations

import time

import cv2

from fer_video.io.sources.capturing import CapturingSource
from fer_video.types import Frame, SourceInfo, SourceKind


class WebcamSource(CapturingSource):
    """Grabs frames on a background thread and hands out only the newest one.

    A slow pipeline therefore skips frames instead of falling behind: latency stays at
    one frame's analysis time. Frame indices count every captured frame, so gaps show
    how many were dropped.
    """

    def __init__(self, device: int = 0, width: int | None = None, height: int | None = None) -> None:
        from fer_video.runtime.quiet import native_logs_hidden

        self.device = device
        with native_logs_hidden():  # OpenCV's own two lines on a missing camera: the one below says it
            self._capture = cv2.VideoCapture(device)
            opened = self._capture.isOpened()
        if not opened:
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
                               live=True, kind=SourceKind.WEBCAM)
        self.stopped_early: str | None = None
        self._started_at = time.monotonic()
        self._start(self._grab, f"webcam-{device}", Frame(index=0, time_s=0.0, image=first, captured=time.time()))

    @property
    def dropped(self) -> int:
        return self._mailbox.dropped

    def _grab(self) -> None:
        index = 0
        try:
            while self._running:
                ok, image = self._capture.read()
                if not ok:
                    break
                index += 1
                self._mailbox.put(Frame(index=index, time_s=time.monotonic() - self._started_at, image=image,
                                        captured=time.time()))
        finally:
            self._mailbox.finish()
