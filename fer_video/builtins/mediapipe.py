"""The ``mediapipe`` detector: MediaPipe's BlazeFace models, shipped in ``fer_video/weights/blazeface``
(copied from the mediapipe 0.10.21 wheel, Apache-2.0: see the NOTICE there).

The models run through LiteRT, with the pre- and post-processing of MediaPipe's face
detection graph done here (letterboxing, SSD anchors, weighted non-maximum suppression).
That costs less CPU a frame than MediaPipe's own graph, and needs no MediaPipe package at all
(nor the TensorFlow and JAX it brings).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from fer_video import hookimpl
from fer_video.builtins.options import flag
from fer_video.framing import Framing
from fer_video.plugins.factories import StageFactory
from fer_video.types import Face


@dataclass(frozen=True)
class BlazeFaceModel:
    """One of MediaPipe's face detection models and the graph options it was trained with."""

    file: str
    side: int
    strides: tuple[int, ...]
    two_anchors_per_layer: bool  # MediaPipe's interpolated_scale_aspect_ratio > 0


MODELS = {
    "short": BlazeFaceModel("face_detection_short_range.tflite", 128, (8, 16, 16, 16), True),
    "full": BlazeFaceModel("face_detection_full_range_sparse.tflite", 192, (4,), False),
}
SUPPRESSION_IOU = 0.3


class MediaPipeDetector:
    """BlazeFace: ``model=short`` (faces within ~2 m of the camera) or ``full`` (~5 m).

    Runs offline: both models ship inside fer-video. Boxes match MediaPipe's own
    ``FaceDetection`` solution; ``min_confidence`` is its ``min_detection_confidence``.
    """

    # Its box is tighter than FER-2013's crop and sits lower: measured by benchmarks/face_framing.py.
    framing = Framing(scale=1.15, shift_y=-0.034)

    def __init__(self, model: str = "full", min_confidence: float = 0.5, threads: int = 1,
                 align: bool = False) -> None:
        if model not in MODELS:
            raise ValueError(f"model must be one of {', '.join(MODELS)}, not {model!r}")
        from fer_video.models.model_file import lite_interpreter_class
        from fer_video.models.shipped import face_detector_model
        from fer_video.runtime.quiet import native_logs_hidden

        if not 0.0 <= float(min_confidence) <= 1.0:
            raise ValueError(f"min_confidence must be from 0 to 1 (a detection's score), not {min_confidence}")
        self.model = MODELS[model]
        if flag("align", align):  # eyes level before classifying: each face's roll from its eye keypoints
            self.framing = replace(self.framing, align=True)
        self.min_confidence = float(min_confidence)
        # XNNPACK's newest operators run the full-range model's convolutions in less CPU time for
        # the same outputs (a test checks they are identical). Asking for them makes LiteRT print a
        # line headed ERROR about a flag it no longer needs: kept off the terminal.
        with native_logs_hidden():
            self._interpreter = lite_interpreter_class()(model_path=str(face_detector_model(self.model.file)),
                                                         num_threads=threads, **_latest_xnnpack())
            self._interpreter.allocate_tensors()
        self._input = self._interpreter.get_input_details()[0]["index"]
        scores, boxes = sorted(self._interpreter.get_output_details(), key=lambda d: d["shape"][-1])
        self._scores, self._boxes = scores["index"], boxes["index"]
        self._anchors = ssd_anchor_centres(self.model.side, self.model.strides, self.model.two_anchors_per_layer)

    def detect(self, image: np.ndarray) -> list[Face]:
        height, width = image.shape[:2]
        side = self.model.side
        shrink = side / max(width, height)
        inner_w, inner_h = max(1, round(width * shrink)), max(1, round(height * shrink))
        left, top = (side - inner_w) // 2, (side - inner_h) // 2
        tensor = np.zeros((side, side, 3), np.uint8)  # letterboxed: black bars, as MediaPipe pads
        # Bilinear, as MediaPipe samples: area averaging would cost 50x more for nothing measurable.
        tensor[top : top + inner_h, left : left + inner_w] = cv2.resize(image, (inner_w, inner_h),
                                                                         interpolation=cv2.INTER_LINEAR)
        tensor = cv2.cvtColor(tensor, cv2.COLOR_BGR2RGB).astype(np.float32)
        tensor *= 1 / 127.5
        tensor -= 1.0
        self._interpreter.set_tensor(self._input, tensor[None])
        self._interpreter.invoke()
        logits = self._interpreter.get_tensor(self._scores)[0, :, 0]
        keep = logits > _logit(self.min_confidence)
        if not keep.any():
            return []
        raw = self._interpreter.get_tensor(self._boxes)[0, keep, :8] / side
        centres = self._anchors[keep] + raw[:, :2]
        eyes = np.concatenate([self._anchors[keep] + raw[:, 4:6], self._anchors[keep] + raw[:, 6:8]], axis=1)
        # Box corners, then the two eyes (the person's right eye first): averaged alike by the NMS.
        boxes = np.concatenate([centres - raw[:, 2:4] / 2, centres + raw[:, 2:4] / 2, eyes], axis=1)
        scores = 1 / (1 + np.exp(-np.clip(logits[keep], -100, 100)))
        # From the letterboxed square back to frame pixels.
        boxes = (boxes * side - [left, top] * 4) / shrink
        faces = []
        for (x0, y0, x1, y1, right_x, right_y, left_x, left_y), score in weighted_nms(boxes, scores,
                                                                                       SUPPRESSION_IOU):
            x0, y0 = max(0, round(x0)), max(0, round(y0))
            x1, y1 = min(width, round(x1)), min(height, round(y1))
            if x1 - x0 > 4 and y1 - y0 > 4:
                roll = float(np.degrees(np.arctan2(left_y - right_y, left_x - right_x)))
                faces.append(Face(x0, y0, x1 - x0, y1 - y0, detector_score=round(float(score), 4),
                                  roll=round(roll, 1)))
        return faces

    def close(self) -> None:
        self._interpreter = None


def _latest_xnnpack() -> dict:
    """The interpreter's option for XNNPACK's newest operators, where it has that option (LiteRT does,
    ``tf.lite`` in TensorFlow 2.19 does too, older ones may not)."""
    import inspect

    from fer_video.models.model_file import lite_interpreter_class

    option = "experimental_default_delegate_latest_features"
    return {option: True} if option in inspect.signature(lite_interpreter_class()).parameters else {}


def ssd_anchor_centres(side: int, strides: tuple[int, ...], two_per_layer: bool) -> np.ndarray:
    """Anchor centres (N, 2) in the order BlazeFace's outputs use: MediaPipe's SsdAnchorsCalculator
    with fixed-size anchors, consecutive layers of one stride sharing a grid."""
    centres = []
    start = 0
    while start < len(strides):
        stride = strides[start]
        end = start
        while end < len(strides) and strides[end] == stride:
            end += 1
        per_cell = (end - start) * (2 if two_per_layer else 1)
        cells = -(-side // stride)
        ys, xs = np.mgrid[0:cells, 0:cells]
        grid = np.stack([(xs + 0.5) / cells, (ys + 0.5) / cells], axis=-1).reshape(-1, 1, 2)
        centres.append(np.repeat(grid, per_cell, axis=1).reshape(-1, 2))
        start = end
    return np.concatenate(centres).astype(np.float32)


def weighted_nms(boxes: np.ndarray, scores: np.ndarray, min_iou: float) -> list[tuple[np.ndarray, float]]:
    """MediaPipe's weighted non-maximum suppression: each kept box is the score-weighted mean
    of the boxes it overlaps by more than ``min_iou``, with the best of their scores. Columns
    after the four corners (keypoints) are averaged the same way."""
    order = np.argsort(-scores)
    boxes, scores = boxes[order], scores[order]
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    remaining = np.arange(len(boxes))
    kept = []
    while len(remaining):
        best, others = boxes[remaining[0]], boxes[remaining]
        overlap = (np.clip(np.minimum(others[:, 2], best[2]) - np.maximum(others[:, 0], best[0]), 0, None)
                   * np.clip(np.minimum(others[:, 3], best[3]) - np.maximum(others[:, 1], best[1]), 0, None))
        union = areas[remaining] + areas[remaining[0]] - overlap
        grouped = overlap > min_iou * np.maximum(union, 1e-12)
        grouped[0] = True
        group = remaining[grouped]
        weights = scores[group]
        kept.append(((boxes[group] * weights[:, None]).sum(0) / weights.sum(), float(scores[remaining[0]])))
        remaining = remaining[~grouped]
    return kept


def _logit(probability: float) -> float:
    probability = min(max(probability, 1e-6), 1 - 1e-6)
    return float(np.log(probability / (1 - probability)))


@hookimpl
def fer_video_detectors() -> list[StageFactory]:
    return [StageFactory("mediapipe", MediaPipeDetector, "MediaPipe BlazeFace (short or full range), shipped")]
