"""fer (the PyPI package) and fer-video on the same 720p video: frames/s, peak memory, agreement.

Builds a 720p, 30 fps sample video with an AAC audio track from the real pictures in
scikit-image and matplotlib (1-3 moving faces, stretches without any), then runs, back to
back and each as its own process:

- fer 25.10.3's ``Video.analyze`` with its default Haar detector and TF Lite classifier,
  writing its annotated video (in a virtual environment of its own, see below);
- ``fer-video annotate VIDEO -o out.mp4 --csv annotate.csv``;
- ``fer-video timeline VIDEO -o timeline.csv``;
- the reference, ``fer-video timeline --detect-every 1 --classify-every 1``: the detector and the
  classifier on every frame (the detector always sees the whole frame), against which the top
  emotion of the two runs above is compared face by face (boxes matched per frame at IoU >= 0.5).

frames/s is the video's frame count over wall time: "end to end" is the whole process
(start-up and model loading included), "processing" is the tool's own clock (fer: the
``analyze`` call, timed by the runner script; fer-video: the frames/s it prints). Peak RSS is
the largest resident set of the process or of any process it started (ffmpeg included).

fer is installed, once, into ``benchmarks/.fer-venv`` (about 2.5 GB) with ``pip install
--no-deps fer`` plus what its ``Video`` class imports: its declared dependencies would pull in
torch (facenet-pytorch, for MTCNN), which Haar detection does not use, so pip's complaint that
facenet-pytorch, moviepy and ffmpeg-python are missing is expected. fer needs no network at
run time; the runner reports any connection it attempts all the same.

    .venv/bin/python benchmarks/compare_fer.py --seconds 20 [--repeat 3] [--work DIR] [--fer-venv DIR] [--weights FILE]

``--weights`` passes classifier weights to every fer-video run (default: the shipped ones).
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from fer_video.io.ffmpeg import count_frames, probe
from fer_video.io.sample_video import make_sample_video

FER_VERSION = "25.10.3"
# What fer.fer and fer.classes import. numpy<2 (and so opencv<4.12, pandas<3.1) keeps
# tensorflow 2.19 importable; setuptools<81 still has the pkg_resources that fer.fer imports.
FER_DEPENDENCIES = [
    "tensorflow==2.19.*", "numpy<2", "opencv-contrib-python<4.12", "pandas", "tqdm", "requests",
    "matplotlib", "Pillow", "setuptools<81",
]
DEFAULT_FER_VENV = Path(__file__).resolve().parent / ".fer-venv"
FER_VIDEO = Path(sys.executable).parent / "fer-video"
IOU_MATCH = 0.5

# Runs a command and prints the peak RSS (KiB) of its process tree; the wrapper itself stays small.
MEASURE = (
    "import resource, subprocess, sys;"
    "r = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
    "sys.stderr.write(r.stderr); sys.stdout.write(r.stdout);"
    "print('\\nPEAK_RSS_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss);"
    "sys.exit(r.returncode)"
)

# Executed by the fer venv's python inside fer's output folder (analyze writes data.csv to the
# working directory). Any network access is reported, not blocked: fer should need none here.
FER_RUNNER = '''\
import sys
import time


def report_network(event, args):
    if event in ("socket.connect", "socket.getaddrinfo", "urllib.Request"):
        print(f"NETWORK {event} {args!r}", file=sys.stderr, flush=True)


sys.addaudithook(report_network)
from fer.classes import Video  # noqa: E402  (`from fer import Video` fails: fer/__init__.py exports nothing)
from fer.fer import FER  # noqa: E402

detector = FER(mtcnn=False)  # OpenCV's Haar cascade, the TF Lite emotion model
video = Video(sys.argv[1], outdir=".")
started = time.perf_counter()
rows = video.analyze(detector, save_video=True, annotate_frames=True, save_frames=False, zip_images=False)
seconds = time.perf_counter() - started
faces = sum(key.startswith("box") for row in rows for key in row)  # one row per frame with faces
print(f"FER_RESULT {video.frameCount} {faces} {seconds:.3f}")
'''


@dataclass
class Run:
    """One measured process."""

    name: str
    frames: int  # frames the tool reports having processed
    faces: int  # face detections, summed over the frames
    wall_s: float  # the whole process
    own_s: float  # the tool's own clock: processing only
    peak_rss_mb: float
    stderr: str

    def fps(self, video_frames: int) -> float:
        return video_frames / self.wall_s

    def own_fps(self, video_frames: int) -> float:
        return video_frames / self.own_s


@dataclass
class Agreement:
    reference_faces: int
    matched: int
    agreeing: int

    @property
    def unmatched(self) -> int:
        return self.reference_faces - self.matched

    def __str__(self) -> str:
        if not self.matched:
            return f"no face matched ({self.reference_faces} in the reference)"
        return (f"{self.agreeing / self.matched:6.1%} of {self.matched} matched faces, "
                f"{self.unmatched} of {self.reference_faces} unmatched")


# --- installing fer ---------------------------------------------------------------------------


def fer_python(venv: Path) -> Path:
    """The fer venv's python, creating the venv and installing fer into it when needed."""
    python = venv / "bin" / "python"
    check = (f"import importlib.metadata as m; assert m.version('fer') == '{FER_VERSION}';"
             "[m.version(name) for name in ('tensorflow', 'opencv-contrib-python', 'pandas')]")
    if python.exists() and subprocess.run([python, "-c", check], capture_output=True).returncode == 0:
        return python
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [str(python), "-m", "pip", "install", "--no-deps", f"fer=={FER_VERSION}"],
        [str(python), "-m", "pip", "install", *FER_DEPENDENCIES],
    ]
    started = time.perf_counter()
    for step in steps:
        print("$", " ".join(step), flush=True)
        if subprocess.run(step, stdout=subprocess.DEVNULL).returncode != 0:
            raise SystemExit(f"installing fer failed at: {' '.join(step)}")
    print(f"installed fer {FER_VERSION} into {venv} in {time.perf_counter() - started:.0f} s\n", flush=True)
    return python


# --- measuring ------------------------------------------------------------------------------


def measure(command: list[str], cwd: Path | None = None) -> tuple[float, str, str, float]:
    """Wall seconds, stdout, stderr, and the peak RSS in MB of ``command`` run as its own process."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True, text=True,
                            cwd=cwd, env=env)
    wall = time.perf_counter() - started
    rss = re.search(r"^PEAK_RSS_KB (\d+)$", result.stdout, re.MULTILINE)
    if result.returncode != 0 or not rss:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
    return wall, result.stdout, result.stderr, int(rss.group(1)) / 1024


def run_fer(python: Path, video: Path, folder: Path) -> Run:
    folder.mkdir(parents=True, exist_ok=True)
    runner = folder / "fer_runner.py"
    runner.write_text(FER_RUNNER)
    wall, stdout, stderr, rss = measure([str(python), str(runner), str(video.resolve())], cwd=folder)
    (folder / "fer.log").write_text(stderr)
    found = re.search(r"FER_RESULT (\d+) (\d+) ([\d.]+)", stdout)
    if not found:
        raise SystemExit(f"the fer runner printed no result:\n{stderr[-3000:]}")
    frames, faces, seconds = int(found.group(1)), int(found.group(2)), float(found.group(3))
    return Run(f"fer {FER_VERSION} (Haar)", frames, faces, wall, seconds, rss, stderr)


def run_fer_video(name: str, arguments: list[str], weights: Path | None, log: Path) -> Run:
    extra = ["--weights", str(weights)] if weights else []
    wall, _, stderr, rss = measure([str(FER_VIDEO), *arguments, *extra, "--force", "-q"])
    log.write_text(stderr)
    found = re.search(r"(\d+) frames, (\d+) face detections in [\d.]+ s \(([\d.]+) frames/s\)", stderr)
    if not found:
        raise SystemExit(f"fer-video printed no summary:\n{stderr[-3000:]}")
    frames, faces, fps = int(found.group(1)), int(found.group(2)), float(found.group(3))
    return Run(name, frames, faces, wall, frames / fps if fps else float("nan"), rss, stderr)


def median_run(runs: tuple[Run, ...]) -> Run:
    """One row for several rounds of the same run: median times, the highest peak RSS."""
    return replace(runs[0], wall_s=statistics.median(r.wall_s for r in runs),
                   own_s=statistics.median(r.own_s for r in runs), peak_rss_mb=max(r.peak_rss_mb for r in runs))


# --- agreement ------------------------------------------------------------------------------

Box = tuple[int, int, int, int]


def read_timeline(path: Path) -> dict[int, list[tuple[Box, str]]]:
    """Per frame, the (x, y, w, h) box and top emotion of every face in a fer-video CSV."""
    faces: dict[int, list[tuple[Box, str]]] = defaultdict(list)
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            box = (int(row["x"]), int(row["y"]), int(row["w"]), int(row["h"]))
            faces[int(row["frame"])].append((box, row["emotion"]))
    return faces


def iou(a: Box, b: Box) -> float:
    width = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    height = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    overlap = max(0, width) * max(0, height)
    union = a[2] * a[3] + b[2] * b[3] - overlap
    return overlap / union if union > 0 else 0.0


def agreement(reference: Path, candidate: Path) -> Agreement:
    """Match faces frame by frame (greedy, highest IoU first, IoU >= 0.5) and compare emotions."""
    ref, other = read_timeline(reference), read_timeline(candidate)
    total = matched = agreeing = 0
    for frame, ref_faces in ref.items():
        total += len(ref_faces)
        pairs = sorted(((iou(r[0], o[0]), i, j) for i, r in enumerate(ref_faces)
                        for j, o in enumerate(other.get(frame, []))), reverse=True)
        used_ref: set[int] = set()
        used_other: set[int] = set()
        for overlap, i, j in pairs:
            if overlap < IOU_MATCH:
                break
            if i in used_ref or j in used_other:
                continue
            used_ref.add(i)
            used_other.add(j)
            matched += 1
            agreeing += ref_faces[i][1] == other[frame][j][1]
    return Agreement(total, matched, agreeing)


# --- the comparison ---------------------------------------------------------------------------

ANNOTATED = "fer-video_annotated.mp4"
RUNS = {  # fer-video's runs, in order; the CSV's path goes last
    "fer-video annotate": ["annotate", "{video}", "-o", f"{{work}}/{ANNOTATED}", "--csv"],
    "fer-video timeline": ["timeline", "{video}", "-o"],
    "every-frame reference": ["timeline", "{video}", "--detect-every", "1", "--classify-every", "1", "-o"],
}


def print_table(fer: Run, ours: list[Run], reference: Run, csvs: dict[str, Path], frames: int) -> None:
    print(f"\n{'':<24}{'end to end':>17}{'processing':>17}")
    print(f"{'run':<24}{'frames/s':>10}{'x fer':>7}{'frames/s':>10}{'x fer':>7}{'peak RSS MB':>13}{'faces':>7}"
          "   top emotion vs detecting and classifying every frame")
    for run in [fer, *ours]:
        agree = "-" if run is fer else str(agreement(csvs[reference.name], csvs[run.name]))
        print(f"{run.name:<24}{run.fps(frames):>10.1f}{run.fps(frames) / fer.fps(frames):>7.2f}"
              f"{run.own_fps(frames):>10.1f}{run.own_fps(frames) / fer.own_fps(frames):>7.2f}"
              f"{run.peak_rss_mb:>13.0f}{run.faces:>7}   {agree}")
    print(f"(the reference run itself: {reference.fps(frames):.1f} frames/s end to end, "
          f"{reference.own_fps(frames):.1f} processing, {reference.peak_rss_mb:.0f} MB, {reference.faces} faces)")


def describe(path: Path) -> str:
    info = probe(path)
    audio = f"{info.audio_codec} audio" if info.has_audio else "no audio"
    return f"{info.width}x{info.height} {info.video_codec}, {info.fps:g} fps, {count_frames(path)} frames, {audio}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the test video (default 20)")
    parser.add_argument("--work", type=Path, help="folder for the video and outputs (default: temporary)")
    parser.add_argument("--fer-venv", type=Path, default=DEFAULT_FER_VENV,
                        help=f"virtual environment for fer (default {DEFAULT_FER_VENV})")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of all runs, back to back; the table shows medians (peak RSS: the highest)")
    parser.add_argument("--weights", type=Path, help="classifier weights for fer-video (default: the shipped ones)")
    args = parser.parse_args()

    python = fer_python(args.fer_venv)
    work = (args.work or Path(tempfile.mkdtemp(prefix="fer-compare-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    video = make_sample_video(work / "compare720p.mp4", seconds=args.seconds)
    frames = count_frames(video)
    print(f"video: {video} ({describe(video)}, {probe(video).duration_s:.1f} s)", flush=True)

    csvs = {name: work / f"{name.replace(' ', '_')}.csv" for name in RUNS}
    rounds = []
    for number in range(1, args.repeat + 1):
        runs = [run_fer(python, video, work / "fer")]
        print(f"round {number}: ran {runs[-1].name}: {runs[-1].wall_s:.1f} s", flush=True)
        for name, template in RUNS.items():
            arguments = [part.format(video=video, work=work) for part in template] + [str(csvs[name])]
            runs.append(run_fer_video(name, arguments, args.weights, csvs[name].with_suffix(".log")))
            print(f"round {number}: ran {name}: {runs[-1].wall_s:.1f} s", flush=True)
        rounds.append(runs)
    runs = [median_run(same) for same in zip(*rounds)]
    fer, *ours, reference = runs

    print_table(fer, ours, reference, csvs, frames)
    rounds_text = f"{args.repeat} rounds, medians" if args.repeat > 1 else "one round"
    print(f"\nmeasured side by side in one run ({rounds_text}), one process each, back to back on the same "
          f"file: {describe(video)}")
    for run in runs:
        if run.frames != frames:
            print(f"warning: {run.name} processed {run.frames} of {frames} frames")
    annotated = work / ANNOTATED
    kept = count_frames(annotated) == frames and probe(annotated).has_audio == probe(video).has_audio
    verdict = "every frame and the audio kept" if kept else "PROBLEM: frames or audio lost"
    print(f"fer-video annotate output: {describe(annotated)}: {verdict}")
    fer_output = work / "fer" / f"{video.stem}_output{video.suffix}"
    if fer_output.exists():
        print(f"fer output: {describe(fer_output)}")
    network = sorted(set(re.findall(r"^NETWORK .*$", fer.stderr, re.MULTILINE)))
    print("fer network access: " + ("; ".join(network) if network else "none"))
    print(f"outputs and logs: {work}")


if __name__ == "__main__":
    main()
