"""Frames from a video file, every one of them, in order."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2

from fer_video.io.ffmpeg import ffmpeg_exe, probe
from fer_video.io.reused_images import ReusedImages
from fer_video.types import Frame, SourceInfo, SourceKind


class VideoFileSource:
    """Decodes a video file frame by frame; a file is never dropped from, only streamed.

    OpenCV's FFmpeg reader with one decoding thread: in CPU time the cheapest way on a small
    machine (cheaper than an ffmpeg process piping BGR frames),
    and it still outruns the analysis, beside which it runs on the pipeline's read-ahead thread.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        from fer_video.runtime.quiet import decoder_logs_hidden, native_logs_hidden

        decoder_logs_hidden()
        with native_logs_hidden():  # a file that fails to open gets our one line, not FFmpeg's and OpenCV's
            self._capture = cv2.VideoCapture(str(self.path), cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, 1])
            opened = self._capture.isOpened() and self._capture.get(cv2.CAP_PROP_FRAME_WIDTH)
        if not opened:
            self._capture.release()
            raise ValueError(unreadable(self.path))
        # Upright frames, as players show them: a phone's portrait video is stored sideways with a
        # display matrix saying how to turn it (the size below is then the turned one).
        self._capture.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
        rotation = int(self._capture.get(cv2.CAP_PROP_ORIENTATION_META) or 0) % 360
        fps = self._capture.get(cv2.CAP_PROP_FPS) or 0.0
        fps = fps if 0 < fps < 1000 else 30.0
        count = int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        streams = probe(self.path)
        # A variable frame rate shows as an average rate (fps) below the rate the timestamps step
        # at (tbr); a copy is then resampled to the latter, so no frame of a fast stretch is lost.
        base = streams.base_rate or fps
        variable = abs(base - fps) > 0.01 * fps
        # An animated GIF: OpenCV gives its time base (100 fps) as the rate, its frames last longer
        # (the average says how much), each its own time; a copy at 100 fps would play ten times too fast.
        variable = variable or bool(streams.fps and streams.fps < 0.99 * fps)
        if variable and fps < base <= 120:
            fps = base
        self.info = SourceInfo(
            path=self.path,
            fps=fps,
            width=int(self._capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
            height=int(self._capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
            frame_count=count if count > 0 else None,
            kind=SourceKind.VIDEO,
            has_audio=streams.has_audio,
            rotation=rotation,
            variable_rate=variable,
        )
        self.stopped_early: str | None = None

    def __iter__(self) -> Iterator[Frame]:
        fps = self.info.fps
        index = 0
        time_s = -1.0
        images = ReusedImages()
        while True:
            given = images.free()
            ok, image = self._capture.read(given) if given is not None else self._capture.read()
            if not ok or image is None:
                break
            images.returned(given, image)
            # The frame's presentation time, which a variable frame rate makes differ from index / fps;
            # a frame without one (or out of order) is put one frame after the last.
            shown = self._capture.get(cv2.CAP_PROP_POS_MSEC) / 1000
            time_s = shown if shown > time_s else time_s + 1 / fps
            yield Frame(index=index, time_s=time_s, image=image)
            index += 1
        expected = self.info.frame_count
        if index == 0:
            self.stopped_early = f"{self.path}: no frame could be decoded; the file is damaged or empty"
        elif expected and index < expected - 1 and time_s >= (expected - 2) / fps:
            # Frames missing from the middle, not the end: empty (zero-size) or undecodable ones
            # were skipped, and the outputs still run to the end of the video.
            self.stopped_early = (
                f"{self.path}: {expected - index} of the {expected} frames its header announces were empty "
                f"or could not be decoded and were skipped; the outputs cover the whole video"
            )
        elif expected and index < expected - 1:
            self.stopped_early = (
                f"{self.path}: decoding stopped at frame {index} of the {expected} its header announces "
                f"(truncated or damaged file); the outputs cover frames 0-{index - 1}"
            )

    def close(self) -> None:
        self._capture.release()


def unreadable(path: Path) -> str:
    """Why ``path`` does not open as a video, in words that say what happened to the file."""
    import subprocess

    if path.stat().st_size == 0:
        return f"{path} is empty (0 bytes): nothing was recorded or copied into it"
    text = subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)],
                          capture_output=True, text=True).stderr
    with path.open("rb") as handle:
        mp4 = handle.read(12)[4:8] == b"ftyp"  # every MP4 and MOV starts with this box
    if mp4 and "moov atom not found" in text:
        return (f"{path} is an MP4 without its index (moov atom): its recording or copy stopped before "
                "the end, so no frame can be located in it")
    if "Stream #" in text and "Video:" not in text:
        return f"{path} has no video stream that can be decoded (cut off within its header, or audio only)"
    return f"{path} is not a video or image that fer-video can read (ffmpeg recognises no format in it)"
