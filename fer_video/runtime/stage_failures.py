"""A stage's failure, named: which stage, and on which frame (a plugin's own message rarely says)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fer_video.protocols import Annotator, StopPipeline, describe
from fer_video.types import Frame


@contextmanager
def failing_in(kind: str, stage: object, frame: Frame) -> Iterator[None]:
    """Name the stage and frame a failure came from: a plugin's own message rarely says."""
    try:
        yield
    except StopPipeline:
        raise
    except Exception as error:
        error.add_note(f"in the {kind} {describe(stage)} on frame {frame.index}")
        raise


class Annotating:
    """The run's annotator as a frame calls it: a failure names the annotator and the frame."""

    def __init__(self, annotator: Annotator) -> None:
        self.annotator = annotator

    def annotate(self, frame: Frame):
        with failing_in("annotator", self.annotator, frame):
            return self.annotator.annotate(frame)
