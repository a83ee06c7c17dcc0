"""``fer-video export``: a trained Keras classifier as a small, fast TF Lite file plus its model card.

Dynamic-range quantisation stores weights as int8 (a quarter of the float32 size, small
enough for git) and runs on XNNPACK; the card records the accuracy measured on the
exported file itself, so ``fer-video evaluate`` on it reproduces the card.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from fer_video.models.card import ModelCard

QUANTIZATIONS = ("none", "float16", "dynamic")


def convert_to_tflite(model, quantize: str = "dynamic") -> bytes:
    import tensorflow as tf

    if quantize not in QUANTIZATIONS:
        raise ValueError(f"quantize must be one of {', '.join(QUANTIZATIONS)}, not {quantize!r}")
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if quantize != "none":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantize == "float16":
        converter.target_spec.supported_types = [tf.float16]
    return converter.convert()


def faces_per_second(classifier, side: int, batch: int = 256, seconds: float = 3.0) -> float:
    """Batched throughput of ``classifier.predict`` on random gray faces (after one warm-up call)."""
    crops = list(np.random.default_rng(0).integers(0, 256, (batch, side, side), dtype=np.uint8))
    classifier.predict(crops)
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        classifier.predict(crops)
        done += batch
    return done / (time.perf_counter() - started)


def exported_card(training_card: ModelCard, exported: Path, command: str, quantize: str) -> ModelCard:
    """The exported file's card: the training card's input and details, plus how it was exported."""
    details = {key: value for key, value in training_card.details.items() if key not in ("validation", "speed")}
    details["export"] = {"command": command, "format": "tflite", "quantize": quantize,
                         "bytes": exported.stat().st_size}
    return ModelCard(architecture=training_card.architecture, input=training_card.input, labels=training_card.labels,
                     weights=exported.name, details=details)


def record_measurements(card: ModelCard, report, flip_report, split: str, speed: float) -> None:
    """Put the numbers measured on the exported file itself into its card."""
    card.details["validation"] = {
        "split": split,
        "faces": int(report.confusion.sum()),
        "accuracy": round(report.accuracy, 4),
        "accuracy_flip_tta": round(flip_report.accuracy, 4),
        "recall": report.per_class_recall(),
    }
    card.details["speed"] = {"faces_per_second": round(speed), "batch": 256,
                             "measured_on": "a 2-core CPU, by `fer-video export` (TF Lite, XNNPACK)"}
