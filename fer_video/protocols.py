"""The kinds of stage, as the protocols the pipeline calls, and the source they read. Plugins implement these.

Each protocol lists what a stage must have. What it may have besides (an optional capability) is
declared here too, once: in the protocol's docstring, as a small ``Supports...`` protocol, and read
through the functions at the end of this module, which give the default a stage that leaves it out
gets. Every stage may have ``close()`` (:class:`SupportsClose`); a sink may have ``discard()``
(:class:`SupportsDiscard`).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

import numpy as np

from fer_video.types import Face, Frame, RunInfo, SourceInfo

if TYPE_CHECKING:
    import keras

    from fer_video.framing import Framing
    from fer_video.models.card import InputSpec


@runtime_checkable
class Source(Protocol):
    """An iterable of frames plus what sinks need to know up front (:func:`fer_video.open_source` opens one).

    ``stopped_early`` is ``None`` until the frames run out short of the whole input (a truncated
    video, unreadable pictures in a folder): then a line saying so, which the run reports. A source
    may also have ``warnings``, lines on what it left out on purpose, reported with exit code 0. The
    pipeline closes the source when the run ends, however it ends.
    """

    info: SourceInfo
    stopped_early: str | None

    def __iter__(self) -> Iterator[Frame]: ...

    def close(self) -> None: ...


@runtime_checkable
class Detector(Protocol):
    """Finds faces in a BGR image.

    Optional: a ``framing`` attribute (:class:`fer_video.framing.Framing`): how to cut its boxes
    so a face is framed as the classifier's training faces were. Without one, boxes are grown by
    10% on each side. Boxes wholly off the frame, under a pixel wide or high, or with a
    non-finite coordinate or score are left out by the pipeline, which says how many. And
    ``close()``, as every stage (:class:`SupportsClose`).
    """

    def detect(self, image: np.ndarray) -> list[Face]: ...


@runtime_checkable
class Classifier(Protocol):
    """Scores face crops: (N, 7) probabilities in ``EMOTIONS`` order, one row per crop.

    Optional: ``description``, a line naming the model and its weights, which messages, the live
    page and reports show (:func:`describe`; else the class name). ``spec``, the
    :class:`~fer_video.models.card.InputSpec` it feeds crops by, for a classifier that prepares
    its own (:class:`FedBySpec`): ``evaluate --blur/--tta`` feeds a copy another way
    (:func:`with_input`). ``model``, the Keras network behind it (:class:`KerasBacked`), which
    ``fer-video export`` converts (:func:`keras_model`). And ``close()`` (:class:`SupportsClose`).
    """

    def predict(self, crops: Sequence[np.ndarray]) -> np.ndarray: ...


@runtime_checkable
class Tracker(Protocol):
    """Gives each face a ``face_id`` that stays the same while the face stays in view.

    Optional: ``close()`` (:class:`SupportsClose`).
    """

    def update(self, faces: list[Face], frame_index: int) -> list[Face]: ...


@runtime_checkable
class Smoother(Protocol):
    """Sets each face's ``scores`` from its ``raw_scores`` and that face id's history.

    Optional: ``changes_scores = False`` for one that leaves the scores as the classifier gave
    them (``none``): the timeline then has no ``raw_`` columns (:func:`changes_scores`; default
    ``True``). And ``close()`` (:class:`SupportsClose`).
    """

    def smooth(self, faces: list[Face], frame_index: int) -> None: ...


@runtime_checkable
class Annotator(Protocol):
    """Draws an analysed frame for the sinks that show it (boxes and labels, blurred faces, ...).

    ``annotate`` returns a BGR image of the frame's size and never writes into ``frame.image``,
    which every sink shares; it may return ``frame.image`` itself when it draws nothing. The
    pipeline runs it at most once a frame, and only when a sink asks for ``frame.annotated()``.
    Optional: ``close()`` (:class:`SupportsClose`).
    """

    def annotate(self, frame: Frame) -> np.ndarray: ...


@runtime_checkable
class Sink(Protocol):
    """Receives every analysed frame; ``close`` must leave a valid output even after Ctrl+C.

    ``close`` is called once, when the run ends well or is interrupted (Ctrl+C, a termination
    signal): it finishes and publishes the output. When the run fails (a stage crashed, another
    sink failed to start or to finish), a sink is never closed: closing would publish a half-made
    output. It is given ``discard()`` instead if it has one (:class:`SupportsDiscard`), which
    removes what ``start`` began and lets go of what it holds; one without ``discard`` is left as
    it is, so a sink that writes files or holds what outlives the run (a process, a server)
    should offer it. Optional too: ``damaged_input``, set at ``close`` to a line by a sink that
    copies part of the input (the video sink, its audio) and found it damaged: the run then
    warns and exits 1, as for a truncated video.
    """

    def start(self, run: RunInfo) -> None: ...

    def write(self, frame: Frame) -> None: ...

    def close(self) -> None: ...


@runtime_checkable
class SupportsClose(Protocol):
    """A stage that holds something to let go of (a model, threads, a file) has ``close()``.

    The pipeline closes every detector, classifier, tracker, smoother and annotator it holds when
    the run ends, however it ends (unless the caller keeps it for further runs), and the live
    page closes a stage it switches away from. It is called once; a failure is reported as a
    warning, since the outputs do not depend on it.
    """

    def close(self) -> None: ...


@runtime_checkable
class SupportsDiscard(Protocol):
    """A sink that can undo what it began has ``discard()``: called instead of ``close`` when the run fails."""

    def discard(self) -> None: ...


@runtime_checkable
class FedBySpec(Protocol):
    """A classifier that prepares its own crops as an input spec says (fer-video's Keras and TF Lite ones)."""

    spec: InputSpec


@runtime_checkable
class KerasBacked(Protocol):
    """A classifier around a Keras network, which ``fer-video export`` converts to TF Lite."""

    model: keras.Model


class StopPipeline(Exception):
    """Raised by a stage (a window's ``q`` key, say) to end the run cleanly."""


def describe(stage: object) -> str:
    """How messages and records name a stage: its ``description`` when it has one, else its class."""
    return getattr(stage, "description", None) or type(stage).__name__


def framing_of(detector: object) -> Framing | None:
    """How ``detector`` asks its boxes to be cut (``framing``), or ``None`` for the default."""
    return getattr(detector, "framing", None)


def damaged_input(sink: object) -> str | None:
    """What a closed sink found damaged in the part of the input it copied (``damaged_input``), if anything."""
    return getattr(sink, "damaged_input", None)


def changes_scores(smoother: object) -> bool:
    """Whether ``smoother`` reports other scores than the raw ones (``changes_scores``, default ``True``)."""
    return smoother is not None and bool(getattr(smoother, "changes_scores", True))


def input_spec(classifier: object) -> InputSpec | None:
    """The input spec ``classifier`` feeds crops by, or ``None`` for one that prepares crops its own way."""
    return classifier.spec if isinstance(classifier, FedBySpec) else None


_C = TypeVar("_C")


def with_input(classifier: _C, spec: InputSpec) -> _C:
    """A copy of ``classifier`` that feeds crops as ``spec`` says, sharing the loaded network."""
    if not isinstance(classifier, FedBySpec):
        raise ValueError(f"{describe(classifier)} prepares its crops its own way; it has no input spec to change")
    other = copy.copy(classifier)
    other.spec = spec
    return other


def keras_model(classifier: object) -> Any:
    """The Keras network behind ``classifier``; ``ValueError`` for one without (a TF Lite file, a plugin's)."""
    if not isinstance(classifier, KerasBacked):
        raise ValueError(f"{describe(classifier)} is not a Keras network; export needs Keras weights (.keras, .h5)")
    return classifier.model
