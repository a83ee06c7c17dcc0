"""The ``video`` sink: the annotated copy as H.264 MP4, with the input's audio kept."""

from __future__ import annotations

from pathlib import Path

from fer_video import hookimpl
from fer_video.atomic import clean_stale, discard, partial_path, publish, special_kind
from fer_video.builtins.annotator import annotate
from fer_video.ffmpeg_tools import H264Writer, audio_of
from fer_video.frame import Frame, RunInfo
from fer_video.registry import StageFactory


class VideoSink:
    """Every frame, annotated, into an MP4 beside which nothing half-written is ever left.

    x264's ``ultrafast`` preset by default: it encodes 720p in about half the CPU time of
    ``veryfast`` for files about four times larger; ``preset=veryfast`` (or slower) for small files.
    """

    def __init__(self, output: Path | str | None = None, preset: str = "ultrafast", crf: int = 23,
                 annotated: bool = True) -> None:
        if output is None:
            raise ValueError("needs an output file (e.g. -o annotated.mp4)")
        self.output = Path(output)
        if special_kind(self.output) not in (None, "character device"):
            raise ValueError(f"{self.output} is a {special_kind(self.output)}; an MP4 needs a file it can seek in "
                             "(name a regular file, or /dev/null to discard the video)")
        self.preset = preset
        self.crf = int(crf)
        self.annotated = bool(annotated)
        self._writer: H264Writer | None = None
        self._partial = partial_path(self.output)

    def start(self, run: RunInfo) -> None:

        source = run.source
        if source.kind not in ("video", "webcam"):
            raise ValueError(f"the video sink needs a video source, not {source.kind}")
        audio = audio_of(source)
        self.output.parent.mkdir(parents=True, exist_ok=True)
        clean_stale(self.output)
        self._writer = H264Writer(self._partial, source.width, source.height, source.fps, audio=audio,
                                  preset=self.preset, crf=self.crf)

    def write(self, frame: Frame) -> None:
        self._writer.write(annotate(frame) if self.annotated else frame.image)

    def discard(self) -> None:
        if self._writer is not None:
            writer, self._writer = self._writer, None
            try:
                writer.close()
            except RuntimeError:
                pass
        discard(self._partial, self.output)

    def close(self) -> None:
        if self._writer is None:
            return
        writer, self._writer = self._writer, None
        try:
            writer.close()
        except RuntimeError:
            discard(self._partial, self.output)
            raise
        try:
            publish(self._partial, self.output)
        except OSError:  # never leave the partial file behind
            discard(self._partial, self.output)
            raise


@hookimpl
def fer_video_sinks() -> list[StageFactory]:
    return [StageFactory("video", VideoSink, "annotated H.264 MP4 with the input's audio (output=FILE)")]
