"""The ``mediapipe`` detector: BlazeFace models bundled in the mediapipe 0.10.21 wheel."""

from __future__ import annotations

import cv2
import numpy as np

from fer_video import hookimpl
from fer_video.face import Face
from fer_video.registry import StageFactory

MODELS = {"short": 0, "full": 1}


class MediaPipeDetector:
    """MediaPipe face detection: ``model=short`` (faces within ~2 m) or ``full`` (~5 m).

    Runs offline: both models ship inside the wheel. ``max_width`` downscales large frames
    before detection, which costs BlazeFace (a 128/192-pixel network) nothing in accuracy.
    """

    def __init__(self, model: str = "full", min_confidence: float = 0.5, max_width: int = 640) -> None:
        if model not in MODELS:
            raise ValueError(f"model must be one of {', '.join(MODELS)}, not {model!r}")
        face_detection = _import_face_detection()
        self._detector = face_detection.FaceDetection(
            model_selection=MODELS[model], min_detection_confidence=float(min_confidence)
        )
        self.max_width = int(max_width)
        self._detector.process(np.zeros((64, 64, 3), np.uint8))  # start the graph now, while logs are hidden

    def detect(self, image: np.ndarray) -> list[Face]:
        height, width = image.shape[:2]
        small = image
        if self.max_width and width > self.max_width:
            shrink = self.max_width / width
            small = cv2.resize(image, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
        result = self._detector.process(cv2.cvtColor(small, cv2.COLOR_BGR2RGB))
        faces = []
        for detection in result.detections or []:
            box = detection.location_data.relative_bounding_box
            x, y = int(round(box.xmin * width)), int(round(box.ymin * height))
            w, h = int(round(box.width * width)), int(round(box.height * height))
            x, y = max(0, x), max(0, y)
            w, h = min(w, width - x), min(h, height - y)
            if w > 4 and h > 4:
                faces.append(Face(x, y, w, h, detector_score=round(float(detection.score[0]), 4)))
        return faces

    def close(self) -> None:
        self._detector.close()


def _import_face_detection():
    """MediaPipe's face detection without TensorFlow.

    ``import mediapipe`` pulls in TensorFlow (3-4 s, ~500 MB) when it is installed, only to
    borrow a documentation decorator it replaces with a no-op when TensorFlow is absent.
    Hiding TensorFlow for the duration of that import keeps detection-only runs light.
    """
    import sys

    hide = "tensorflow" not in sys.modules
    if hide:
        sys.modules["tensorflow"] = None  # makes `import tensorflow` raise ModuleNotFoundError
    try:
        from mediapipe.python.solutions import face_detection
    finally:
        if hide:
            del sys.modules["tensorflow"]
    return face_detection


@hookimpl
def fer_video_detectors() -> list[StageFactory]:
    return [StageFactory("mediapipe", MediaPipeDetector, "MediaPipe BlazeFace (short or full range), bundled")]
