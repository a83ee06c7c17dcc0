"""FER-2013 in each of its three forms (Kaggle's CSV, its folders of pictures, an .npz) reads the same."""

from __future__ import annotations

import csv

import cv2
import numpy as np
import pytest

from fer_video.emotions import EMOTIONS
from fer_video.training.datasets import load_fer2013
from tests.support import random_faces


def test_the_three_forms_of_fer2013_read_the_same(tmp_path):
    images, labels = random_faces(21)
    usage = ["Training"] * 14 + ["PublicTest"] * 7
    with (tmp_path / "fer2013.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["emotion", "pixels", "Usage"])
        for image, label, use in zip(images, labels, usage):
            writer.writerow([label, " ".join(map(str, image.ravel())), use])
    for split, part in (("train", slice(0, 14)), ("test", slice(14, 21))):
        for n, (image, label) in enumerate(zip(images[part], labels[part])):
            folder = tmp_path / "kaggle" / split / EMOTIONS[label]
            folder.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(folder / f"{n}.png"), image)
    np.savez(tmp_path / "faces.npz", x_train=images[:14], y_train=labels[:14], x_val=images[14:], y_val=labels[14:])

    from_csv = load_fer2013(tmp_path / "fer2013.csv")
    from_npz = load_fer2013(tmp_path / "faces.npz")
    from_folders = load_fer2013(tmp_path / "kaggle")
    for loaded in (from_csv, from_npz, from_folders):
        assert sorted(loaded["train"].labels) == sorted(labels[:14])
        assert sorted(loaded["val"].labels) == sorted(labels[14:])
    np.testing.assert_array_equal(from_csv["train"].images, images[:14])
    assert from_folders["train"].images is None  # folders stay on disk, decoded per batch
    assert sorted(from_folders["train"].load_images().sum(axis=(1, 2))) == sorted(images[:14].sum(axis=(1, 2)))


def test_npz_class_names_map_to_canonical_order(tmp_path):
    images, labels = random_faces(7)
    alphabetical = sorted(EMOTIONS)
    np.savez(tmp_path / "a.npz", x_train=images, y_train=np.arange(7), x_val=images, y_val=np.arange(7),
             classes=np.array(alphabetical))
    loaded = load_fer2013(tmp_path / "a.npz")
    assert [EMOTIONS[i] for i in loaded["train"].labels] == alphabetical


def test_missing_data_speaks_to_the_user(tmp_path):
    with pytest.raises(FileNotFoundError, match="pass --data a Kaggle folder"):
        load_fer2013(tmp_path / "nowhere")
