"""The ffmpeg binary that ships in the imageio-ffmpeg wheel, and a probe built on it.

imageio-ffmpeg brings ffmpeg (with libx264 and AAC) but no ffprobe, so probing reads the
stream lines ``ffmpeg -i`` prints.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """Path to the ffmpeg binary (imageio-ffmpeg's, unless IMAGEIO_FFMPEG_EXE overrides it).

    The wheel's own binary is found without importing imageio-ffmpeg and taken as it is:
    imageio-ffmpeg would import its whole package and run the binary once to check it, which
    every command would wait for at start-up. Where the wheel holds no single binary, it searches.
    """
    import importlib.util
    import os

    if not os.environ.get("IMAGEIO_FFMPEG_EXE"):
        spec = importlib.util.find_spec("imageio_ffmpeg")
        for folder in (spec.submodule_search_locations or []) if spec else []:
            binaries = [path for path in (Path(folder) / "binaries").glob("ffmpeg-*")
                        if path.is_file() and os.access(path, os.X_OK)]
            if len(binaries) == 1:
                return str(binaries[0])
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


@dataclass(frozen=True)
class Probe:
    """The streams of a media file as ffmpeg reports them."""

    video_codec: str | None
    audio_codec: str | None
    width: int | None
    height: int | None
    fps: float | None
    duration_s: float | None
    base_rate: float | None = None
    """The video's base frame rate (ffmpeg's ``tbr``): the rate its timestamps step at. It differs
    from ``fps``, the average, when the frame rate varies (phone and screen recordings)."""

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None


def probe(path: Path | str) -> Probe:
    """Read codecs, size, frame rate and duration without decoding the file.

    A run asks about its input more than once (the source, then the video sink for its audio);
    the answer is kept while the file stays as it was (same size and modification time).
    """
    try:
        stat = Path(path).stat()
        version = (stat.st_size, stat.st_mtime_ns)
    except OSError:
        version = None
    return _probe(str(path), version)


@lru_cache(maxsize=16)
def _probe(path: str, version: tuple[int, int] | None) -> Probe:
    text = subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", path], capture_output=True,
                          text=True).stderr
    video = re.search(r"Stream #\S+.*?: Video: (\w+).*?, (\d{2,5})x(\d{2,5})", text)
    audio = re.search(r"Stream #\S+.*?: Audio: (\w+)", text)
    fps = re.search(r"([\d.]+) fps", text)
    base_rate = re.search(r"([\d.]+) tbr", text)
    duration = re.search(r"Duration: (\d+):(\d+):([\d.]+)", text)
    return Probe(
        video_codec=video.group(1) if video else None,
        audio_codec=audio.group(1) if audio else None,
        width=int(video.group(2)) if video else None,
        height=int(video.group(3)) if video else None,
        fps=float(fps.group(1)) if fps else None,
        duration_s=(int(duration.group(1)) * 3600 + int(duration.group(2)) * 60 + float(duration.group(3)))
        if duration
        else None,
        base_rate=float(base_rate.group(1)) if base_rate else None,
    )


def count_frames(path: Path | str) -> int:
    """Decode-free count of the video frames in ``path``: one line per packet of a stream copy.

    The framecrc muxer writes a line per packet in every FFmpeg release; the progress line that
    a copy to the null muxer prints leaves the frame count out in some (FFmpeg 7.0's static build).
    """
    result = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path), "-map", "0:v:0", "-c", "copy", "-f", "framecrc",
         "-"],
        capture_output=True,
        text=True,
    )
    count = sum(1 for line in result.stdout.splitlines() if line and not line.startswith("#"))
    if not count:
        raise ValueError(f"ffmpeg found no video frames in {path}")
    return count


def _widen_pipe(stream, size: int = 1 << 20) -> None:
    """Grow a pipe's kernel buffer (64 KiB by default on Linux) so whole frames pass in fewer switches.

    Best effort: other systems, or a limit below ``size`` in /proc/sys/fs/pipe-max-size, keep the default.
    """
    try:
        import fcntl

        fcntl.fcntl(stream.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), size)
    except (ImportError, OSError):
        pass


def audio_of(source) -> object | None:
    """The source file's audio as an ffmpeg-python stream for :class:`H264Writer`, or ``None``."""
    import ffmpeg

    return ffmpeg.input(str(source.path)).audio if source.has_audio and source.path else None


def encoder_threads() -> int:
    """x264's threads: one on a machine of up to four cores, else as many as x264 chooses (0).

    x264's frame threads each redo part of the work, so on a small machine, where the encoder
    shares the cores with decoding, detection and classification, one thread is the cheaper
    way to the same frames (and ultrafast on one thread still outpaces the pipeline there)."""
    import os

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return 1 if cores <= 4 else 0


class H264Writer:
    """Encodes BGR frames to an H.264 MP4 that browsers play, optionally with an audio track.

    Frames are turned into YUV 4:2:0 here, with OpenCV's vectorised conversion, rather than by
    ffmpeg's generic scaler: half the bytes through the pipe, and a quarter to a third less CPU
    time in ffmpeg at 720p. Odd sizes are padded by a pixel, as 4:2:0 needs. ``audio`` is an
    ffmpeg-python audio stream (``ffmpeg.input(path).audio``, a ``sine`` source...). ffmpeg runs
    in its own process group, so Ctrl+C reaches only Python, which then closes the pipe and lets
    ffmpeg finish a playable file. ``audio_seconds`` (the input's duration) caps the audio track;
    ``shown_as`` is the name messages give the file (the final one, when ``path`` is a partial file).
    ``qp``, when given, holds x264 to that constant quantizer instead of ``crf``'s constant quality.
    """

    def __init__(self, path: Path | str, width: int, height: int, fps: float, *, audio=None,
                 audio_seconds: float | None = None, preset: str = "ultrafast", crf: int = 23, qp: int | None = None,
                 shown_as: Path | str | None = None) -> None:
        import tempfile
        from fractions import Fraction

        import ffmpeg

        self.path = Path(path)
        self.shown_as = Path(shown_as) if shown_as is not None else self.path  # in messages: the name the user gave
        self._pad = (height % 2, width % 2)  # bottom, right
        even = f"{width + self._pad[1]}x{height + self._pad[0]}"
        rate = Fraction(fps).limit_denominator(1001)
        frames = ffmpeg.input("pipe:", format="rawvideo", pix_fmt="yuv420p", s=even, framerate=str(rate))
        streams = [frames.video]
        extra = {}
        if audio is not None:
            # Padded with silence so that -shortest always ends at the last frame, never earlier
            # (a truncated input's audio can stop before its last decodable frame); -shortest stops
            # the padding some frames late when the frames come through a pipe, so the input's own
            # duration, when known, ends it where the input ends. A packet of a damaged audio track
            # that does not decode leaves silence in its place (aresample's async), not a shift of
            # the rest; max_error_rate 1 below keeps ffmpeg going past such packets.
            audio = audio.filter("aresample", **{"async": 1}).filter("apad")
            streams.append(audio.filter("atrim", end=audio_seconds) if audio_seconds else audio)
            extra = {"acodec": "aac", "audio_bitrate": "128k", "shortest": None}
        rate = {"crf": int(crf)} if qp is None else {"qp": int(qp)}
        command = (
            ffmpeg.output(*streams, str(self.path), vcodec="libx264", pix_fmt="yuv420p", preset=preset,
                          **rate, threads=encoder_threads(), movflags="+faststart", format="mp4", **extra)
            .global_args("-hide_banner", "-loglevel", "error", "-nostats", "-max_error_rate", "1")
            .overwrite_output()
            .compile(cmd=ffmpeg_exe())
        )
        self._yuv = None
        self._log = tempfile.TemporaryFile()
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=self._log,
                                         start_new_session=True)
        _widen_pipe(self._process.stdin)

    def write(self, image) -> None:
        """Append one BGR frame of the size given at construction."""
        import cv2

        if any(self._pad):
            image = cv2.copyMakeBorder(image, 0, self._pad[0], 0, self._pad[1], cv2.BORDER_REPLICATE)
        try:
            # Into the same buffer each frame: the pipe has its bytes (written or buffered) once
            # write() returns, and a fresh buffer would cost page faults every frame.
            self._yuv = cv2.cvtColor(image, cv2.COLOR_BGR2YUV_I420, dst=self._yuv)
            self._process.stdin.write(self._yuv.data)
        except BrokenPipeError:
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            raise RuntimeError(f"ffmpeg stopped while writing {self.shown_as}: {self._why()}") from None

    def close(self) -> None:
        """Finish the file; raises with ffmpeg's message if it could not."""
        try:
            self._process.stdin.close()
        except BrokenPipeError:
            pass
        if self._process.wait() != 0:
            raise RuntimeError(f"ffmpeg failed to write {self.shown_as}: {self._why()}")

    def _why(self) -> str:
        """ffmpeg's own message, or the signal that stopped it without one (a file size limit)."""
        code = self._process.poll()
        if code is not None and code < 0 and self.errors() == "no message":
            import signal

            name = signal.Signals(-code).name
            return f"it was stopped by {name}" + (" (the file size limit, ulimit -f, was reached)"
                                                  if name == "SIGXFSZ" else "")
        return self.errors()

    def errors(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace").strip()[-2000:] or "no message"
