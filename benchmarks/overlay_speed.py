"""What the overlay annotator costs a frame: two faces on the astronaut picture at 360p, 720p and 1080p.

The overlay draws every frame of ``annotate``, so its cost is part of ``make bench-fer``'s annotate
rate (about 7.8 ms a 720p frame end to end at 128 frames/s). Each size is timed in CPU time, the
fastest of ``--rounds`` rounds of 100 frames (the round least disturbed by other work on the
machine), beside a plain copy of the frame (which any annotator that draws on a copy pays).

    .venv/bin/python benchmarks/overlay_speed.py [--rounds 15]
"""

from __future__ import annotations

import argparse
import time
import timeit

import cv2
import numpy as np

from fer_video import Face, Frame
from fer_video.builtins.overlay import OverlayAnnotator
from fer_video.io.sample_video import face_pictures

SCORES = np.array([0.05, 0.05, 0.05, 0.6, 0.05, 0.1, 0.1], np.float32)
FRAMES = 100


def scene(height: int, width: int) -> Frame:
    """The astronaut left of the middle, a second face against the right edge (its chart goes left)."""
    image = np.full((height, width, 3), 90, np.uint8)
    side = height // 2
    image[height // 4:height // 4 + side, width // 8:width // 8 + side] = cv2.resize(face_pictures()[0], (side, side))
    faces = [Face(width // 8 + side // 4, height // 4 + side // 5, side // 2, side // 2, face_id=0, scores=SCORES),
             Face(width - side // 2 - 2, height // 3, side // 2, side // 2, face_id=1, scores=SCORES[::-1].copy())]
    return Frame(0, 0.0, image, faces)


def fastest(run, rounds: int) -> float:
    """Seconds per call: the fastest round."""
    return min(timeit.repeat(run, number=FRAMES, repeat=rounds, timer=time.process_time)) / FRAMES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    for height in (360, 720, 1080):
        width = height * 16 // 9
        frame = scene(height, width)
        annotator = OverlayAnnotator()
        annotator.annotate(frame)  # the text rendered and cached, as after a video's first frames
        overlay = fastest(lambda annotator=annotator, frame=frame: annotator.annotate(frame), args.rounds)
        copy = fastest(frame.image.copy, args.rounds)
        print(f"{width}x{height}: overlay {overlay * 1e6:5.0f} us a frame with 2 faces "
              f"(a plain copy of the frame {copy * 1e6:4.0f} us)", flush=True)


if __name__ == "__main__":
    main()
