"""Frames from a video file, every one of them, in order."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from fer_video.ffmpeg_tools import ffmpeg_exe, probe, widen_pipe
from fer_video.frame import Frame, SourceInfo


class VideoFileSource:
    """Decodes a video file frame by frame; a file is never dropped from, only streamed.

    OpenCV reads the header (size, frame rate, frame count); ffmpeg decodes, in a process of
    its own, straight to BGR: on 720p H.264 that takes about half the CPU of OpenCV's reader.
    One decoding thread is the cheapest way on a small machine and still outruns the analysis;
    the other cores are left to detection, classification and encoding.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        capture = cv2.VideoCapture(str(self.path))
        try:
            if not capture.isOpened() or not capture.get(cv2.CAP_PROP_FRAME_WIDTH):
                raise ValueError(f"{self.path} is not a video or image that fer-video can read")
            fps = capture.get(cv2.CAP_PROP_FPS) or 0.0
            count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
            width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
            height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        finally:
            capture.release()
        self.info = SourceInfo(
            path=self.path,
            fps=fps if 0 < fps < 1000 else 30.0,
            width=width,
            height=height,
            frame_count=count if count > 0 else None,
            kind="video",
            has_audio=probe(self.path).has_audio,
        )
        self.stopped_early: str | None = None
        self._process: subprocess.Popen | None = None

    def __iter__(self) -> Iterator[Frame]:
        width, height, fps = self.info.width, self.info.height, self.info.fps
        command = [
            ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-threads", "1", "-i", str(self.path),
            "-map", "0:v:0", "-vf", f"scale={width}:{height}", "-fps_mode", "passthrough",
            "-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:",
        ]
        log = tempfile.TemporaryFile()
        # Its own session: Ctrl+C reaches Python, which stops decoding in close().
        self._process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, start_new_session=True)
        widen_pipe(self._process.stdout)
        index = 0
        try:
            while True:
                image = np.empty((height, width, 3), np.uint8)
                if not _read_into(self._process.stdout, memoryview(image).cast("B")):
                    break
                yield Frame(index=index, time_s=index / fps, image=image)
                index += 1
            self._process.wait()
        finally:
            self.close()
        log.seek(0)
        problem = log.read().decode(errors="replace").strip().splitlines()
        expected = self.info.frame_count
        if index == 0:
            self.stopped_early = f"{self.path}: no frame could be decoded; the file is damaged or empty"
        elif expected and index < expected - 1:
            self.stopped_early = (
                f"{self.path}: decoding stopped at frame {index} of the {expected} its header announces "
                f"(truncated or damaged file); the outputs cover frames 0-{index - 1}"
            )
        if self.stopped_early and problem:
            self.stopped_early += f". ffmpeg said: {problem[-1]}"

    def close(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.kill()
        process.wait()
        process.stdout.close()


def _read_into(stream, buffer: memoryview) -> bool:
    """Fill ``buffer`` from ``stream``; False at the end of the stream (a partial frame is dropped)."""
    filled = 0
    while filled < len(buffer):
        got = stream.readinto(buffer[filled:])
        if not got:
            return False
        filled += got
    return True
