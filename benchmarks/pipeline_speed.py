"""Frames/s and peak memory of `fer-video annotate` and `timeline` with each detector, on a 720p video.

Builds a 720p, 30 fps sample video with audio from the real pictures in scikit-image and
matplotlib (1-3 moving faces, stretches without any), then runs each command as a separate
process, side by side in one run, and prints one table. A second, 3x longer video checks that
peak memory does not grow with the video's length.

``--levers`` adds runs with one speed lever undone at a time: detection on every frame
(``--detect-every 1``), and x264's ``veryfast`` preset instead of ``ultrafast``.

    python benchmarks/pipeline_speed.py [--seconds 10] [--work DIR] [--levers]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FER_VIDEO = Path(sys.executable).parent / "fer-video"
MEASURE = (
    "import resource, subprocess, sys;"
    "r = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
    "sys.stderr.write(r.stderr);"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def measure(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, the pipeline's own frames/s (model loading excluded), and peak RSS in MB."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True, text=True,
                            env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"})
    wall = time.perf_counter() - started
    found = re.search(r"(\d+) frames, .*\(([\d.]+) frames/s\)", result.stderr)
    if result.returncode != 0 or not found:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    return wall, float(found.group(2)), int(result.stdout.split()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the test video")
    parser.add_argument("--work", type=Path, help="folder for the videos and outputs (default: temporary)")
    parser.add_argument("--levers", action="store_true", help="also run with each speed lever undone")
    args = parser.parse_args()

    from fer_video.io.sample_video import make_sample_video

    work = args.work or Path(tempfile.mkdtemp(prefix="fer-video-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    video = make_sample_video(work / "bench720p.mp4", seconds=args.seconds)
    longer = make_sample_video(work / "bench720p_long.mp4", seconds=3 * args.seconds)
    frames = int(round(args.seconds * 30))
    print(f"test video: {video} (1280x720, 30 fps, {frames} frames, AAC audio)\n")
    print(f"{'command':<52}{'frames/s':>10}{'wall s':>9}{'peak RSS MB':>13}")
    rows = []
    for detector in ("haar", "mediapipe"):
        for command, output in (("annotate", "out.mp4"), ("timeline", "out.csv")):
            cli = [str(FER_VIDEO), command, str(video), "-o", str(work / f"{detector}_{output}"),
                   "--detector", detector, "--force", "-q"]
            if command == "annotate":
                cli += ["--csv", str(work / f"{detector}_annotate.csv")]
            wall, fps, rss = measure(cli)
            rows.append((f"{command} --detector {detector}", fps, wall, rss))
            print(f"{rows[-1][0]:<52}{fps:>10.1f}{wall:>9.1f}{rss:>13.0f}", flush=True)
    if args.levers:
        undone = [("annotate", ["--detect-every", "1"]), ("annotate", ["--sink-opt", "video.preset=veryfast"]),
                  ("timeline", ["--detect-every", "1"])]
        for command, extra in undone:
            output = work / ("lever.mp4" if command == "annotate" else "lever.csv")
            wall, fps, rss = measure([str(FER_VIDEO), command, str(video), "-o", str(output), *extra, "--force", "-q"])
            label = f"{command} {' '.join(extra)}"
            print(f"{label:<52}{fps:>10.1f}{wall:>9.1f}{rss:>13.0f}", flush=True)
    _, _, short_rss = measure([str(FER_VIDEO), "timeline", str(video), "-o", str(work / "m1.csv"), "--force", "-q"])
    _, _, long_rss = measure([str(FER_VIDEO), "timeline", str(longer), "-o", str(work / "m3.csv"), "--force", "-q"])
    print(f"\npeak RSS, timeline (mediapipe): {short_rss:.0f} MB for {args.seconds:.0f} s, "
          f"{long_rss:.0f} MB for {3 * args.seconds:.0f} s (ratio {long_rss / short_rss:.2f})")


if __name__ == "__main__":
    main()
