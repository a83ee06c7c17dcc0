"""The optimizer a recipe names (``adam``, ``adamw``, ``sgd``), and the warm-up and cosine schedule of the last two."""

from __future__ import annotations

import math


def build_optimizer(name: str, learning_rate: float, steps_per_epoch: int, epochs: int):
    import keras

    if name == "adam":
        return keras.optimizers.Adam(learning_rate)
    if name == "adamw":
        schedule = WarmupCosine(learning_rate, steps_per_epoch, steps_per_epoch * epochs)
        return keras.optimizers.AdamW(schedule, weight_decay=0.05)
    if name == "sgd":
        schedule = WarmupCosine(learning_rate, steps_per_epoch, steps_per_epoch * epochs)
        return keras.optimizers.SGD(schedule, momentum=0.9, nesterov=True, weight_decay=5e-4)
    raise ValueError(f"unknown optimizer {name!r}: use adam, adamw or sgd")


def _schedule_base():
    import keras

    return keras.optimizers.schedules.LearningRateSchedule


class WarmupCosine(_schedule_base()):
    """Linear warm-up over the first epoch, then cosine decay to zero."""

    def __init__(self, peak: float, warmup_steps: int, total_steps: int):
        self.peak, self.warmup_steps, self.total_steps = peak, warmup_steps, total_steps

    def __call__(self, step):
        from keras import ops

        step = ops.cast(step, "float32")
        warm = self.peak * (step + 1) / self.warmup_steps
        progress = ops.clip((step - self.warmup_steps) / max(self.total_steps - self.warmup_steps, 1), 0, 1)
        cosine = 0.5 * self.peak * (1 + ops.cos(math.pi * progress))
        return ops.where(step < self.warmup_steps, warm, cosine)

    def get_config(self):
        return {"peak": self.peak, "warmup_steps": self.warmup_steps, "total_steps": self.total_steps}
