"""The ``window`` sink: the annotated stream in a live OpenCV window, as ``fer-video webcam`` shows it."""

from __future__ import annotations

from pathlib import Path

import cv2

from fer_video import hookimpl
from fer_video.plugins.factories import StageFactory
from fer_video.protocols import StopPipeline
from fer_video.types import Frame, RunInfo


class WindowSink:
    """Shows the annotated stream in a window; ``q`` or Esc ends the run."""

    def __init__(self, output: Path | str | None = None, title: str = "fer-video") -> None:
        self.title = title

    def start(self, run: RunInfo) -> None:
        try:
            cv2.namedWindow(self.title, cv2.WINDOW_NORMAL)
        except cv2.error as error:
            raise RuntimeError(
                f"cannot open a window ({error.err}); is a display available? "
                "Use `fer-video timeline` or `annotate` on a headless machine"
            ) from None

    def write(self, frame: Frame) -> None:
        cv2.imshow(self.title, frame.annotated())
        if cv2.waitKey(1) & 0xFF in (ord("q"), 27):
            raise StopPipeline

    def close(self) -> None:
        cv2.destroyWindow(self.title)
        cv2.waitKey(1)

    discard = close  # a window publishes nothing: after a failure it just goes away


@hookimpl
def fer_video_sinks() -> list[StageFactory]:
    return [StageFactory("window", WindowSink, "live window with the annotated stream; q quits", writes="window")]
