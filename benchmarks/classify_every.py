"""What scoring a tracked face on one frame in N costs on real faces: per-frame emotion agreement.

Runs ``fer-video timeline`` twice on each labelled clip, with ``--classify-every 1`` and with
``--classify-every N``, and counts the timeline rows (frame and face id in both) whose emotion is
the same. Beside it, the classifier's own flicker: how often, scored on every frame, a face's
emotion differs from its emotion on the frame before. Clip answers are ``real_video.py``'s job.

    .venv/bin/python benchmarks/classify_every.py [--every 2] [--clips DIR] [-- fer-video options]
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
from pathlib import Path

FER_VIDEO = Path(sys.executable).parent / "fer-video"
DEFAULT_CLIPS = Path(__file__).resolve().parents[2] / "shared" / "data" / "videos-dev"


def emotions(clip: Path, every: int, options: list[str], out: Path) -> dict[tuple[int, int], str]:
    """The timeline's emotion by (face id, frame)."""
    subprocess.run([str(FER_VIDEO), "timeline", str(clip), "-o", str(out), "--force", "-q",
                    "--classify-every", str(every), *options], check=True, capture_output=True)
    with out.open() as rows:
        return {(int(row["face_id"]), int(row["frame"])): row["emotion"] for row in csv.DictReader(rows)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=2, help="the interval compared with 1 (default 2)")
    parser.add_argument("--clips", type=Path, default=DEFAULT_CLIPS, help="folder with labels.csv")
    parser.add_argument("options", nargs="*", help="fer-video options (after --)")
    args = parser.parse_args()
    labels = args.clips / "labels.csv"
    if not labels.is_file():
        print(f"no {labels}: pass --clips DIR, a folder of clips with a labels.csv", file=sys.stderr)
        return 2
    with labels.open() as rows:
        clips = [args.clips / row["file"] for row in csv.DictReader(rows)]
    same = total = changes = pairs = 0
    with tempfile.TemporaryDirectory() as work:
        for clip in clips:
            every_frame = emotions(clip, 1, args.options, Path(work) / "every.csv")
            sparse = emotions(clip, args.every, args.options, Path(work) / "sparse.csv")
            shared = every_frame.keys() & sparse.keys()
            same += sum(every_frame[key] == sparse[key] for key in shared)
            total += len(shared)
            keys = sorted(every_frame)  # by face, then frame
            for key_a, key_b in zip(keys, keys[1:]):
                if key_a[0] == key_b[0]:  # the same face on consecutive rows
                    pairs += 1
                    changes += every_frame[key_a] != every_frame[key_b]
    print(f"{len(clips)} clips, fer-video options: {' '.join(args.options) or '(defaults)'}")
    print(f"--classify-every {args.every} against 1: the same emotion on {same} of {total} rows "
          f"({same / max(total, 1):.1%})")
    print(f"--classify-every 1 on its own: a face's emotion changes from one row to its next on {changes} "
          f"of {pairs} ({changes / max(pairs, 1):.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
