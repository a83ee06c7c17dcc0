"""The ``image`` sink (annotated pictures) and the ``window`` sink (a live OpenCV window)."""

from __future__ import annotations

from pathlib import Path

import cv2

from fer_video import hookimpl
from fer_video.builtins.overlay import annotate
from fer_video.io.atomic import clean_stale, discard, partial_path, publish
from fer_video.plugins.factories import StageFactory
from fer_video.protocols import StopPipeline
from fer_video.types import Frame, RunInfo


class ImageSink:
    """An image in -> an annotated image out; a folder in -> a folder of annotated images."""

    def __init__(self, output: Path | str | None = None) -> None:
        if output is None:
            raise ValueError("needs an output image or folder (e.g. -o annotated.jpg)")
        self.output = Path(output)
        self._kind = "image"

    def start(self, run: RunInfo) -> None:
        self._kind = run.source.kind
        if self._kind == "folder":
            self.output.mkdir(parents=True, exist_ok=True)
        else:
            self.output.parent.mkdir(parents=True, exist_ok=True)
        clean_stale(self.output)

    def write(self, frame: Frame) -> None:
        target = self.output / frame.name if self._kind == "folder" else self.output
        partial = partial_path(target)
        try:
            written = cv2.imwrite(str(partial), annotate(frame))
        except BaseException:
            discard(partial, target)
            raise
        if not written:
            discard(partial, target)
            raise ValueError(f"OpenCV cannot write an image named {target} (use .jpg or .png)")
        publish(partial, target)

    def close(self) -> None:
        pass


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
        cv2.imshow(self.title, annotate(frame))
        if cv2.waitKey(1) & 0xFF in (ord("q"), 27):
            raise StopPipeline

    def close(self) -> None:
        cv2.destroyWindow(self.title)
        cv2.waitKey(1)


@hookimpl
def fer_video_sinks() -> list[StageFactory]:
    return [
        StageFactory("image", ImageSink, "annotated image, or folder of images (output=PATH)"),
        StageFactory("window", WindowSink, "live window with the overlay; q quits"),
    ]
