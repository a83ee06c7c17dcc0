"""Accuracy, per-class precision/recall/F1 and the confusion matrix, from label arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fer_video.emotions import EMOTIONS


@dataclass
class Report:
    """Classification results on one split; rows of ``confusion`` are the true emotions."""

    confusion: np.ndarray

    @classmethod
    def from_labels(cls, truth: np.ndarray, predicted: np.ndarray) -> "Report":
        n = len(EMOTIONS)
        confusion = np.bincount(truth * n + predicted, minlength=n * n).reshape(n, n)
        return cls(confusion=confusion)

    @property
    def accuracy(self) -> float:
        return float(np.trace(self.confusion) / max(self.confusion.sum(), 1))

    @property
    def recall(self) -> np.ndarray:
        return np.diag(self.confusion) / np.maximum(self.confusion.sum(axis=1), 1)

    @property
    def precision(self) -> np.ndarray:
        return np.diag(self.confusion) / np.maximum(self.confusion.sum(axis=0), 1)

    @property
    def f1(self) -> np.ndarray:
        p, r = self.precision, self.recall
        return np.where(p + r > 0, 2 * p * r / np.maximum(p + r, 1e-12), 0.0)

    def per_class_recall(self) -> dict[str, float]:
        return {name: round(float(value), 4) for name, value in zip(EMOTIONS, self.recall)}

    def as_text(self) -> str:
        lines = [f"accuracy {self.accuracy:.4f} on {int(self.confusion.sum())} faces", ""]
        lines.append(f"{'':10}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}")
        support = self.confusion.sum(axis=1)
        for i, name in enumerate(EMOTIONS):
            lines.append(
                f"{name:10}{self.precision[i]:10.3f}{self.recall[i]:10.3f}{self.f1[i]:10.3f}{support[i]:10d}"
            )
        lines += ["", "confusion matrix (rows: true, columns: predicted)"]
        lines.append(" " * 10 + "".join(f"{name[:8]:>9}" for name in EMOTIONS))
        for i, name in enumerate(EMOTIONS):
            lines.append(f"{name:10}" + "".join(f"{v:9d}" for v in self.confusion[i]))
        return "\n".join(lines)

    def save_png(self, path) -> None:
        """The confusion matrix as a row-normalised heat map."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        rates = self.confusion / np.maximum(self.confusion.sum(axis=1, keepdims=True), 1)
        fig, ax = plt.subplots(figsize=(6.4, 5.6), dpi=100)
        ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
        ax.set_xticks(range(len(EMOTIONS)), EMOTIONS, rotation=45, ha="right")
        ax.set_yticks(range(len(EMOTIONS)), EMOTIONS)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(f"accuracy {self.accuracy:.2%}")
        for i in range(len(EMOTIONS)):
            for j in range(len(EMOTIONS)):
                ax.text(j, i, f"{self.confusion[i, j]}", ha="center", va="center",
                        color="white" if rates[i, j] > 0.5 else "black", fontsize=8)
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
