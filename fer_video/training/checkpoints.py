"""What lets a run be resumed: the epochs its history already logged, and the best epoch's weights
kept across resumes, written so that a kill mid-save never loses them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from fer_video.io.atomic import AtomicFile


def _keras_callback():
    import keras

    return keras.callbacks.Callback


def logged_epochs(history: Path) -> int:
    """Epochs an unfinished run in the same folder already logged (0 for a fresh run)."""
    if not history.exists():
        return 0
    with history.open() as handle:
        return sum(1 for _ in csv.DictReader(handle))


class KeepBest(_keras_callback()):
    """Save weights whenever validation accuracy beats the best so far, across resumes."""

    def __init__(self, path: Path, history: Path):
        super().__init__()
        self.path = path
        self.best, self.best_epoch = -1.0, -1
        if history.exists() and path.exists():
            with history.open() as handle:
                for row in csv.DictReader(handle):
                    if float(row["val_accuracy"]) > self.best:
                        self.best, self.best_epoch = float(row["val_accuracy"]), int(row["epoch"])

    def on_epoch_end(self, epoch, logs=None):
        accuracy = float((logs or {}).get("val_accuracy", -1))
        if accuracy > self.best:
            self.best, self.best_epoch = accuracy, epoch
            # written beside under a name of this run's own, then renamed: a run killed mid-save
            # keeps its previous best intact (its partial file is cleaned by the next save), and
            # two runs never write into one partial file
            target = AtomicFile(self.path)
            try:
                self.model.save_weights(target.path)
                target.publish()
            finally:
                target.discard()
        print(json.dumps({"epoch": epoch + 1, "val_accuracy": round(accuracy, 4),
                          "best": round(self.best, 4), "best_epoch": self.best_epoch + 1}), flush=True)
