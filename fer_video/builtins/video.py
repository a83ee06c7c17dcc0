"""The ``video`` sink: the annotated copy as H.264 MP4, with the input's audio kept."""

from __future__ import annotations

from pathlib import Path

from fer_video import hookimpl
from fer_video.builtins.options import whole_number
from fer_video.io.atomic import clean_stale, discard, partial_path, publish, special_kind
from fer_video.io.ffmpeg import H264Writer, audio_of, probe
from fer_video.plugins.factories import StageFactory
from fer_video.types import Frame, RunInfo

# x264 at ultrafast holds quality constant (crf) by first analysing each frame at quarter size; a
# constant quantizer skips that. At 20 it matches crf 23 in size and PSNR on real faces at 720p.
ULTRAFAST_QP = 20


class VideoSink:
    """Every frame, annotated, into an MP4 beside which nothing half-written is ever left.

    x264's ``ultrafast`` preset by default: it encodes 720p in about half the CPU time of
    ``veryfast`` for files about four times larger; ``preset=veryfast`` (or slower) for small files.
    Quality: ``crf`` (constant quality, 23 unless given) or ``qp`` (a constant quantizer); at
    ``ultrafast`` without either, ``qp=20``, which costs x264 less CPU time for the same quality.
    """

    def __init__(self, output: Path | str | None = None, preset: str = "ultrafast", crf: int | None = None,
                 qp: int | None = None, annotated: bool = True, force: bool = False) -> None:
        if output is None:
            raise ValueError("needs an output file (e.g. -o annotated.mp4)")
        self.output = Path(output)
        if special_kind(self.output) not in (None, "character device"):
            raise ValueError(f"{self.output} is a {special_kind(self.output)}; an MP4 needs a file it can seek in "
                             "(name a regular file, or /dev/null to discard the video)")
        if self.output.is_dir():
            raise ValueError(f"{self.output} is a folder; name a file (force never replaces a folder)")
        if self.output.is_file() and not force:  # the commands check first, and pass force=True once --force allows
            raise FileExistsError(f"{self.output} already exists; pass force=True to overwrite it")
        if crf is not None and qp is not None:
            raise ValueError("give crf (constant quality) or qp (constant quantizer), not both")
        self.preset = preset
        self.crf = 23 if crf is None else whole_number("crf", crf, 0, 51)
        self.qp = ULTRAFAST_QP if qp is None and crf is None and preset == "ultrafast" else qp
        if self.qp is not None:
            self.qp = whole_number("qp", self.qp, 0, 51)
        self.annotated = bool(annotated)
        self._writer: H264Writer | None = None
        self._partial = partial_path(self.output)
        self._fps = 0.0
        self._frames = 0
        self._resample = False
        self._held = None  # a resampled copy's last frame, written once the next one says for how long
        self._held_slot = self._last_gap = 0
        self.damaged_input: str | None = None
        """Set at close when the input's audio did not all decode: the copy is whole, the input is not."""
        self._audio_from = None

    def start(self, run: RunInfo) -> None:

        source = run.source
        if source.kind not in ("video", "webcam"):
            raise ValueError(f"the video sink needs a video source, not {source.kind}")
        audio = audio_of(source)
        self._audio_from = source.path if audio is not None else None
        self.output.parent.mkdir(parents=True, exist_ok=True)
        clean_stale(self.output)
        seconds = probe(source.path).duration_s if audio is not None else None
        self._writer = H264Writer(self._partial, source.width, source.height, source.fps, audio=audio,
                                  audio_seconds=seconds, preset=self.preset, crf=self.crf, qp=self.qp,
                                  shown_as=self.output)
        self._fps, self._held = source.fps, None
        self._frames = 0
        self._resample = source.kind == "video" and source.variable_rate

    def write(self, frame: Frame) -> None:
        image = frame.annotated() if self.annotated else frame.image
        self._frames += 1
        if not self._resample:
            self._writer.write(image)
            return
        # A variable frame rate, resampled to a constant one: each frame shows from its presentation
        # time until the next frame's, so the copy lasts as long as its audio and stays in sync
        # with it (a frame due in the slot of the one before, faster than the rate, is left out).
        slot = round(frame.time_s * self._fps)
        if self._held is None:
            self._held, self._held_slot = image, 0  # a late first frame also covers the start
        elif slot > self._held_slot:
            self._last_gap = slot - self._held_slot
            for _ in range(self._last_gap):
                self._writer.write(self._held)
            self._held, self._held_slot = image, slot

    def _write_held(self) -> None:
        """The resampled copy's last frame, for as long as the gap before it (one frame at least)."""
        if self._held is not None:
            for _ in range(max(1, self._last_gap)):
                self._writer.write(self._held)
            self._held = None

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
        if self._frames == 0:  # no frame decoded (or Ctrl+C before the first): an MP4 without a picture is no video
            self.discard()
            return
        try:
            self._write_held()
        except RuntimeError:
            pass  # ffmpeg stopped: closing it below says why
        writer, self._writer = self._writer, None
        try:
            writer.close()
        except RuntimeError:
            discard(self._partial, self.output)
            raise
        if self._audio_from is not None and writer.errors() != "no message":  # the frames come from us
            self.damaged_input = (f"{self._audio_from}: its audio track is damaged (part of it does not decode); "
                                  f"{self.output} has silence in its place, in sync")
        try:
            publish(self._partial, self.output)
        except OSError:  # never leave the partial file behind
            discard(self._partial, self.output)
            raise


@hookimpl
def fer_video_sinks() -> list[StageFactory]:
    return [StageFactory("video", VideoSink, "annotated H.264 MP4 with the input's audio (output=FILE)", writes="video",
                         suffixes=(".mp4", ".mov", ".m4v"))]
