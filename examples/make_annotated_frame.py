"""Make the README's picture of an annotated frame: one frame of ``fer-video demo``'s annotated video.

    python examples/make_annotated_frame.py          # or: make docs-pictures

Runs ``fer-video demo`` as a user would (the command only, no fer_video import), takes the frame at
3.3 s (three faces on screen) from its ``annotated.mp4`` and writes it, 960 pixels wide, as
``docs/annotated-frame.jpg``; the work files go to a temporary folder.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2

REPO = Path(__file__).resolve().parent.parent
FER_VIDEO = Path(sys.executable).parent / "fer-video"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "annotated-frame.jpg", help="the JPEG to write")
    parser.add_argument("--at", type=float, default=3.3, help="the frame's time in the demo video, seconds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run([str(FER_VIDEO), "demo", "--out", scratch, "-q"], check=True)
        video = cv2.VideoCapture(str(Path(scratch) / "annotated.mp4"))
        video.set(cv2.CAP_PROP_POS_MSEC, args.at * 1000)
        ok, frame = video.read()
        video.release()
    if not ok:
        print(f"the demo's annotated video has no frame at {args.at} s", file=sys.stderr)
        return 1
    height, width = frame.shape[:2]
    small = cv2.resize(frame, (960, round(height * 960 / width)), interpolation=cv2.INTER_AREA)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(args.out), small, [cv2.IMWRITE_JPEG_QUALITY, 85])
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e3:.0f} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
