"""How a Keras architecture is built and trained from scratch: the recipe a trainable classifier carries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from fer_video.models.card import InputSpec

if TYPE_CHECKING:
    import keras


@dataclass(frozen=True)
class Recipe:
    """How to build and train a Keras architecture from scratch.

    ``build`` returns the untrained network whose outputs follow ``labels``; the training
    command reads everything else it needs (input size, colour, scaling) from here and
    writes it into the model card beside the weights.
    """

    input: InputSpec
    labels: tuple[str, ...]
    build: Callable[[], "keras.Model"]
    epochs: int = 30
    batch_size: int = 128
    learning_rate: float = 1e-3
    optimizer: str = "adam"
    label_smoothing: float = 0.0
    augment: bool = False
    random_erasing: float = 0.0
    """Share of training faces that get one random rectangle of noise (with ``augment``)."""
    video_degradation: float = 0.0
    """Share of training faces degraded as video degrades a face: enlarged from a small one,
    motion-blurred or compressed (with ``augment``)."""
    degradations: tuple[str, ...] = ("small", "motion-blur", "jpeg")
    """Which of :data:`fer_video.training.batches.DEGRADATIONS` ``video_degradation`` draws from."""
    class_weight_power: float = 0.0
    """Loss weight of a class: (largest class's count / its count) ** power; 0 weighs all alike."""
    notes: str = ""
    fitting: Callable[[Path], "keras.Model"] | None = None
    """The untrained network that a weights file fits, for an architecture that comes in several
    sizes: weights trained as an earlier size still load after the default one changes."""

    def build_for(self, weights: Path) -> "keras.Model":
        """The untrained network for ``weights``: ``fitting``'s if the recipe has one, else ``build``'s."""
        return self.fitting(Path(weights)) if self.fitting is not None else self.build()
