"""``fer-video export``: a trained Keras classifier as a small, fast TF Lite file plus its model card.

Dynamic-range quantisation stores weights as int8 (a quarter of the float32 size, small
enough for git) and runs on XNNPACK; the card records the accuracy measured on the
exported file itself, so ``fer-video evaluate`` on it reproduces the card.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from fer_video.io.atomic import partial_path, publish
from fer_video.io.outputs import check_outputs
from fer_video.models.card import ModelCard, card_path_for
from fer_video.protocols import framing_of, keras_model
from fer_video.runtime.quiet import native_logs_hidden

if TYPE_CHECKING:
    from fer_video.plugins.manager import PluginManager
    from fer_video.training.metrics import Report

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


TRAINING_FRAMING = ("as FER-2013 frames a face: a square from the brows to the chin, the face centred; "
                    "each detector cuts its box to it (benchmarks/face_framing.py measures how)")


def framing_details(plugins: PluginManager) -> dict[str, str]:
    """The framing a model expects, for its card: FER-2013's, and how each installed detector that
    declares a framing cuts its box to it."""
    details = {"faces": TRAINING_FRAMING}
    for provided in plugins.provided("detector"):
        framing = framing_of(provided.factory.create)  # declared on the class: nothing is loaded
        if framing is not None:
            details[provided.factory.name] = framing.describe()
    return details


def record_measurements(card: ModelCard, report, flip_report, split: str, speed: float,
                        ferplus: dict[str, Report] | None = None) -> None:
    """Put the numbers measured on the exported file itself into its card (``ferplus``: the reports
    against FER+'s majority, by rule, where the faces carry votes)."""
    card.details["validation"] = {
        "split": split,
        "faces": int(report.confusion.sum()),
        "accuracy": round(report.accuracy, 4),
        "accuracy_flip_tta": round(flip_report.accuracy, 4),
        "recall": report.per_class_recall(),
    }
    for rule, measured in (ferplus or {}).items():
        card.details["validation"][f"ferplus_{rule}"] = {
            "faces": int(measured.confusion.sum()),
            "accuracy": round(measured.accuracy, 4),
            "recall": measured.per_class_recall(),
        }
    card.details["speed"] = {"faces_per_second": round(speed), "batch": 256,
                             "measured_on": "a 2-core CPU, by `fer-video export` (TF Lite, XNNPACK)"}


@dataclass
class Export:
    """What ``fer-video export`` asks for: trained weights of one architecture, and where the TF Lite goes."""

    architecture: str
    weights: list[Path]
    """Weights with the training card beside each; several are averaged into one network."""
    out: Path
    data: Path
    """FER-2013, to measure the exported file itself."""
    split: str = "val"
    quantize: str = "dynamic"
    blur: float | None = None
    """Input blur for the card instead of the recipe's (it only set validation's; it is not in the weights)."""
    tta: str = "none"
    """The test-time augmentation the card declares: the pipeline and evaluate then average so."""
    command: str = ""
    """The command line, recorded in the card."""
    force: bool = False
    prior: dict[str, float] | None = None
    """``[calibration] prior`` for the card (see :attr:`ModelCard.prior`): emotion -> factor."""


@dataclass
class Exported:
    """The exported file, its card and what was measured on the file itself."""

    path: Path
    card: ModelCard
    report: Report
    flip_report: Report
    faces_per_second: float


def export_classifier(request: Export, plugins: PluginManager) -> Exported:
    """Convert, publish, card and measure: the whole of ``fer-video export``.

    The ``.tflite`` is written beside and renamed into place, so a run that mapped the old file keeps
    it whole; the card is written before the measurement (the file classifier reads it) and again
    with the numbers measured on the exported file.
    """
    from fer_video.training.ensemble import averaged, ensemble_training_card
    from fer_video.training.evaluate import FERPLUS_PLURALITY, FERPLUS_STRICT, evaluate, evaluate_all

    factory = plugins.classifier(request.architecture)
    if factory.recipe is None:
        raise ValueError(f"classifier {request.architecture!r} is not a Keras architecture; nothing to export")
    out = request.out
    if out.suffix != ".tflite":
        raise ValueError(f"export writes TF Lite: name the output .tflite, not {out.name}")
    check_outputs(None, [out, card_path_for(out)], request.force)
    training_cards = []
    for path in request.weights:
        training_card_path = card_path_for(path)
        if not training_card_path.exists():
            raise FileNotFoundError(f"{training_card_path} is missing; export needs the card written by training")
        training_card = ModelCard.read(training_card_path)
        if request.blur is not None:
            training_card.input = replace(training_card.input, blur=request.blur)
        training_cards.append(training_card)
    with native_logs_hidden():
        members = [plugins.create("classifier", request.architecture, weights=path) for path in request.weights]
    if len(members) == 1:
        training_card, model = training_cards[0], keras_model(members[0])
    else:
        training_card = ensemble_training_card(training_cards, [str(path) for path in request.weights])
        model = averaged([keras_model(member) for member in members], request.architecture)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_path(out)
    partial.write_bytes(convert_to_tflite(model, request.quantize))
    publish(partial, out)
    card = exported_card(training_card, out, request.command, request.quantize)
    card.input = replace(card.input, tta=request.tta)
    card.details["framing"] = framing_details(plugins)
    if request.prior:
        card.details["calibration"] = {"prior": dict(request.prior)}
    card.write(card_path_for(out))
    with native_logs_hidden():
        classifier = plugins.create("classifier", "file", weights=out)
    evaluation = evaluate_all(classifier, request.data, request.split)
    report = evaluation.fer2013
    flip = evaluate(classifier, request.data, request.split, tta="flip")
    speed = faces_per_second(classifier, card.input.size)
    rules = {"plurality": FERPLUS_PLURALITY, "strict": FERPLUS_STRICT}
    record_measurements(card, report, flip, request.split, speed,
                        {rule: evaluation.reports[name] for rule, name in rules.items() if name in evaluation.reports})
    card.write(card_path_for(out))
    return Exported(out, card, report, flip, speed)
