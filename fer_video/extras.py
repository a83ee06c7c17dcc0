"""fer-video's optional parts (pip extras) and the one line that says how to get a missing one.

The core install runs every shipped model on LiteRT. TensorFlow (training, Keras and ``.h5`` models,
export, blend) is the ``train`` extra: what needs it checks first, so a core install answers with the
command to run instead of an ImportError deep inside Keras.
"""

from __future__ import annotations

import importlib.util

from fer_video.messages import UsageError

TRAIN = "pip install 'fer-video[train]'"


class MissingExtra(UsageError):
    """What was asked needs an extra this install lacks (exit code 2, as any usage error): nothing was run."""


def installed(module: str) -> bool:
    """Whether ``module`` can be imported, found without importing it (TensorFlow takes seconds)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a finder that refuses it, or a half-removed package
        return False


def require_tensorflow(what: str) -> None:
    """Refuse ``what`` in one line where TensorFlow and Keras (the ``train`` extra) are not installed."""
    if not (installed("tensorflow") and installed("keras")):
        raise MissingExtra(f"{what} needs TensorFlow, which fer-video's core install leaves out: {TRAIN}")
