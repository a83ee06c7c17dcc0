"""The ``image`` sink: an annotated picture for a picture, a folder of them for a folder."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import cv2

from fer_video import hookimpl
from fer_video.io.atomic import clean_stale, discard, partial_path, publish
from fer_video.io.sources.images import IMAGE_SUFFIXES
from fer_video.plugins.factories import StageFactory
from fer_video.types import Frame, RunInfo


class ImageSink:
    """An image in -> an annotated image out; a folder in -> a folder of annotated images.

    A folder is built under a partial name of its own beside ``output`` and renamed whole at the
    end (Ctrl+C too), as a file is: a ``kill -9`` never leaves a half folder under the final name.
    Into an existing folder (``--force``) the finished pictures are moved one by one.
    """

    def __init__(self, output: Path | str | None = None) -> None:
        if output is None:
            raise ValueError("needs an output image or folder (e.g. -o annotated.jpg)")
        self.output = Path(output)
        self._kind = "image"
        self._building: Path | None = None

    def start(self, run: RunInfo) -> None:
        self._kind = run.source.kind
        self.output.parent.mkdir(parents=True, exist_ok=True)
        clean_stale(self.output)
        if self._kind == "folder":
            self._building = partial_path(self.output)
            self._building.mkdir()

    def write(self, frame: Frame) -> None:
        if self._building is not None:
            self._write(frame, self._building / frame.name, self.output / frame.name)
            return
        partial = partial_path(self.output)
        try:
            self._write(frame, partial, self.output)
        except BaseException:
            discard(partial, self.output)
            raise
        publish(partial, self.output)

    def _write(self, frame: Frame, path: Path, shown: Path) -> None:
        if not cv2.imwrite(str(path), frame.annotated()):
            raise ValueError(f"OpenCV cannot write an image named {shown} (use .jpg or .png)")

    def discard(self) -> None:
        if self._building is not None:
            shutil.rmtree(self._building, ignore_errors=True)
            self._building = None

    def close(self) -> None:
        if self._building is None:
            return
        building, self._building = self._building, None
        try:
            if not self.output.is_dir():
                try:
                    os.rename(building, self.output)  # never over a folder with files: that fails
                except OSError as error:
                    if error.errno not in (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR):
                        raise
                    raise FileExistsError(f"output {self.output} appeared while this run was writing it "
                                          "(another run's?); it is kept and this run's pictures discarded: "
                                          "pass --force to add to it") from error
                return
            for picture in sorted(building.iterdir()):
                os.replace(picture, self.output / picture.name)
        finally:
            shutil.rmtree(building, ignore_errors=True)


@hookimpl
def fer_video_sinks() -> list[StageFactory]:
    return [StageFactory("image", ImageSink, "annotated image, or folder of images (output=PATH)", writes="picture",
                         suffixes=(".jpg", ".png", *sorted(IMAGE_SUFFIXES - {".jpg", ".png"})))]
