"""Peak memory of `fer-video annotate` and `timeline` on 720p videos of 10 s, 5 min and 30 min.

Memory must not grow with a video's length: every queue in the pipeline is bounded and the
sinks stream to disk. This runs each command in its own process on each length and prints
the peak RSS (``ru_maxrss``) of each. Peak RSS does not depend on CPU speed, so the figures
hold on a busy machine (run it under ``nice -n 19`` there).

The 10 s and 5 min videos are fer_video.io.sample_video's clip (1-3 moving faces, stretches
without any, an AAC tone); the 30 min one is the 5 min clip six times over, joined by ffmpeg's
concat demuxer without re-encoding, since rendering and encoding 54,000 frames would take far
longer than analysing them. Videos are kept in ``--work`` and reused when run again.

    python benchmarks/memory_soak.py [--work DIR] [--lengths 10,300,1800]
"""

from __future__ import annotations

import argparse
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
    "sys.exit(r.returncode) if r.returncode else None;"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def peak_rss(command: list[str]) -> tuple[float, float]:
    """Peak RSS in MB of ``command`` and its children, and its wall seconds."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True, text=True,
                            env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"})
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    return int(result.stdout.split()[-1]) / 1024, time.perf_counter() - started


def video_of(work: Path, seconds: int) -> Path:
    """The 720p sample video of ``seconds``, made once (longer than 5 min: 5 min clips joined)."""
    from fer_video.io.ffmpeg import ffmpeg_exe
    from fer_video.io.sample_video import make_sample_video

    path = work / f"sample720p_{seconds}s.mp4"
    if path.exists():
        return path
    if seconds <= 300:
        partial = make_sample_video(work / f"partial_{path.name}", seconds=seconds)
    else:
        piece = video_of(work, 300)
        if seconds % 300:
            raise SystemExit("lengths over 300 s must be multiples of 300 s")
        listing = work / f"concat_{seconds}.txt"
        listing.write_text(f"file '{piece.resolve()}'\n" * (seconds // 300))
        partial = work / f"partial_{path.name}"
        subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing),
                        "-c", "copy", str(partial)], check=True)
    partial.replace(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, help="folder for the videos and outputs (default: temporary)")
    parser.add_argument("--lengths", default="10,300,1800", help="video lengths in seconds, comma-separated")
    args = parser.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="fer-video-soak-"))
    work.mkdir(parents=True, exist_ok=True)
    lengths = [int(value) for value in args.lengths.split(",")]
    videos = {seconds: video_of(work, seconds) for seconds in lengths}
    print(f"videos in {work} (1280x720, 30 fps, AAC audio)\n")
    print(f"{'command':<12}{'video':>10}{'frames':>9}{'peak RSS MB':>13}{'wall s':>9}")
    for command, output in (("annotate", "out.mp4"), ("timeline", "out.csv")):
        for seconds, video in videos.items():
            rss, wall = peak_rss([str(FER_VIDEO), command, str(video), "-o", str(work / f"{seconds}s_{output}"),
                                  "--force", "-q"])
            length = f"{seconds // 60} min" if seconds >= 60 else f"{seconds} s"
            print(f"{command:<12}{length:>10}{seconds * 30:>9}{rss:>13.0f}{wall:>9.0f}", flush=True)


if __name__ == "__main__":
    main()
