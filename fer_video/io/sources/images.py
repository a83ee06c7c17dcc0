"""Frames from a single image or a folder of images (the original repo's picture tool)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from fer_video.io.names import check_name
from fer_video.types import Frame, SourceInfo, SourceKind

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}


def _decode(path: Path) -> tuple[np.ndarray | None, str | None]:
    """The picture in ``path`` and, if its file is cut short, what is wrong: OpenCV decodes a
    truncated JPEG or PNG without complaint, filling the missing part with grey."""
    raw = path.read_bytes()
    image = cv2.imread(str(path), cv2.IMREAD_COLOR) if raw else None  # imdecode refuses what imread salvages
    if image is None:
        return None, "not a picture OpenCV can read" if raw else "empty (0 bytes)"
    if raw[:2] == b"\xff\xd8" and raw.rfind(b"\xff\xd9") < raw.rfind(b"\xff\xda"):  # no end after the last scan
        return image, "truncated: its end is missing, so the bottom of the picture is grey"
    if raw[:8] == b"\x89PNG\r\n\x1a\n" and b"IEND" not in raw[-64:]:
        return image, "truncated: its end is missing, so part of the picture is missing"
    return image, None


class ImageSource:
    """One picture as a one-frame source."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._image, damage = _decode(self.path)
        if self._image is None:
            raise ValueError(f"{self.path} is {damage}")
        height, width = self._image.shape[:2]
        self.info = SourceInfo(path=self.path, fps=0.0, width=width, height=height, frame_count=1,
                               kind=SourceKind.IMAGE)
        self.stopped_early: str | None = f"{self.path} is {damage}; it was analysed as it decodes" if damage else None

    def __iter__(self) -> Iterator[Frame]:
        yield Frame(index=0, time_s=0.0, image=self._image, name=self.path.name)

    def close(self) -> None:
        pass


class ImageFolderSource:
    """Every image in a folder, in name order; one frame each, named after its file."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        visible = sorted(p for p in self.folder.iterdir() if not p.name.startswith("."))
        entries = [p for p in visible if p.is_file()]
        self.files = [p for p in entries if p.suffix.lower() in IMAGE_SUFFIXES]
        for path in self.files:
            check_name(path, "picture")
        self.other_files = [p.name for p in entries if p not in self.files]  # said at the end, not ignored
        self.sub_folders = [p.name for p in visible if p.is_dir()]
        self.warnings: list[str] = []
        """What is left out on purpose (files that are not pictures, sub-folders): said, with exit code 0."""
        if self.other_files:
            self.warnings.append(f"{self.folder}: skipped {len(self.other_files)} file(s) that are not pictures "
                                 f"({', '.join(sorted(IMAGE_SUFFIXES))}): {', '.join(self.other_files)}")
        if self.sub_folders:
            self.warnings.append(f"{self.folder}: skipped {len(self.sub_folders)} sub-folder(s), as only the "
                                 f"pictures directly in it are analysed: {', '.join(self.sub_folders)}")
        if not self.files:
            raise ValueError(
                f"folder {self.folder} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))})"
            )
        self.info = SourceInfo(path=self.folder, fps=0.0, width=0, height=0, frame_count=len(self.files),
                               kind=SourceKind.FOLDER)
        self.stopped_early: str | None = None

    def __iter__(self) -> Iterator[Frame]:
        skipped, damaged = [], []
        for index, path in enumerate(self.files):
            image, damage = _decode(path)
            if image is None:
                skipped.append(f"{path.name} ({damage})")
                continue
            if damage:
                damaged.append(path.name)
            yield Frame(index=index, time_s=0.0, image=image, name=path.name)
        problems = []
        if skipped:
            problems.append(f"skipped {len(skipped)} unreadable file(s): {', '.join(skipped)}")
        if damaged:
            problems.append(f"analysed {len(damaged)} truncated picture(s) as far as they decode: {', '.join(damaged)}")
        if problems:
            self.stopped_early = f"{self.folder}: " + "; ".join(problems)

    def close(self) -> None:
        pass
