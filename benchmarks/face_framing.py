"""How each detector's box sits in a face framed as FER-2013 frames it: the numbers behind
each detector's ``framing`` (see ``fer_video/framing.py``).

FER-2013 faces are pasted, upscaled, into larger frames with their edges repeated outward;
each detector runs on the frame, and the known 48x48 crop is expressed in units of the box
it found: the crop's side over the box's side, and the offset of the crop's centre from the
box's centre in box widths and heights. The medians are the framing. Then, as a check on real
photos (the scikit-image astronaut and matplotlib's Grace Hopper), both detectors' framed
crops of the same face should coincide.

    .venv/bin/python benchmarks/face_framing.py [--data FER2013.npz] [--faces 1000]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from fer_video.builtins.haar import HaarDetector
from fer_video.builtins.mediapipe import MediaPipeDetector
from fer_video.framing import Framing
from fer_video.io.sample_video import face_pictures
from fer_video.training.datasets import load_fer2013

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "fer2013" / "fer2013_train_val.npz"
UPSCALE, PAD = 4, 96


def paste(face: np.ndarray) -> tuple[np.ndarray, tuple[int, int, int]]:
    """A 48x48 gray face upscaled into a BGR frame with repeated edges; its crop's left, top, side."""
    big = cv2.resize(face, (48 * UPSCALE, 48 * UPSCALE), interpolation=cv2.INTER_CUBIC)
    frame = cv2.copyMakeBorder(big, PAD, PAD, PAD, PAD, cv2.BORDER_REPLICATE)
    return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR), (PAD, PAD, 48 * UPSCALE)


def measure(detector, faces: np.ndarray) -> np.ndarray:
    """Rows of (scale, shift_x, shift_y) for every face the detector found."""
    rows = []
    for face in faces:
        frame, (left, top, side) = paste(face)
        found = detector.detect(frame)
        if not found:
            continue
        box = max(found, key=lambda f: f.w * f.h)
        rows.append((side / max(box.w, box.h),
                     (left + side / 2 - box.x - box.w / 2) / box.w,
                     (top + side / 2 - box.y - box.h / 2) / box.h))
    return np.array(rows)


def square_iou(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    overlap_w = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    overlap_h = max(0, min(a[1] + a[2], b[1] + b[2]) - max(a[1], b[1]))
    overlap = overlap_w * overlap_h
    return overlap / (a[2] ** 2 + b[2] ** 2 - overlap)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--faces", type=int, default=1000, help="training faces to paste")
    args = parser.parse_args()
    detectors = {"haar": HaarDetector(), "mediapipe": MediaPipeDetector()}
    if not args.data.exists():
        raise SystemExit(f"FER-2013 not found at {args.data}; pass --data")
    images = load_fer2013(args.data)["train"].load_images()
    picked = images[np.random.default_rng(0).choice(len(images), args.faces, replace=False)]
    print(f"{args.faces} FER-2013 training faces, {UPSCALE}x upscaled, pasted with {PAD} px of repeated edge")
    print(f"{'detector':<10} {'found':>6} {'scale':>7} {'shift_x':>8} {'shift_y':>8}   (medians; interquartile range)")
    for name, detector in detectors.items():
        rows = measure(detector, picked)
        median = np.median(rows, axis=0)
        spread = np.percentile(rows, 75, axis=0) - np.percentile(rows, 25, axis=0)
        print(f"{name:<10} {len(rows):>6} {median[0]:>7.3f} {median[1]:>8.3f} {median[2]:>8.3f}   "
              f"({spread[0]:.3f}, {spread[1]:.3f}, {spread[2]:.3f})")
        print(f"{'':<10} declared: {getattr(detector, 'framing', Framing())}")
    print("\nreal photos: the two detectors' framed crops of the same face (IoU of the squares)")
    for name, image in zip(("astronaut", "grace_hopper"), face_pictures()):
        boxes = {}
        for detector_name, detector in detectors.items():
            found = detector.detect(image)
            if found:
                face = max(found, key=lambda f: f.w * f.h)
                boxes[detector_name] = getattr(detector, "framing", Framing()).square(face)
        if len(boxes) == 2:
            print(f"  {name}: {square_iou(boxes['haar'], boxes['mediapipe']):.2f}  {boxes}")
        else:
            print(f"  {name}: found by {', '.join(boxes) or 'neither'} only")


if __name__ == "__main__":
    main()
