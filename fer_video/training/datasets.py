"""FER-2013 in the three forms people have it: Kaggle folders, ``fer2013.csv``, or an ``.npz``.

Every form ends up as :class:`Split` objects of 48x48 gray faces with labels in
fer-video's canonical emotion order. Folders stay on disk and are decoded batch by batch;
the CSV and npz forms are read once into uint8 arrays (about 80 MB for the whole set).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fer_video.emotions import EMOTIONS
from fer_video.io.sources.images import IMAGE_SUFFIXES

SPLITS = ("train", "val", "test")
CSV_USAGE = {"Training": "train", "PublicTest": "val", "PrivateTest": "test"}


@dataclass
class Split:
    """One split: either in-memory ``images`` (N, H, W) uint8 or image ``files`` on disk."""

    labels: np.ndarray
    images: np.ndarray | None = None
    files: list[str] | None = None

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, count: int, seed: int = 0) -> "Split":
        """A class-stratified random subset of about ``count`` faces (for quick runs and tests)."""
        if count >= len(self):
            return self
        pick = self.subset_rows(count, seed)
        return Split(
            labels=self.labels[pick],
            images=None if self.images is None else self.images[pick],
            files=None if self.files is None else [self.files[i] for i in pick],
        )

    def subset_rows(self, count: int, seed: int = 0) -> np.ndarray:
        """The rows :meth:`subset` picks, in order (to pick the same rows of a parallel array)."""
        if count >= len(self):
            return np.arange(len(self))
        rng = np.random.default_rng(seed)
        return np.sort(rng.permutation(len(self))[:count])

    def load_images(self) -> np.ndarray:
        """All faces as one (N, H, W) uint8 array, decoding files if need be."""
        if self.images is not None:
            return self.images
        import cv2

        return np.stack([_read_gray(cv2, path) for path in self.files or []])


def _read_gray(cv2, path: str) -> np.ndarray:
    image = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise ValueError(f"{path} is not an image OpenCV can read")
    return image


def load_fer2013(path: Path | str) -> dict[str, Split]:
    """Read FER-2013 from ``path`` (folder, ``.csv`` or ``.npz``) into its splits."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"FER-2013 data not found at {path}; pass --data a Kaggle folder (train/<emotion>/...), "
            "the original fer2013.csv, or an .npz with x_train/y_train, x_val/y_val and/or x_test/y_test"
        )
    if path.is_dir():
        splits = _from_folders(path)
    elif path.suffix == ".npz":
        splits = _from_npz(path)
    elif path.suffix == ".csv":
        splits = _from_csv(path)
    else:
        raise ValueError(f"{path}: expected a folder, a .csv or an .npz file")
    if not splits:  # a test set on its own (x_test/y_test, test/, PrivateTest rows) is enough to evaluate
        raise ValueError(f"{path} holds no training, validation or test faces")
    return splits


def _from_npz(path: Path) -> dict[str, Split]:
    with np.load(path, allow_pickle=False) as data:
        order = _label_map([str(c) for c in data["classes"]]) if "classes" in data.files else None
        splits = {}
        for split in SPLITS:
            if f"x_{split}" in data.files:
                images = np.asarray(data[f"x_{split}"])
                if images.ndim == 4 and images.shape[-1] == 1:
                    images = images[..., 0]
                if images.ndim != 3:
                    raise ValueError(f"{path}: x_{split} must be (N, H, W) gray images, got {images.shape}")
                if f"y_{split}" not in data.files:
                    raise ValueError(f"{path} has x_{split} but no y_{split}: each x_SPLIT needs its labels "
                                     f"y_SPLIT (it holds {', '.join(sorted(data.files))})")
                labels = np.asarray(data[f"y_{split}"]).astype(np.int64)
                if labels.ndim == 2:  # one-hot
                    labels = labels.argmax(axis=1)
                if order is not None:
                    labels = order[labels]
                splits[split] = Split(labels=labels, images=images.astype(np.uint8, copy=False))
    return splits


def _label_map(classes: list[str]) -> np.ndarray:
    unknown = [c for c in classes if c not in EMOTIONS]
    if unknown:
        raise ValueError(f"unknown class names {unknown}; expected {list(EMOTIONS)}")
    return np.array([EMOTIONS.index(c) for c in classes])


def _from_csv(path: Path) -> dict[str, Split]:
    columns: dict[str, tuple[list[np.ndarray], list[int]]] = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            try:
                split = CSV_USAGE.get(row.get("Usage", "Training"), "train")
                pixels = np.array(row["pixels"].split(), dtype=np.uint8)
                label = int(row["emotion"])
            except (KeyError, ValueError) as error:
                raise ValueError(f"{path}: rows need emotion, pixels and Usage columns ({error})") from None
            side = int(round(len(pixels) ** 0.5))
            images, labels = columns.setdefault(split, ([], []))
            images.append(pixels.reshape(side, side))
            labels.append(label)
    return {
        split: Split(labels=np.array(labels, np.int64), images=np.stack(images))
        for split, (images, labels) in columns.items()
    }


def _from_folders(path: Path) -> dict[str, Split]:
    names = {"train": ["train", "training"], "val": ["val", "validation", "publictest"], "test": ["test"]}
    found = {child.name.lower(): child for child in path.iterdir() if child.is_dir()}
    splits = {}
    for split, candidates in names.items():
        folder = next((found[c] for c in candidates if c in found), None)
        if folder is not None:
            files, labels = zip(*_labelled_files(folder)) if any(folder.iterdir()) else ((), ())
            splits[split] = Split(labels=np.array(labels, np.int64), files=list(files))
    if "val" not in splits and "test" in splits:
        splits["val"] = splits["test"]  # Kaggle's layout has only train/ and test/
    return splits


def _labelled_files(folder: Path) -> Iterator[tuple[str, int]]:
    for class_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        name = class_dir.name.lower()
        if name not in EMOTIONS:
            raise ValueError(f"{class_dir}: folder name is not one of {list(EMOTIONS)}")
        for file in sorted(class_dir.iterdir()):
            if file.suffix.lower() in IMAGE_SUFFIXES:
                yield str(file), EMOTIONS.index(name)
