"""Blends: trained copies of one architecture averaged weight by weight into one network.

Runs chained from the same weights stay in one basin, so the straight line between two of them
holds networks about as good as its ends, and a point on it trades one end's strength for the
other's: a run that scores best on FER-2013 and one that reads real video best give a network
between them that does both fairly well. Unlike an ensemble (``fer_video.training.ensemble``),
a blend costs one network's time per face.

Batch normalisation is first folded into the convolution or dense layer before it, so networks
with different normalisation statistics blend alike, and so does a TF Lite file, where the
converter has already folded it. The blend is unfolded again with statistics measured on
training faces, so it behaves the same in training as in inference and can be trained on
(``--init-weights``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from fer_video.io.atomic import AtomicFile, clean_stale, discard, publish
from fer_video.io.outputs import check_outputs
from fer_video.messages import UsageError
from fer_video.models.card import ModelCard, card_path_for

if TYPE_CHECKING:
    import keras

    from fer_video.plugins.manager import PluginManager
    from fer_video.training.metrics import Report

Folded = list[tuple[np.ndarray, np.ndarray]]
"""Each weighted layer's kernel (Keras layout) and bias, with its batch normalisation folded in."""

TFLITE_WEIGHTED_OPS = ("CONV_2D", "FULLY_CONNECTED")


@dataclass(frozen=True)
class WeightedLayer:
    """A convolution or dense layer and the batch normalisation that follows it, if any."""

    layer: "keras.layers.Layer"
    norm: "keras.layers.BatchNormalization | None"


def weighted_layers(model: "keras.Model") -> list[WeightedLayer]:
    """The model's convolution and dense layers in network order, each with its batch normalisation.

    Only architectures built from plain convolutions and dense layers blend: a layer of any other
    kind that holds weights (a depthwise convolution, a normalisation elsewhere) is refused.
    """
    import keras

    found: list[WeightedLayer] = []
    layers = model.layers
    for index, layer in enumerate(layers):
        if isinstance(layer, keras.layers.BatchNormalization):
            before = found[-1] if found else None
            if before is None or before.norm is not None or layers[index - 1] is not before.layer:
                raise ValueError(f"{model.name}: batch normalisation {layer.name} does not follow a convolution "
                                 "or dense layer directly; this architecture cannot be blended")
            found[-1] = WeightedLayer(before.layer, layer)
        elif isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)) and \
                not isinstance(layer, keras.layers.DepthwiseConv2D):
            found.append(WeightedLayer(layer, None))
        elif layer.weights:
            raise ValueError(f"{model.name}: layer {layer.name} ({type(layer).__name__}) has weights a blend "
                             "cannot fold; only convolutions, dense layers and batch normalisation blend")
    return found


def fold(model: "keras.Model") -> Folded:
    """The model's weights with every batch normalisation folded into the layer before it."""
    folded = []
    for weighted in weighted_layers(model):
        values = [np.asarray(value, np.float64) for value in weighted.layer.get_weights()]
        kernel = values[0]
        bias = values[1] if len(values) > 1 else np.zeros(kernel.shape[-1])
        if weighted.norm is not None:
            gamma, beta, mean, variance = _norm_values(weighted.norm)
            factor = gamma / np.sqrt(variance + weighted.norm.epsilon)
            kernel, bias = kernel * factor, (bias - mean) * factor + beta
        folded.append((kernel, bias))
    return folded


def _norm_values(norm) -> list[np.ndarray]:
    if not (norm.scale and norm.center):
        raise ValueError(f"batch normalisation {norm.name} lacks a scale or an offset; it cannot be blended")
    return [np.asarray(value, np.float64) for value in norm.get_weights()]


def fold_tflite(path: Path, model: "keras.Model") -> Folded:
    """A TF Lite file exported from ``model``'s architecture, read back as folded weights.

    The converter folds batch normalisation (and a leading ``Rescaling``) into the layers, and
    dynamic-range quantisation stores int8 kernels with one scale per output channel.
    """
    import tensorflow as tf

    interpreter = tf.lite.Interpreter(
        model_path=str(path), experimental_preserve_all_tensors=True,
        experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    interpreter.allocate_tensors()
    tensors = {detail["index"]: detail for detail in interpreter.get_tensor_details()}
    ops = [op for op in interpreter._get_ops_details() if op["op_name"] in TFLITE_WEIGHTED_OPS]
    expected = weighted_layers(model)
    if len(ops) != len(expected):
        raise ValueError(f"{path} holds {len(ops)} convolution and dense layers, {model.name} has {len(expected)}; "
                         f"it was not exported from this architecture")
    folded = []
    for op, weighted in zip(ops, expected):
        kernel = _dequantized(interpreter, tensors[op["inputs"][1]])
        kernel = np.transpose(kernel, (1, 2, 3, 0)) if kernel.ndim == 4 else kernel.T  # TF Lite puts outputs first
        has_bias = len(op["inputs"]) > 2 and op["inputs"][2] >= 0
        bias = interpreter.get_tensor(op["inputs"][2]).astype(np.float64) if has_bias else np.zeros(kernel.shape[-1])
        if kernel.shape != tuple(weighted.layer.kernel.shape):
            raise ValueError(f"{path}: a kernel of shape {kernel.shape} where {model.name}'s {weighted.layer.name} "
                             f"has {tuple(weighted.layer.kernel.shape)}; it was exported from another size")
        folded.append((kernel, bias))
    scale = _leading_rescale(model)
    folded[0] = (folded[0][0] / scale, folded[0][1])
    return folded


def _dequantized(interpreter, detail) -> np.ndarray:
    values = interpreter.get_tensor(detail["index"]).astype(np.float64)
    quantization = detail["quantization_parameters"]
    scales, zero_points = quantization["scales"], quantization["zero_points"]
    if len(scales) == 0:
        return values
    shape = [1] * values.ndim
    shape[quantization["quantized_dimension"]] = -1
    return (values - zero_points.reshape(shape)) * scales.reshape(shape)


def _leading_rescale(model) -> float:
    """The scale of a ``Rescaling`` layer before the first weighted layer (which TF Lite folds into it)."""
    import keras

    first = weighted_layers(model)[0].layer
    for layer in model.layers:
        if layer is first:
            return 1.0
        if isinstance(layer, keras.layers.Rescaling):
            if np.any(np.asarray(layer.offset) != 0):
                raise ValueError(f"{model.name} rescales its input with an offset; its TF Lite file cannot be blended")
            return float(np.asarray(layer.scale))
    return 1.0


def mix(members: Sequence[Folded], shares: Sequence[float]) -> Folded:
    """The share-weighted mean of the members' folded weights, layer by layer."""
    if len(members) != len(shares) or len(members) < 1:
        raise ValueError("a blend needs one share per member")
    total = float(sum(shares))
    if any(share < 0 for share in shares) or total <= 0:
        raise ValueError(f"shares must be zero or more and not all zero, not {list(shares)}")
    return [tuple(sum(share / total * member[i][part] for member, share in zip(members, shares))
                  for part in (0, 1)) for i in range(len(members[0]))]


def unfold(model: "keras.Model", folded: Folded, faces: np.ndarray) -> None:
    """Set ``model`` to compute ``folded``, its batch normalisations holding the statistics of ``faces``.

    Each normalised layer gets the folded kernel; its normalisation gets the mean and variance of
    that kernel's outputs on ``faces`` (network input, a few thousand training faces), and a scale
    and offset that undo them, so inference computes exactly the folded network and a training
    batch, normalised by its own statistics, computes nearly the same.
    """
    import keras

    layers = weighted_layers(model)
    for weighted, (kernel, bias) in zip(layers, folded, strict=True):
        values = [kernel.astype(np.float32)]
        if len(weighted.layer.get_weights()) > 1:
            values.append(np.zeros_like(bias, np.float32) if weighted.norm is not None else bias.astype(np.float32))
        weighted.layer.set_weights(values)
    normalised = [(weighted, bias) for weighted, (_, bias) in zip(layers, folded) if weighted.norm is not None]
    if not normalised:
        return
    probe = keras.Model(model.input, [weighted.layer.output for weighted, _ in normalised])
    for weighted, bias in normalised:  # identity first: the probe reads the layers' own outputs
        weighted.norm.set_weights(_identity(weighted.norm, bias))
    sums = [np.zeros(bias.shape[0]) for _, bias in normalised]
    squares = [np.zeros(bias.shape[0]) for _, bias in normalised]
    for start in range(0, len(faces), 256):
        outputs = probe(faces[start:start + 256], training=False)
        for i, output in enumerate(outputs if isinstance(outputs, (list, tuple)) else [outputs]):
            output = np.asarray(output, np.float64).reshape(-1, sums[i].shape[0])
            sums[i] += output.sum(axis=0)
            squares[i] += np.square(output).sum(axis=0)
    for i, (weighted, bias) in enumerate(normalised):
        positions = _positions(weighted.layer, len(faces))
        mean = sums[i] / positions
        variance = np.maximum(squares[i] / positions - np.square(mean), 0.0)
        gamma = np.sqrt(variance + weighted.norm.epsilon)
        weighted.norm.set_weights([gamma.astype(np.float32), (mean + bias).astype(np.float32),
                                   mean.astype(np.float32), variance.astype(np.float32)])


def _positions(layer, faces: int) -> int:
    """How many values per channel ``layer`` puts out for ``faces`` faces."""
    return faces * int(np.prod(layer.output.shape[1:-1]))


def _identity(norm, bias: np.ndarray) -> list[np.ndarray]:
    size = bias.shape[0]
    return [np.ones(size, np.float32), bias.astype(np.float32), np.zeros(size, np.float32),
            np.full(size, 1 - norm.epsilon, np.float32)]


@dataclass
class Blend:
    """What ``fer-video blend`` asks for: trained networks of one architecture, a share each, and where
    the blended Keras weights go."""

    architecture: str
    members: list[Path]
    """Keras weights (``.weights.h5``) or exported TF Lite files, each with its card beside it."""
    shares: list[float]
    out: Path
    """The ``.weights.h5`` to write; its card goes beside it."""
    data: Path
    """FER-2013: training faces for the normalisation statistics, validation faces to measure the blend."""
    split: str = "val"
    statistics_faces: int = 4096
    command: str = ""
    force: bool = False


def blend_classifier(request: Blend, plugins: PluginManager) -> tuple[ModelCard, Report]:
    """Fold, mix, unfold, publish and measure: the whole of ``fer-video blend``."""
    from fer_video.runtime.quiet import native_logs_hidden

    with native_logs_hidden():  # TensorFlow's start-up chatter, once
        from fer_video.models.keras_weights import load_weights
        from fer_video.training.batches import to_network_input
        from fer_video.training.datasets import load_fer2013
        from fer_video.training.evaluate import evaluate

    recipe = plugins.classifier(request.architecture).recipe
    if recipe is None:
        raise ValueError(f"classifier {request.architecture!r} is not a Keras architecture; it cannot be blended")
    out = request.out
    if not out.name.endswith(".weights.h5"):
        raise UsageError(f"blend writes Keras weights: name the output .weights.h5, not {out.name}")
    if len(request.members) < 2 or len(request.shares) != len(request.members):
        raise UsageError(f"blend needs two or more --weights and one --shares value for each "
                         f"({len(request.members)} weights, {len(request.shares)} shares)")
    if any(share < 0 for share in request.shares) or sum(request.shares) <= 0:
        raise UsageError(f"--shares must be zero or more and not all zero, not {' '.join(map(str, request.shares))}")
    check_outputs(None, [out, card_path_for(out)], request.force)
    cards = []
    for member in request.members:  # every card checked before anything loads
        if not member.exists():
            raise FileNotFoundError(f"--weights {member} does not exist")
        card = ModelCard.read(card_path_for(member))
        if card.architecture != request.architecture:
            raise ValueError(f"{member} is a {card.architecture}, not a {request.architecture}; "
                             "only networks of one architecture blend")
        cards.append(card)
    folded, problem = [], None
    with native_logs_hidden():
        try:  # a member that does not fit is the user's one line, not TensorFlow's log replayed
            for member in request.members:
                if member.suffix == ".tflite":
                    model = recipe.build()
                    folded.append(fold_tflite(member, model))
                else:
                    model = recipe.build_for(member)
                    load_weights(model, member, request.architecture)
                    folded.append(fold(model))
            shapes = [[kernel.shape for kernel, _ in member] for member in folded]
            for member, shape in zip(request.members[1:], shapes[1:]):
                if shape != shapes[0]:
                    raise ValueError(f"{member} is another size of {request.architecture} than "
                                     f"{request.members[0]}; only networks of one size blend")
        except ValueError as error:
            problem = error
    if problem is not None:
        raise problem
    with native_logs_hidden():
        blended = mix(folded, request.shares)
        model = recipe.build_for(request.members[0]) if request.members[0].suffix != ".tflite" else recipe.build()
        spec = cards[0].input
        faces = load_fer2013(request.data)["train"].subset(request.statistics_faces).load_images()
        unfold(model, blended, np.asarray(to_network_input(faces[..., None].astype("float32"), spec)))
        out.parent.mkdir(parents=True, exist_ok=True)
    # weights and card are written and measured under this run's own names, then both renamed
    weights = AtomicFile(out)
    clean_stale(card_path_for(out))
    partial_card = card_path_for(weights.path)  # beside the partial weights, where the classifier reads it
    card = blend_card(cards, request)
    try:
        model.save_weights(weights.path)
        card.write(partial_card)
        with native_logs_hidden():
            classifier = plugins.create("classifier", request.architecture, weights=weights.path)
        report = evaluate(classifier, request.data, request.split)
        card.details["validation"] = {"split": request.split, "faces": int(report.confusion.sum()),
                                      "accuracy": round(report.accuracy, 4), "recall": report.per_class_recall()}
        card.write(partial_card)
        weights.publish()
        publish(partial_card, card_path_for(out))
    finally:
        weights.discard()
        discard(partial_card, card_path_for(out))
    return card, report


def blend_card(cards: Sequence[ModelCard], request: Blend) -> ModelCard:
    """The blend's training card: how it was blended, and each member's own training and accuracy."""
    first = cards[0]
    members: list[dict[str, Any]] = []
    for card, path, share in zip(cards, request.members, request.shares):
        member: dict[str, Any] = {"weights": str(path), "share": share}
        for key in ("command", "notes"):
            if key in card.details.get("training", {}):
                member[f"training_{key}"] = card.details["training"][key]
        if "command" in card.details.get("export", {}):
            member["export_command"] = card.details["export"]["command"]
        if "accuracy" in card.details.get("validation", {}):
            member["val_accuracy"] = card.details["validation"]["accuracy"]
        members.append(member)
    details: dict[str, Any] = {key: value for key, value in first.details.items()
                               if key not in ("training", "validation", "speed", "export", "framing")}
    details["training"] = {
        "command": request.command, "data": str(request.data), "statistics_faces": request.statistics_faces,
        "notes": "weights averaged layer by layer with batch normalisation folded in "
                 "(fer_video.training.blend), then unfolded with statistics of training faces",
        "blended": members,
    }
    # the blend is measured as it is, whatever test-time augmentation a member's export declared
    return ModelCard(architecture=first.architecture, input=replace(first.input, tta="none"), labels=first.labels,
                     weights=request.out.name, details=details)
