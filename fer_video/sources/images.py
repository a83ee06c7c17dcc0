"""Frames from a single image or a folder of images (the original repo's picture tool)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from fer_video.frame import Frame, SourceInfo

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}


def read_image(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"{path} is not an image that OpenCV can read")
    return image


class ImageSource:
    """One picture as a one-frame source."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._image = read_image(self.path)
        height, width = self._image.shape[:2]
        self.info = SourceInfo(path=self.path, fps=0.0, width=width, height=height, frame_count=1, kind="image")
        self.stopped_early: str | None = None

    def __iter__(self) -> Iterator[Frame]:
        yield Frame(index=0, time_s=0.0, image=self._image, name=self.path.name)

    def close(self) -> None:
        pass


class ImageFolderSource:
    """Every image in a folder, in name order; one frame each, named after its file."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        self.files = sorted(p for p in self.folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not self.files:
            raise ValueError(
                f"folder {self.folder} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))})"
            )
        self.info = SourceInfo(path=self.folder, fps=0.0, width=0, height=0, frame_count=len(self.files),
                               kind="folder")
        self.stopped_early: str | None = None

    def __iter__(self) -> Iterator[Frame]:
        skipped = []
        for index, path in enumerate(self.files):
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is None:
                skipped.append(path.name)
                continue
            yield Frame(index=index, time_s=0.0, image=image, name=path.name)
        if skipped:
            self.stopped_early = f"{self.folder}: skipped {len(skipped)} unreadable file(s): {', '.join(skipped)}"

    def close(self) -> None:
        pass
