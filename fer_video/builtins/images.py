"""The ``image`` sink: an annotated picture for a picture, a folder of them for a folder."""

from __future__ import annotations

from pathlib import Path

import cv2

from fer_video import hookimpl
from fer_video.io.atomic import clean_stale, discard, partial_path, publish
from fer_video.io.sources.images import IMAGE_SUFFIXES
from fer_video.plugins.factories import StageFactory
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
            written = cv2.imwrite(str(partial), frame.annotated())
        except BaseException:
            discard(partial, target)
            raise
        if not written:
            discard(partial, target)
            raise ValueError(f"OpenCV cannot write an image named {target} (use .jpg or .png)")
        publish(partial, target)

    def close(self) -> None:
        pass


@hookimpl
def fer_video_sinks() -> list[StageFactory]:
    return [StageFactory("image", ImageSink, "annotated image, or folder of images (output=PATH)", writes="picture",
                         suffixes=(".jpg", ".png", *sorted(IMAGE_SUFFIXES - {".jpg", ".png"})))]
