"""One person, one face id: ids, missed and extra faces on clips of one person each, per tracker setting.

Every development clip (``../shared/data/videos-dev``, the folder's ``labels.csv``) shows one
actor, so a timeline should hold one face id per clip, a face on every frame, and never two faces
on one frame. For each configuration (fer-video timeline options; the first is the default) this
counts, over the clips: clips with more than one id and the ids in all, frames without a face
(missed), and frames with more than one face (a second face that is not there).

    .venv/bin/python benchmarks/face_ids.py [--clips DIR] [--config "OPTIONS" ...] [--shake PIXELS]

``--shake`` first films each clip again with a handheld camera: every frame shifted along a
random walk (steps of up to PIXELS per frame, seeded per clip), so a face moves further between
two detections than its box overlaps, as in a handheld film shot.

The default configurations: today's tracker, and the plain frame-to-frame IoU matching it
replaced (``--tracker-opt predict=false --tracker-opt max_jump=0``), each at the default
``--detect-every 3`` and at ``--detect-every 1``.
"""

from __future__ import annotations

import argparse
import csv
import shlex
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from fer_video.io.ffmpeg import count_frames

DEFAULT_CLIPS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "videos-dev"
FER_VIDEO = Path(sys.executable).parent / "fer-video"
PLAIN_IOU = "--tracker-opt predict=false --tracker-opt max_jump=0"
CONFIGS = ["", PLAIN_IOU, "--detect-every 1", f"--detect-every 1 {PLAIN_IOU}"]


def shaken(clip: Path, step: float, out: Path, seed: int) -> Path:
    """``clip`` as a handheld camera would film it: each frame shifted along a random walk."""
    import cv2
    import numpy as np

    rng = np.random.default_rng(seed)
    capture = cv2.VideoCapture(str(clip))
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    writer, position, velocity = None, np.zeros(2), np.zeros(2)
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        height, width = frame.shape[:2]
        if writer is None:
            writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
        velocity = 0.7 * velocity + rng.uniform(-step, step, 2)
        position = np.clip(position + velocity, -0.25 * width, 0.25 * width)
        matrix = np.float32([[1, 0, position[0]], [0, 1, position[1]]])
        writer.write(cv2.warpAffine(frame, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE))
    capture.release()
    if writer is not None:
        writer.release()
    return out


def count(clips: list[Path], options: str, work: Path) -> dict[str, int]:
    tally = Counter()
    for number, clip in enumerate(clips):
        out = work / f"{number}.csv"
        done = subprocess.run([str(FER_VIDEO), "timeline", str(clip), "-o", str(out), "--force", "-q",
                               *shlex.split(options)], capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"fer-video failed on {clip}:\n{done.stderr[-2000:]}")
        with out.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        ids = {row["face_id"] for row in rows}
        per_frame = Counter(int(row["frame"]) for row in rows)
        frames = count_frames(clip)
        tally["clips"] += 1
        tally["frames"] += frames
        tally["ids"] += len(ids)
        tally["clips with more than one id"] += len(ids) > 1
        tally["frames without a face"] += frames - len(per_frame)
        tally["frames with two or more faces"] += sum(1 for n in per_frame.values() if n > 1)
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips", type=Path, default=DEFAULT_CLIPS, help="folder with labels.csv (file,label)")
    parser.add_argument("--config", action="append", help="fer-video timeline options (repeatable)")
    parser.add_argument("--shake", type=float, default=0.0, metavar="PIXELS",
                        help="film each clip again with a handheld camera: steps of up to PIXELS per frame")
    args = parser.parse_args()
    if not (args.clips / "labels.csv").exists():
        raise SystemExit(f"no labelled clips at {args.clips}; pass --clips DIR")
    with (args.clips / "labels.csv").open(newline="") as handle:
        clips = [args.clips / row["file"] for row in csv.DictReader(handle)]
    with tempfile.TemporaryDirectory() as work:
        if args.shake:
            clips = [shaken(clip, args.shake, Path(work) / f"shaken{n}.avi", n) for n, clip in enumerate(clips)]
            print(f"each clip filmed again with a handheld camera (steps of up to {args.shake:g} px a frame)")
        for options in args.config or CONFIGS:
            tally = count(clips, options, Path(work))
            print(f"[{options or 'defaults'}] {tally['clips']} clips, {tally['frames']} frames: "
                  f"{tally['ids']} ids ({tally['clips with more than one id']} clips with more than one), "
                  f"{tally['frames without a face']} frames without a face, "
                  f"{tally['frames with two or more faces']} with two or more", flush=True)


if __name__ == "__main__":
    main()
