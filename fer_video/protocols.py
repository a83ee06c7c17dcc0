"""The six kinds of stage, as the protocols the pipeline calls. Plugins implement these."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from fer_video.types import Face, Frame, RunInfo


@runtime_checkable
class Detector(Protocol):
    """Finds faces in a BGR image.

    A detector may also have a ``framing`` attribute (:class:`fer_video.framing.Framing`): how
    to cut its boxes so a face is framed as the classifier's training faces were. Without one,
    boxes are grown by 10% on each side. Boxes wholly off the frame, under a pixel wide or high,
    or with a non-finite coordinate or score are left out by the pipeline, which says how many.
    """

    def detect(self, image: np.ndarray) -> list[Face]: ...


@runtime_checkable
class Classifier(Protocol):
    """Scores face crops: (N, 7) probabilities in ``EMOTIONS`` order, one row per crop."""

    description: str

    def predict(self, crops: Sequence[np.ndarray]) -> np.ndarray: ...


@runtime_checkable
class Tracker(Protocol):
    """Gives each face a ``face_id`` that stays the same while the face stays in view."""

    def update(self, faces: list[Face], frame_index: int) -> list[Face]: ...


@runtime_checkable
class Smoother(Protocol):
    """Sets each face's ``scores`` from its ``raw_scores`` and that face id's history."""

    def smooth(self, faces: list[Face], frame_index: int) -> None: ...


@runtime_checkable
class Annotator(Protocol):
    """Draws an analysed frame for the sinks that show it (boxes and labels, blurred faces, ...).

    ``annotate`` returns a BGR image of the frame's size and never writes into ``frame.image``,
    which every sink shares; it may return ``frame.image`` itself when it draws nothing. The
    pipeline runs it at most once a frame, and only when a sink asks for ``frame.annotated()``.
    """

    def annotate(self, frame: Frame) -> np.ndarray: ...


@runtime_checkable
class Sink(Protocol):
    """Receives every analysed frame; ``close`` must leave a valid output even after Ctrl+C.

    A sink that writes files may also offer ``discard()``: called instead of ``close`` when
    the run fails, it removes what ``start`` began. A sink that copies part of the input (the
    video sink, its audio) may set ``damaged_input`` to a line at ``close``: the run then warns
    and exits 1, as for a truncated video.
    """

    def start(self, run: RunInfo) -> None: ...

    def write(self, frame: Frame) -> None: ...

    def close(self) -> None: ...


class StopPipeline(Exception):
    """Raised by a stage (a window's ``q`` key, say) to end the run cleanly."""
