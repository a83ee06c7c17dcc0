"""Loading weights into Keras architectures, including the original repo's Keras-2 ``.h5`` files."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def load_weights(model, weights: Path, name: str) -> None:
    """Load ``weights`` into ``model``, explaining the likely cause when they do not fit.

    Besides Keras 3 files (``.weights.h5``, ``.keras``) this reads legacy Keras-2 ``.h5`` files
    written by ``save_weights`` (or ``save``), such as the original repo's published weights.
    """
    weights = Path(weights)
    if not weights.exists():
        raise FileNotFoundError(f"weights file {weights} does not exist")
    from fer_video.models.model_file import check_format

    check_format(weights)
    try:
        if _is_legacy_h5(weights):
            load_legacy_h5(model, weights)
        elif weights.suffix in (".h5", ".hdf5") and not weights.name.endswith(".weights.h5"):
            _load_renamed_keras3_weights(model, weights)
        else:
            model.load_weights(str(weights))
    except Exception as error:
        raise ValueError(
            f"weights {weights} do not fit the {name} architecture ({type(error).__name__}: {error}); "
            f"check that they were trained for {name}"
        ) from None


def _is_legacy_h5(path: Path) -> bool:
    """Whether ``path`` is a Keras-2 style HDF5 file (from ``save_weights`` or a full ``save``)."""
    import h5py

    if not h5py.is_hdf5(path):
        return False
    with h5py.File(path, "r") as f:
        group = f["model_weights"] if "model_weights" in f else f
        return bool(_h5_names(group, "layer_names"))


def _load_renamed_keras3_weights(model, path: Path) -> None:
    """A Keras 3 weights file whose name lost its ``.weights.h5`` ending: load it under that name."""
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        link = Path(folder) / "model.weights.h5"
        os.symlink(path.resolve(), link)
        model.load_weights(str(link))


def load_legacy_h5(model, path: Path) -> None:
    """Load a Keras-2 ``.h5`` weights file into ``model`` (Keras 3).

    Layers with weights are paired in order, as Keras does. Inside a nested model (the
    ``MobileNetV2`` or ``ResNet50`` base of a ``Sequential``) weights are matched by layer name,
    because Keras 2 stored them trainable-first: the order in the file depends on which layers
    were frozen when it was saved, which the name match makes irrelevant. Nothing is assigned
    unless every weight finds a place of the right shape.
    """
    import h5py

    with h5py.File(path, "r") as f:
        group = f["model_weights"] if "model_weights" in f else f
        saved = []
        for layer_name in _h5_names(group, "layer_names"):
            weight_names = _h5_names(group[layer_name], "weight_names")
            if weight_names:
                values = [np.asarray(group[layer_name][w]) for w in weight_names]
                saved.append((layer_name, weight_names, values))
    layers = [layer for layer in model.layers if layer.weights]
    if len(saved) != len(layers):
        raise ValueError(
            f"the file holds weights for {len(saved)} layers ({', '.join(s[0] for s in saved)}) "
            f"but the model has {len(layers)} ({', '.join(layer.name for layer in layers)})"
        )
    pairs = []
    for layer, (layer_name, weight_names, values) in zip(layers, saved):
        targets = _match_nested(layer, weight_names) or _legacy_order(layer)
        if len(targets) != len(values):
            raise ValueError(
                f"layer {layer.name} has {len(targets)} weights but the file's {layer_name} has {len(values)}"
            )
        for variable, value, weight_name in zip(targets, values, weight_names):
            if tuple(variable.shape) != value.shape:
                raise ValueError(
                    f"{variable.path} has shape {tuple(variable.shape)} but the file's "
                    f"{layer_name}/{weight_name} has {value.shape}"
                )
            pairs.append((variable, value))
    for variable, value in pairs:
        variable.assign(value)


def _legacy_order(layer) -> list:
    """Keras 2's order for one layer's weights in an ``.h5`` file: trainable first."""
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _match_nested(layer, weight_names: list[str]) -> list | None:
    """For a nested model, its variables in the order of ``weight_names``, found by layer name.

    Returns None when the names do not pair one-to-one with the model's layers (the caller then
    falls back to Keras 2's order). A trailing ``_N`` that Keras 2 added to keep variable names
    unique is ignored when the plain name is not found.
    """
    import keras

    if not isinstance(layer, keras.Model):
        return None
    leaves = {leaf.name: leaf for leaf in _leaf_layers(layer)}
    if len(leaves) != len(_leaf_layers(layer)):
        return None
    owners: list[str] = []
    for weight_name in weight_names:
        parts = weight_name.split(":")[0].split("/")
        if len(parts) < 2:
            return None
        owner = parts[-2]
        if owner not in leaves:
            stripped = owner.rsplit("_", 1)
            if len(stripped) == 2 and stripped[1].isdigit() and stripped[0] in leaves:
                owner = stripped[0]
            else:
                return None
        owners.append(owner)
    if set(owners) != set(leaves):
        return None
    remaining = {name: _legacy_order(leaf) for name, leaf in leaves.items()}
    if sum(len(v) for v in remaining.values()) != len(weight_names):
        return None
    targets = []
    for owner in owners:
        if not remaining[owner]:
            return None
        targets.append(remaining[owner].pop(0))
    return targets


def _leaf_layers(model) -> list:
    """The layers with weights of their own inside ``model``, nested models flattened."""
    import keras

    found = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            found += _leaf_layers(layer)
        elif layer.weights:
            found.append(layer)
    return found


def _h5_names(group, attribute: str) -> list[str]:
    """A list of names stored as an HDF5 attribute, possibly split in numbered chunks by Keras."""
    if attribute in group.attrs:
        chunks = [group.attrs[attribute]]
    else:
        chunks, index = [], 0
        while f"{attribute}{index}" in group.attrs:
            chunks.append(group.attrs[f"{attribute}{index}"])
            index += 1
    return [n.decode("utf8") if hasattr(n, "decode") else str(n) for chunk in chunks for n in chunk]
