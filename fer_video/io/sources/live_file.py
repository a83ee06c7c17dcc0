"""A video file played as if it were a camera: in real time, newest frame only, optionally looping."""

from __future__ import annotations

import time
from pathlib import Path

import cv2

from fer_video.io.sources.capturing import CapturingSource
from fer_video.types import Frame, SourceInfo, SourceKind


class LiveFileSource(CapturingSource):
    """Plays a video file at its own frame rate on a background thread and hands out only the newest frame.

    This lets live features (``fer-video serve --source talk.mp4``) be used, tested and measured
    without a camera: like :class:`~fer_video.io.sources.webcam.WebcamSource`, a slow pipeline skips
    frames instead of falling behind, so latency stays at one frame's analysis time. Indices count
    every frame played, across loops, so gaps show the drops; ``time_s`` is the playing time and
    ``captured`` the wall-clock time the frame became due.
    """

    def __init__(self, path: Path | str, loop: bool = True) -> None:
        self.path = Path(path)
        self.loop = loop
        self._capture = self._open()
        fps = self._capture.get(cv2.CAP_PROP_FPS) or 0.0
        self.fps = fps if 0 < fps < 1000 else 30.0
        self.info = SourceInfo(
            path=self.path,
            fps=self.fps,
            width=int(self._capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
            height=int(self._capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
            frame_count=None,
            live=True,  # a file played like a camera: frames are dropped, there is no audio to keep
            kind=SourceKind.VIDEO,
        )
        self.stopped_early: str | None = None
        self.late = 0  # frames skipped because they were due before they could be decoded
        self._start(self._play, "fer-video-live-file")

    def _open(self) -> cv2.VideoCapture:
        from fer_video.runtime.quiet import decoder_logs_hidden

        decoder_logs_hidden()
        capture = cv2.VideoCapture(str(self.path))
        if not capture.isOpened() or not capture.get(cv2.CAP_PROP_FRAME_WIDTH):
            capture.release()
            raise ValueError(f"{self.path} is not a video that fer-video can read")
        return capture

    def _play(self) -> None:
        period = 1.0 / self.fps
        start = time.monotonic()
        index = 0  # frames played since the start, across loops: the clock of this "camera"
        in_file = 0  # frames decoded since the file was last (re)opened
        try:
            while self._running:
                due = start + index * period
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(min(wait, 0.05))  # short naps, so close() is answered quickly
                    continue
                if not self._capture.grab():
                    if in_file == 0:
                        self.stopped_early = f"{self.path}: no frame could be decoded; the file is damaged or empty"
                        break
                    if not self.loop:
                        break
                    self._capture.release()
                    try:
                        self._capture = self._open()
                    except ValueError as error:  # the file went away while playing
                        self.stopped_early = str(error)
                        break
                    in_file = 0
                    continue
                in_file += 1
                if time.monotonic() - due > period:  # a frame late already: a camera would have dropped it
                    index += 1
                    self.late += 1
                    continue
                ok, image = self._capture.retrieve()
                if not ok:
                    index += 1
                    continue
                self._mailbox.put(Frame(index=index, time_s=index * period, image=image, captured=time.time()))
                index += 1
        finally:
            self._mailbox.finish()

    @property
    def dropped(self) -> int:
        """Frames never analysed: skipped while late, or replaced before the pipeline took them."""
        return self.late + self._mailbox.dropped
