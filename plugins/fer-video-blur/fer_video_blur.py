"""fer-video-blur: a ``blur`` sink that writes a privacy copy with every detected face blurred.

A third-party fer-video plugin. fer-video finds it through the ``fer_video`` entry point in
this distribution's pyproject.toml, and it uses only fer-video's public types, so it is also
the worked example in fer-video's README ("Writing a plugin").
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from fer_video import hookimpl
from fer_video.io.atomic import discard, partial_path, publish
from fer_video.io.ffmpeg import H264Writer, audio_of
from fer_video.plugins.factories import StageFactory
from fer_video.types import Face, Frame, RunInfo

SHAPES = ("box", "ellipse")
VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov")


def blur_faces(image: np.ndarray, faces: list[Face], strength: float = 0.5, shape: str = "ellipse",
               margin: float = 0.1) -> np.ndarray:
    """A copy of ``image`` with each face blurred; the frame itself stays intact for other sinks.

    The kernel grows with the face (``strength`` times its longer side), so a close-up is
    blurred as beyond recognition as a face far away. ``margin`` grows the detector's tight
    box, since hair, ears and jaw line identify people too.
    """
    out = image.copy()
    for face in faces:
        region = face.crop(out, margin)  # a view: writing into it writes into ``out``
        if region.size == 0:
            continue
        kernel = max(3, int(strength * max(face.w, face.h)) | 1)  # odd, as OpenCV needs
        blurred = cv2.GaussianBlur(region, (kernel, kernel), kernel / 4)
        if shape == "box":
            region[:] = blurred
            continue
        height, width = region.shape[:2]
        mask = np.zeros((height, width), np.uint8)
        cv2.ellipse(mask, ((width / 2, height / 2), (width, height), 0), 255, -1)
        region[mask > 0] = blurred[mask > 0]
    return out


class BlurSink:
    """Every frame with its faces blurred: an H.264 MP4 (audio kept) for a video, images for images.

    Only faces the detector found are blurred; a missed detection leaves that frame's face
    visible, so check the output (or pick a stronger detector) before sharing it.
    """

    def __init__(self, output: Path | str | None = None, strength: float = 0.5, shape: str = "ellipse",
                 margin: float = 0.1, preset: str = "veryfast", crf: int = 23) -> None:
        if output is None:
            raise ValueError("needs an output file (e.g. --sink-opt blur.output=blurred.mp4)")
        if shape not in SHAPES:
            raise ValueError(f"shape must be one of {', '.join(SHAPES)}, not {shape!r}")
        if float(strength) <= 0 or float(margin) < 0:
            raise ValueError("strength must be above 0 and margin at least 0")
        self.output = Path(output)
        self.strength, self.shape, self.margin = float(strength), shape, float(margin)
        self.preset, self.crf = preset, int(crf)
        self._kind = "video"
        self._writer: H264Writer | None = None

    def start(self, run: RunInfo) -> None:

        source = run.source
        self._kind = source.kind
        if self._kind == "folder":
            self.output.mkdir(parents=True, exist_ok=True)
            return
        self.output.parent.mkdir(parents=True, exist_ok=True)
        if self._kind == "image":
            return
        if self.output.suffix.lower() not in VIDEO_SUFFIXES:
            raise ValueError(f"a video is blurred into H.264 MP4; name the output .mp4, not {self.output.name}")
        audio = audio_of(source)
        self._writer = H264Writer(partial_path(self.output), source.width, source.height, source.fps,
                                  audio=audio, preset=self.preset, crf=self.crf)

    def write(self, frame: Frame) -> None:
        image = blur_faces(frame.image, frame.faces, self.strength, self.shape, self.margin)
        if self._writer is not None:
            self._writer.write(image)
            return
        target = self.output / frame.name if self._kind == "folder" else self.output
        partial = partial_path(target)
        if not cv2.imwrite(str(partial), image):
            discard(partial, target)
            raise ValueError(f"OpenCV cannot write an image named {target} (use .jpg or .png)")
        publish(partial, target)

    def discard(self) -> None:
        """The run failed: remove the unfinished MP4 rather than publish it."""
        if self._writer is None:
            return
        writer, self._writer = self._writer, None
        try:
            writer.close()
        except RuntimeError:
            pass
        discard(writer.path, self.output)

    def close(self) -> None:
        """Publish the MP4 only once ffmpeg has finished it, so no half-written file appears."""
        if self._writer is None:
            return
        writer, self._writer = self._writer, None
        try:
            writer.close()
        except RuntimeError:
            discard(writer.path, self.output)
            raise
        publish(writer.path, self.output)


@hookimpl
def fer_video_sinks() -> list[StageFactory]:
    return [StageFactory("blur", BlurSink, "privacy copy with every face blurred "
                                           "(output=FILE, strength=0.5, shape=ellipse|box)")]
