"""The ``file`` classifier: run your own ``.keras``, ``.h5`` or ``.tflite`` model, no code needed.

The model card beside the file (``model.keras`` -> ``model.card.toml``) says how to feed it
(input size, colour, scaling) and in which order its outputs name the emotions; scores come
back in fer-video's canonical :data:`fer_video.emotions.EMOTIONS` order like any classifier's.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from fer_video.emotions import EMOTIONS
from fer_video.extras import require_tensorflow
from fer_video.models.card import WEIGHTS_SUFFIXES, InputSpec, ModelCard, card_path_for
from fer_video.models.network import NetworkClassifier
from fer_video.plugins.factories import ClassifierFactory

CARD_HELP = (
    "a model card is a small TOML file that says how to feed the model, for example:\n"
    '    architecture = "my-net"\n'
    "    labels = [{labels}]  # the emotions in the order of the model's outputs\n"
    "    [input]\n"
    "    size = 48         # square input in pixels\n"
    '    color = "gray"    # gray, bgr or rgb\n'
    "    scale = 1.0       # the network sees pixels (0-255) * scale + offset\n"
    "    offset = 0.0"
).format(labels=", ".join(f'"{name}"' for name in EMOTIONS))


def open_model_file(path: str | Path, card: str | Path | None = None, threads: int | None = None):
    """A classifier for the model file at ``path``, fed as its card (default: beside it) says."""
    path = Path(path)
    suffix = _suffix(path)
    if not path.exists():
        raise FileNotFoundError(f"model file {path} does not exist")
    check_format(path)  # a damaged file is called damaged, not card-less
    card_path = Path(card) if card else card_path_for(path)
    if not card_path.exists():
        raise FileNotFoundError(f"{path} needs a model card: expected {card_path}; {CARD_HELP}")
    model_card = ModelCard.read(card_path)
    name = model_card.architecture
    if suffix == ".tflite":
        return TFLiteClassifier(path, model_card.input, model_card.labels, name, threads=threads,
                                prior=model_card.prior)
    require_tensorflow(f"the Keras model {path} (a .tflite model runs without it)")
    from fer_video.models.keras_runner import KerasClassifier

    model = _load_keras_model(path)
    inputs = getattr(model, "inputs", None)
    if inputs:
        _check_input(inputs[0].shape, model_card.input, path, card_path)
    return KerasClassifier(model, model_card.input, model_card.labels, name, path, prior=model_card.prior)


def check_format(path: Path) -> None:
    """Refuse a file whose bytes are not of the kind its name says (damaged, or renamed): said so, rather
    than as the missing card or the unfitting architecture that loading it would report."""
    suffix = _suffix(path)
    with path.open("rb") as handle:
        head = handle.read(8)
    if suffix == ".tflite":
        kind, ok = "a TF Lite model", head[4:8] == b"TFL3"
    elif suffix == ".keras":
        kind, ok = "a .keras model (a zip archive)", head[:4] == b"PK\x03\x04"
    else:
        import h5py

        kind, ok = "an HDF5 file, as Keras weights ending in .h5 are", h5py.is_hdf5(path)
    if not ok:
        raise ValueError(f"{path} is not {kind}: the file is damaged or of another kind")


def _suffix(path: Path) -> str:
    for suffix in WEIGHTS_SUFFIXES:
        if path.name.endswith(suffix):
            return suffix
    raise ValueError(f"model file {path} is not one of {', '.join(WEIGHTS_SUFFIXES)}")


def _load_keras_model(path: Path):
    import keras

    if path.suffix == ".h5":
        import h5py

        with h5py.File(path, "r") as f:
            if "model_config" not in f.attrs:
                raise ValueError(
                    f"{path} holds only weights, not a whole model; load it into its architecture "
                    "instead (--classifier NAME --weights FILE), or save the whole model with "
                    "model.save('model.keras')"
                )
    try:
        return keras.models.load_model(str(path), compile=False)
    except Exception as error:
        raise ValueError(
            f"Keras could not load {path} ({type(error).__name__}: {error}); a model with custom "
            "layers loads only where they are registered (keras.saving.register_keras_serializable)"
        ) from None


def _check_input(shape, spec: InputSpec, path: Path, card_path: Path) -> None:
    """Refuse a card whose input disagrees with the model's own fixed input shape."""
    expected = (spec.size, spec.size, spec.channels)
    actual = tuple(None if a is None or int(a) < 0 else int(a) for a in shape[1:])
    if len(actual) != 3 or any(a is not None and a != e for a, e in zip(actual, expected)):
        raise ValueError(
            f"{path} takes inputs of shape {actual} but its card {card_path} describes "
            f"{expected} ({spec.size}x{spec.size} {spec.color}); fix the card's [input] table"
        )


class TFLiteClassifier(NetworkClassifier):
    """Classifies face crops with a TensorFlow Lite model (XNNPACK on CPU).

    Batches run on interpreters sized once for 1, 2, 4 ... ``MAX_BATCH`` faces (zero-padded
    up to the next size): resizing one interpreter back and forth as the number of faces
    changes frame to frame is slow, and with XNNPACK in TF 2.19 it can crash.
    """

    MAX_BATCH = 64
    runtime = "TF Lite"

    def __init__(self, path: Path, spec: InputSpec, labels: Sequence[str], name: str,
                 threads: int | None = None, prior: Sequence[float] | None = None) -> None:
        super().__init__(spec, labels, name, Path(path), prior)
        self.threads = threads
        self._interpreters: dict[int, tuple] = {}
        _, details, _ = self._interpreter(1)
        _check_input(list(details["shape_signature"]), spec, self.weights, card_path_for(self.weights))

    def close(self) -> None:
        """Let go of the interpreters (and the model file they map); a later batch loads them again."""
        self._interpreters.clear()

    def _run(self, batch: np.ndarray) -> np.ndarray:
        step = self.MAX_BATCH
        return np.concatenate([self._run_padded(batch[start : start + step]) for start in range(0, len(batch), step)])

    def _run_padded(self, batch: np.ndarray) -> np.ndarray:
        """Up to ``MAX_BATCH`` faces, zero-padded to the next interpreter's size."""
        count = len(batch)
        size = 1 << (count - 1).bit_length()
        interpreter, given, wanted = self._interpreter(size)
        if size != count:
            batch = np.concatenate([batch, np.zeros((size - len(batch), *batch.shape[1:]), batch.dtype)])
        interpreter.set_tensor(given["index"], _quantize(batch, given))
        interpreter.invoke()
        return _dequantize(interpreter.get_tensor(wanted["index"]), wanted)[:count]

    def _interpreter(self, size: int) -> tuple:
        if size not in self._interpreters:
            try:
                interpreter = lite_interpreter_class()(model_path=str(self.weights), num_threads=self.threads)
            except ValueError as error:
                raise ValueError(f"{self.weights} is not a readable TF Lite model ({error})") from None
            given = interpreter.get_input_details()[0]
            shape = [size, self.spec.size, self.spec.size, self.spec.channels]
            interpreter.resize_tensor_input(given["index"], shape, strict=False)
            interpreter.allocate_tensors()
            self._interpreters[size] = (interpreter, interpreter.get_input_details()[0],
                                        interpreter.get_output_details()[0])
        return self._interpreters[size]


def lite_interpreter_class():
    """LiteRT's interpreter: no TensorFlow import, so far less memory and a faster start.

    Its default op resolver applies XNNPACK on CPU. Falls back to ``tf.lite`` where the
    ``ai-edge-litert`` wheel is missing.
    """
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        import tensorflow as tf

        with warnings.catch_warnings():  # TF 2.19 announces the move to LiteRT
            warnings.filterwarnings("ignore", message=".*tf.lite.Interpreter is deprecated")
            return tf.lite.Interpreter
    return Interpreter


def _quantize(batch: np.ndarray, details: dict) -> np.ndarray:
    dtype = details["dtype"]
    if dtype == np.float32:
        return batch
    scale, zero_point = details["quantization"]
    if not scale:
        return batch.astype(dtype)
    info = np.iinfo(dtype)
    return np.clip(np.round(batch / scale + zero_point), info.min, info.max).astype(dtype)


def _dequantize(scores: np.ndarray, details: dict) -> np.ndarray:
    scale, zero_point = details["quantization"]
    if scores.dtype == np.float32 or not scale:
        return scores.astype(np.float32)
    return (scores.astype(np.float32) - zero_point) * scale


def _create(weights: str | Path | None = None, path: str | Path | None = None,
            card: str | Path | None = None, threads: int | None = None):
    model_path = weights or path
    if not model_path:
        raise ValueError(
            "the file classifier needs a model file: pass --weights MODEL.keras (or .h5, .tflite) "
            "with its MODEL.card.toml beside it"
        )
    return open_model_file(model_path, card=card, threads=threads)


FACTORY = ClassifierFactory(
    name="file",
    create=_create,
    summary="your own .keras, .h5 or .tflite model, fed as its .card.toml says",
)
