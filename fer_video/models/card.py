"""Model cards: the small TOML file beside a weights file that says how to feed it.

A card lets anyone bring a ``.keras``, ``.h5`` or ``.tflite`` model without writing code,
and lets shipped weights carry their own measured numbers and training command.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import tomli_w

from fer_video.emotions import EMOTIONS, reorder_columns
from fer_video.models.tta import check_mode

COLORS = ("gray", "bgr", "rgb")

WEIGHTS_SUFFIXES = (".weights.h5", ".keras", ".h5", ".tflite")
"""How a weights or model file's name ends (the longest ending first): a card is named after the rest."""


@dataclass(frozen=True)
class InputSpec:
    """What a network expects: a square ``size`` crop in ``color``, pixels * scale + offset.

    ``blur`` is a Gaussian sigma (in input pixels) applied to each crop first, for a model
    trained on blurrier faces than the ones it will see (see ``fer_video.models.fernet``).
    ``tta`` is the test-time augmentation the classifier averages over (see :mod:`fer_video.models.tta`):
    it belongs to how the model is fed, so a card that measured its accuracy with flip averaging
    makes the pipeline average the same way.
    """

    size: int
    color: str = "gray"
    scale: float = 1.0
    offset: float = 0.0
    blur: float = 0.0
    tta: str = "none"

    def __post_init__(self) -> None:
        check_mode(self.tta)
        if self.blur < 0:
            raise ValueError(f"input blur {self.blur} must be 0 or more")
        if self.color not in COLORS:
            raise ValueError(f"input color {self.color!r} is not one of {', '.join(COLORS)}")
        if not 8 <= self.size <= 1024:
            raise ValueError(f"input size {self.size} is outside 8..1024 pixels")

    @property
    def channels(self) -> int:
        return 1 if self.color == "gray" else 3

    def prepare(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """Turn BGR (or already gray) face crops into one float32 batch for the network."""
        batch = np.empty((len(crops), self.size, self.size, self.channels), np.float32)
        for i, crop in enumerate(crops):
            batch[i] = self._convert(crop).reshape(self.size, self.size, self.channels)
        if self.scale != 1.0 or self.offset != 0.0:
            batch *= self.scale
            batch += self.offset
        return batch

    def _convert(self, crop: np.ndarray) -> np.ndarray:
        if crop.ndim == 2:
            crop = cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR) if self.color != "gray" else crop
        elif self.color == "gray":
            crop = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
        elif self.color == "rgb":
            crop = cv2.cvtColor(crop, cv2.COLOR_BGR2RGB)
        if crop.shape[0] != self.size or crop.shape[1] != self.size:
            shrinking = crop.shape[0] > self.size
            crop = cv2.resize(
                crop, (self.size, self.size), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
            )
        if self.blur > 0:
            crop = cv2.GaussianBlur(crop, (0, 0), self.blur, borderType=cv2.BORDER_REFLECT)
        return crop


@dataclass
class ModelCard:
    """Everything needed to run a model file, plus what was measured about it."""

    architecture: str
    input: InputSpec
    labels: tuple[str, ...] = EMOTIONS
    weights: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        reorder_columns(self.labels)
        _ = self.prior  # a wrong [calibration] table is refused when the card is read

    @property
    def prior(self) -> tuple[float, ...] | None:
        """``[calibration] prior``: a factor per emotion (canonical order; 1 where not named) that the
        model's scores are multiplied by before they are renormalised, or ``None`` without one.

        A network trained on one set of faces says each emotion as often as that set showed it; the
        prior is the decision of how often it should say it on the faces it will see (real video
        shows fewer strong expressions than a photo set), measured and stated on the card.
        """
        table = self.details.get("calibration", {}).get("prior")
        if table is None:
            return None
        unknown = [name for name in table if name not in EMOTIONS]
        if unknown or any(not isinstance(v, int | float) or v <= 0 for v in table.values()):
            raise ValueError(f"[calibration] prior must give emotions ({', '.join(EMOTIONS)}) positive factors, "
                             f"not {table}")
        return tuple(float(table.get(name, 1.0)) for name in EMOTIONS)

    @classmethod
    def read(cls, path: Path) -> "ModelCard":
        try:
            data = tomllib.loads(Path(path).read_text())
        except FileNotFoundError:
            raise FileNotFoundError(f"model card {path} does not exist") from None
        except tomllib.TOMLDecodeError as error:
            raise ValueError(f"model card {path} is not valid TOML: {error}") from None
        try:
            spec = data.pop("input")
            return cls(
                architecture=data.pop("architecture"),
                input=InputSpec(**spec),
                labels=tuple(data.pop("labels", EMOTIONS)),
                weights=data.pop("weights", ""),
                details=data,
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(
                f"model card {path} is incomplete or wrong ({error}); it needs architecture, "
                "labels and an [input] table with size, color, scale and offset"
            ) from None

    def write(self, path: Path) -> None:
        data: dict[str, Any] = {
            "architecture": self.architecture,
            "weights": self.weights,
            "labels": list(self.labels),
            "input": {
                "size": self.input.size,
                "color": self.input.color,
                "scale": self.input.scale,
                "offset": self.input.offset,
                "blur": self.input.blur,
                "tta": self.input.tta,
            },
        }
        data.update(self.details)
        Path(path).write_text(tomli_w.dumps(data))


def card_path_for(weights: Path) -> Path:
    """The card that belongs to a weights file: ``model.keras`` -> ``model.card.toml``."""
    weights = Path(weights)
    name = weights.name
    for suffix in WEIGHTS_SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return weights.with_name(name + ".card.toml")
