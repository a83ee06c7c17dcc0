"""Where frames come from: video files, webcams, images and folders of images."""

from __future__ import annotations

from pathlib import Path

from fer_video.io.atomic import special_kind
from fer_video.io.names import check_name
from fer_video.io.sources.images import IMAGE_SUFFIXES, ImageFolderSource, ImageSource
from fer_video.io.sources.live_file import LiveFileSource
from fer_video.io.sources.video_file import VideoFileSource
from fer_video.io.sources.webcam import WebcamSource
from fer_video.messages import UsageError
from fer_video.protocols import Source


def open_source(location: str | Path | int, live: bool = False, loop: bool = True) -> Source:
    """A webcam for an integer (``0``), a folder of images, an image, or a video file.

    With ``live=True`` a video file is played like a camera (real time, stale frames dropped,
    looping unless ``loop=False``), for live views such as ``fer-video serve``.
    """
    if isinstance(location, int) or (isinstance(location, str) and location.isdigit()):
        return WebcamSource(int(location))
    path = Path(location)
    check_name(path)
    if not path.exists():
        raise FileNotFoundError(f"input {path} does not exist")
    if special_kind(path) is not None:  # a FIFO reads as "truncated", /dev/zero as "empty": say what it is
        raise UsageError(f"input {path} is a {special_kind(path)}; fer-video reads a video or picture file or a "
                         "folder of pictures: save the stream to a file first")
    if live:
        if path.is_dir() or path.suffix.lower() in IMAGE_SUFFIXES:
            raise ValueError(f"a live source is a camera index or a video file, not {path}")
        return LiveFileSource(path, loop=loop)
    if path.is_dir():
        return ImageFolderSource(path)
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageSource(path)
    return VideoFileSource(path)


__all__ = ["Source", "open_source", "VideoFileSource", "WebcamSource", "ImageSource", "ImageFolderSource",
           "LiveFileSource"]
