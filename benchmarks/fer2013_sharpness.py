"""How much detail the FER-2013 splits hold: the evidence behind fernet's input blur.

Two measures, each side by side for the Training and PublicTest faces:

1. The mean amplitude spectrum of Training divided by PublicTest's, ring by ring. A Gaussian
   blur of sigma s scales frequency f (cycles/pixel) by exp(-2 pi^2 s^2 f^2); the script fits s
   on the three lowest rings, where signal still beats JPEG noise, and prints both side by side.
   Where the measured ratio stops falling and stays flat (about 0.35), the Training faces hold
   noise, not detail.
2. How well each face is rebuilt from an n x n picture upsampled to 48x48 (Lanczos): the mean
   absolute error in grey levels. A face that an n x n picture rebuilds to within JPEG noise
   (about half a grey level) holds no finer detail than n x n pixels.

    python benchmarks/fer2013_sharpness.py --data ../shared/data/fer2013/fer2013_train_val.npz
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from fer_video.training.datasets import load_fer2013


def ring_amplitudes(faces: np.ndarray) -> np.ndarray:
    """Mean Fourier amplitude over all faces, averaged over rings of equal frequency (index = f * 48)."""
    centred = faces - faces.mean(axis=(1, 2), keepdims=True)
    power = (np.abs(np.fft.fftshift(np.fft.fft2(centred), axes=(1, 2))) ** 2).mean(axis=0)
    side = faces.shape[1]
    y, x = np.indices(power.shape)
    ring = np.hypot(y - side // 2, x - side // 2).round().astype(int).ravel()
    return np.sqrt(np.bincount(ring, power.ravel()) / np.bincount(ring))


def fitted_sigma(ratio: np.ndarray, rings: range, side: int) -> float:
    """The Gaussian sigma whose transfer function best matches ``ratio`` on ``rings`` (log least squares)."""
    frequency_sq = np.array([(r / side) ** 2 for r in rings])
    slope = -np.log(ratio[list(rings)]) @ frequency_sq / (frequency_sq @ frequency_sq)
    return float(np.sqrt(slope / (2 * np.pi**2)))


def rebuild_error(faces: np.ndarray, n: int) -> float:
    """Mean absolute grey-level error of the best n x n picture, Lanczos-upsampled, for each face."""
    side = faces.shape[1]
    basis = np.empty((side * side, n * n))
    for i in range(n * n):
        pixel = np.zeros(n * n)
        pixel[i] = 1.0
        basis[:, i] = cv2.resize(pixel.reshape(n, n), (side, side), interpolation=cv2.INTER_LANCZOS4).ravel()
    targets = faces.reshape(len(faces), -1).T
    coefficients, *_ = np.linalg.lstsq(basis, targets, rcond=None)
    return float(np.abs(targets - basis @ coefficients).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="FER-2013 (folder, fer2013.csv or .npz)")
    parser.add_argument("--sample", type=int, default=600, help="faces per split for the rebuild measure")
    args = parser.parse_args()

    splits = load_fer2013(args.data)
    train = splits["train"].load_images().astype(np.float64)
    val = splits["val"].load_images().astype(np.float64)
    side = train.shape[1]

    ratio = ring_amplitudes(train) / ring_amplitudes(val)
    sigma = fitted_sigma(ratio, range(1, 4), side)
    print(f"amplitude of Training / PublicTest by frequency, and a Gaussian blur of sigma {sigma:.2f}:")
    print("cycles/pixel  measured  gaussian")
    for r in range(1, side // 2 + 1):
        f = r / side
        print(f"{f:12.3f}  {ratio[r]:8.3f}  {np.exp(-2 * np.pi**2 * sigma**2 * f**2):8.3f}")

    rng = np.random.default_rng(0)
    picked = {name: faces[rng.choice(len(faces), min(args.sample, len(faces)), replace=False)]
              for name, faces in (("Training", train), ("PublicTest", val))}
    print("\nmean grey-level error rebuilding each face from an n x n picture (Lanczos):")
    print("   n  Training  PublicTest")
    for n in (6, 8, 10, 12, 16, 24):
        print(f"{n:4d}  {rebuild_error(picked['Training'], n):8.2f}  {rebuild_error(picked['PublicTest'], n):10.2f}")


if __name__ == "__main__":
    main()
