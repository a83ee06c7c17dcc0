"""Stages that misbehave as third-party plugins can, for tests/e2e/test_fault_injection.py.

Registered through a ``fer_video`` entry point (``fer_video_faulty-0.1.dist-info`` beside this
file), so the command loads them as it loads any installed plugin once this folder is on PYTHONPATH.
"""

from __future__ import annotations

import errno

import numpy as np

from fer_video import ClassifierFactory, Face, StageFactory, hookimpl


class WildDetector:
    """One real-looking face in the middle, plus boxes off the frame, of zero and negative size, and a NaN score."""

    def detect(self, image: np.ndarray) -> list[Face]:
        height, width = image.shape[:2]
        side = min(width, height) // 3
        return [
            Face(width // 2 - side // 2, height // 2 - side // 2, side, side, detector_score=0.9),
            Face(width + 50, height + 50, side, side, detector_score=0.9),  # beyond the bottom right
            Face(-3 * side, 10, side, side, detector_score=0.9),  # beyond the left edge
            Face(10, 10, 0, side, detector_score=0.9),  # no width
            Face(10, 10, side, -side, detector_score=0.9),  # negative height
            Face(20, 20, side, side, detector_score=float("nan")),
        ]


class FlakyClassifier:
    """Uniform scores, until its 50th call raises, as a model that runs out of memory might."""

    description = "flaky (raises on its 50th call)"

    def __init__(self, weights: object = None) -> None:
        self.calls = 0

    def predict(self, crops: list[np.ndarray]) -> np.ndarray:
        self.calls += 1
        if self.calls == 50:
            raise RuntimeError("out of memory in the accelerator")
        return np.full((len(crops), 7), 1 / 7, np.float32)


class FullDiskSink:
    """Writes nothing, and on the 10th frame fails as a write to a full disk does."""

    def __init__(self, output: str = "full.bin") -> None:
        self.output = output
        self.frames = 0

    def start(self, run: object) -> None:
        pass

    def write(self, frame: object) -> None:
        self.frames += 1
        if self.frames == 10:
            raise OSError(errno.ENOSPC, "No space left on device", self.output)

    def close(self) -> None:
        pass


@hookimpl
def fer_video_detectors() -> list[StageFactory]:
    return [StageFactory("wild", WildDetector, "boxes off the frame, empty, negative and NaN-scored")]


@hookimpl
def fer_video_classifiers() -> list[ClassifierFactory]:
    return [ClassifierFactory("flaky", FlakyClassifier, "raises on its 50th call")]


@hookimpl
def fer_video_sinks() -> list[StageFactory]:
    return [StageFactory("fulldisk", FullDiskSink, "a write that fails with ENOSPC on the 10th frame")]
