"""The data that flows through the pipeline: faces, frames, and what is known about the source and the run."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol

import numpy as np

from fer_video.emotions import EMOTIONS


@dataclass
class Face:
    """One face: its box in frame pixels, the detector's score, an id, and emotion scores.

    ``raw_scores`` are the classifier's probabilities for this frame; ``scores`` are what the
    pipeline reports (the smoothed scores when a smoother runs, else the raw ones). Both
    follow :data:`fer_video.emotions.EMOTIONS` order and sum to 1.
    """

    x: int
    y: int
    w: int
    h: int
    detector_score: float = 1.0
    face_id: int | None = None
    raw_scores: np.ndarray | None = None
    scores: np.ndarray | None = None
    roll: float | None = None
    """The head's tilt in the image plane, degrees (the eye line's angle, clockwise positive in
    image coordinates), for detectors that find the eyes; ``None`` otherwise."""

    @property
    def box(self) -> tuple[int, int, int, int]:
        return self.x, self.y, self.w, self.h

    @property
    def emotion(self) -> str | None:
        """The top emotion, or ``None`` before classification."""
        return None if self.scores is None else EMOTIONS[int(np.argmax(self.scores))]

    @property
    def confidence(self) -> float:
        return 0.0 if self.scores is None else float(np.max(self.scores))

    def iou(self, other: "Face") -> float:
        """Intersection over union of the two boxes."""
        left, top = max(self.x, other.x), max(self.y, other.y)
        right = min(self.x + self.w, other.x + other.w)
        bottom = min(self.y + self.h, other.y + other.h)
        overlap = max(0, right - left) * max(0, bottom - top)
        union = self.w * self.h + other.w * other.h - overlap
        return overlap / union if union > 0 else 0.0

    def crop(self, image: np.ndarray, margin: float = 0.0) -> np.ndarray:
        """The face from ``image``, grown by ``margin`` of its size on each side, clipped to the frame."""
        grow_w, grow_h = int(round(self.w * margin)), int(round(self.h * margin))
        height, width = image.shape[:2]
        left, top = max(0, self.x - grow_w), max(0, self.y - grow_h)
        right = min(width, self.x + self.w + grow_w)
        bottom = min(height, self.y + self.h + grow_h)
        return image[top:bottom, left:right]


class FrameDrawer(Protocol):
    """What a frame's ``annotator`` is: anything that draws it, as every
    :class:`~fer_video.protocols.Annotator` does. Spelled out here rather than imported, so that the
    data types sit below the protocols that use them."""

    def annotate(self, frame: Frame) -> np.ndarray: ...


@dataclass
class Frame:
    """One image from a source: its index, its time in seconds, the BGR pixels, and its faces."""

    index: int
    time_s: float
    image: np.ndarray
    faces: list[Face] = field(default_factory=list)
    name: str = ""
    """For image sources, the file name the frame came from."""
    captured: float | None = None
    """For live sources, the wall-clock time (``time.time()``) the frame was captured: latency is measured from it."""
    analysed: bool = True
    """``False`` for a frame handed to the sinks without analysis (a live view paused): no faces were
    looked for, so its empty ``faces`` does not mean there are none."""
    annotator: FrameDrawer | None = field(default=None, repr=False, compare=False)
    """What draws :meth:`annotated`: the run's annotator, set by the pipeline before the sinks see the frame."""
    _drawn: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)
    _drawing: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def annotated(self) -> np.ndarray:
        """The frame as the run's annotator draws it, for sinks that show pictures (``image`` itself
        without an annotator). Drawn on the first call, from any sink's thread, and shared after: a run
        draws each frame once however many sinks show it, and not at all when none does. Read-only."""
        with self._drawing:
            if self._drawn is None:
                self._drawn = self.image if self.annotator is None else self.annotator.annotate(self)
            return self._drawn

    def __getstate__(self) -> dict:
        """A frame copies and pickles as before it had a lock: the copy gets a lock of its own."""
        return {key: value for key, value in self.__dict__.items() if key != "_drawing"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._drawing = threading.Lock()


class SourceKind(StrEnum):
    """What a source reads. Its value (``"video"``...) is what outputs and the live page write, and
    it equals that string, so ``kind == "video"`` still holds."""

    VIDEO = "video"
    """A video file: every frame in order, or, played live, in real time."""
    WEBCAM = "webcam"
    """A camera: always live."""
    IMAGE = "image"
    """One picture."""
    FOLDER = "folder"
    """A folder of pictures, each a sequence of its own."""

    @property
    def pictures(self) -> bool:
        """Unrelated pictures rather than a moving picture: each is detected, tracked and smoothed afresh."""
        return self in (SourceKind.IMAGE, SourceKind.FOLDER)


@dataclass(frozen=True)
class SourceInfo:
    """What sinks need to know before the first frame arrives."""

    path: Path | None
    fps: float
    width: int
    height: int
    frame_count: int | None = None
    live: bool = False
    """Frames come in real time and only the newest is kept (a camera, or a file played like one):
    a slow analysis skips frames. Otherwise every frame is read, in order, however long it takes
    (see :class:`fer_video.runtime.mailbox.BufferPolicy`)."""
    kind: SourceKind = SourceKind.VIDEO
    """What the source reads; a string naming one (``"webcam"``) is taken too."""
    has_audio: bool = False
    rotation: int = 0
    """Degrees a video's display matrix turns its stored frames (phones record portrait so); frames
    arrive already turned upright, and ``width`` and ``height`` are the upright ones."""
    variable_rate: bool = False
    """A video whose frames are not evenly spaced (phones and screen recorders): each frame's
    ``time_s`` is its presentation time, and ``fps`` the constant rate a copy is resampled to, so
    its audio stays in sync."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", SourceKind(self.kind))  # a third-party source may give a string


@dataclass(frozen=True)
class RunInfo:
    """The source plus the stages that will analyse it, handed to every sink at start."""

    source: SourceInfo
    smoothed: bool = False
    detector: str = ""
    classifier: str = ""
