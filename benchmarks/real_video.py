"""fer-video and the `fer` package on labelled clips of real people: one answer per clip.

Each clip's answer is the main face's seven scores averaged over the clip, argmax: the face
with the most rows in fer-video's timeline (``fer-video timeline CLIP``, the default
pipeline unless options follow ``--``), and for ``fer`` the largest face it finds on every
third frame with its own Haar detector and classifier (``FER(mtcnn=False)``), as the clips'
README describes. Labels outside FER-2013's seven classes (MEAD's ``contempt``) are left out.

Prints, for both tools: accuracy, per-class recall, the confusion matrix, the clips where no
face was found, and frames/s (frames of the clips over the tool's wall time, start-up
included). ``--per-clip`` adds each clip's answer and its top scores.

    .venv/bin/python benchmarks/real_video.py [--clips DIR] [--per-clip] [--no-fer] [-- fer-video options]

``--clips`` is a folder with ``labels.csv`` (``file,label``, paths relative to the folder);
the default is the development clips in ``../shared/data/videos-dev/``. ``fer`` runs from the
virtual environment that ``benchmarks/compare_fer.py`` builds (``benchmarks/.fer-venv``).
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fer_video.emotions import EMOTIONS
from fer_video.io.ffmpeg import count_frames

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare_fer import DEFAULT_FER_VENV, fer_python  # noqa: E402

DEFAULT_CLIPS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "videos-dev"
FER_VIDEO = Path(sys.executable).parent / "fer-video"

# Run by the fer venv's python: every third frame, the largest face, scores averaged per clip.
FER_RUNNER = '''\
import json, sys, time
import cv2
import numpy as np
from fer.fer import FER

ORDER = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
detector = FER(mtcnn=False)
for path in sys.argv[1:]:
    capture, scores, index = cv2.VideoCapture(path), [], 0
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        if index % 3 == 0:
            faces = detector.detect_emotions(frame)
            if faces:
                face = max(faces, key=lambda f: f["box"][2] * f["box"][3])
                scores.append([face["emotions"][name] for name in ORDER])
        index += 1
    mean = np.mean(scores, axis=0).tolist() if scores else None
    tops = [int(np.argmax(row)) for row in scores]
    print("FER_CLIP " + json.dumps({"file": path, "scores": mean, "frames": index, "tops": tops}), flush=True)
'''


@dataclass
class Clip:
    file: Path
    label: str
    frames: int


@dataclass
class ToolResult:
    """One tool's clip answers: mean scores per clip (``None``: no face found)."""

    name: str
    scores: dict[Path, np.ndarray | None] = field(default_factory=dict)
    seconds: float = 0.0
    raw_scores: dict[Path, np.ndarray | None] = field(default_factory=dict)
    """fer-video's unsmoothed scores, to check the smoother's clip answer against."""
    frame_tops: dict[Path, list[str]] = field(default_factory=dict)
    """Each scored frame's top emotion (unsmoothed), for a per-frame figure finer than 21 answers."""

    def answer(self, clip: Clip) -> str | None:
        return _top(self.scores.get(clip.file))


def read_clips(folder: Path) -> list[Clip]:
    with (folder / "labels.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    clips = []
    for row in rows:
        if row["label"] not in EMOTIONS:
            continue
        path = folder / row["file"]
        clips.append(Clip(path, row["label"], count_frames(path)))
    return clips


def main_face_scores(timeline: Path, prefix: str = "") -> np.ndarray | None:
    """The mean scores (``prefix="raw_"``: the unsmoothed ones) of the face id with the most
    rows, or ``None`` with no face."""
    rows = main_face_rows(timeline, prefix)
    return None if rows is None else rows.mean(axis=0)


def main_face_rows(timeline: Path, prefix: str = "") -> np.ndarray | None:
    """The scores of each row of the face id with the most rows, or ``None`` with no face."""
    with timeline.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        return None
    main = Counter(row["face_id"] for row in rows).most_common(1)[0][0]
    mine = [row for row in rows if row["face_id"] == main]
    columns = [prefix + name for name in EMOTIONS]
    if columns[0] not in mine[0]:
        columns = list(EMOTIONS)  # no smoother ran: the scores are the raw ones
    return np.array([[float(row[name]) for name in columns] for row in mine])


def run_fer_video(clips: list[Clip], options: list[str], work: Path) -> ToolResult:
    result = ToolResult("fer-video")
    for number, clip in enumerate(clips):
        timeline = work / f"clip{number}.csv"
        started = time.perf_counter()
        done = subprocess.run([str(FER_VIDEO), "timeline", str(clip.file), "-o", str(timeline), "--force", "-q",
                               *options], capture_output=True, text=True)
        result.seconds += time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"fer-video failed on {clip.file}:\n{done.stderr[-2000:]}")
        result.scores[clip.file] = main_face_scores(timeline)
        raw = main_face_rows(timeline, "raw_")
        result.raw_scores[clip.file] = None if raw is None else raw.mean(axis=0)
        result.frame_tops[clip.file] = [] if raw is None else [EMOTIONS[i] for i in raw.argmax(axis=1)]
    return result


def run_fer(clips: list[Clip], venv: Path, work: Path) -> ToolResult:
    python = fer_python(venv)
    runner = work / "fer_clips.py"
    runner.write_text(FER_RUNNER)
    started = time.perf_counter()
    done = subprocess.run([str(python), str(runner), *(str(clip.file) for clip in clips)],
                          capture_output=True, text=True, cwd=work)
    result = ToolResult("fer", seconds=time.perf_counter() - started)
    if done.returncode != 0:
        raise SystemExit(f"fer failed:\n{done.stderr[-3000:]}")
    for line in done.stdout.splitlines():
        if line.startswith("FER_CLIP "):
            answer = json.loads(line[len("FER_CLIP "):])
            result.scores[Path(answer["file"])] = None if answer["scores"] is None else np.array(answer["scores"])
            result.frame_tops[Path(answer["file"])] = [EMOTIONS[i] for i in answer["tops"]]
    return result


def report(result: ToolResult, clips: list[Clip]) -> None:
    answers = [result.answer(clip) for clip in clips]
    right = sum(answer == clip.label for answer, clip in zip(answers, clips))
    frames = sum(clip.frames for clip in clips)
    print(f"\n{result.name}: {right} of {len(clips)} clips right ({right / len(clips):.1%}); "
          f"{frames / result.seconds:.0f} frames/s over {frames} frames")
    if result.frame_tops:
        shares = [np.mean([top == clip.label for top in result.frame_tops[clip.file]])
                  for clip in clips if result.frame_tops.get(clip.file)]
        print(f"  frames right, the main face's own scores before smoothing: {np.mean(shares):.1%} "
              "(averaged over clips)")
    missing = [clip.file.name for clip, answer in zip(clips, answers) if answer is None]
    print(f"  no face found: {', '.join(missing) if missing else 'none'}")
    present = [name for name in EMOTIONS if any(clip.label == name for clip in clips)]
    recall = []
    for name in present:
        mine = [answer for answer, clip in zip(answers, clips) if clip.label == name]
        recall.append(f"{name} {sum(a == name for a in mine)}/{len(mine)}")
    print("  recall: " + ", ".join(recall))
    if result.raw_scores:
        same = sum(_top(result.raw_scores[clip.file]) == answer for clip, answer in zip(clips, answers))
        print(f"  the smoothed scores' answer is the raw scores' on {same} of {len(clips)} clips")
    print("  confusion (rows: label, columns: answer; '-' no face):")
    print("  " + " " * 9 + "".join(f"{name[:5]:>6}" for name in EMOTIONS) + f"{'-':>6}")
    for name in present:
        mine = [answer for answer, clip in zip(answers, clips) if clip.label == name]
        counts = [sum(a == other for a in mine) for other in EMOTIONS] + [sum(a is None for a in mine)]
        print(f"  {name:>9}" + "".join(f"{count:>6}" for count in counts))


def _top(scores: np.ndarray | None) -> str | None:
    return None if scores is None else EMOTIONS[int(np.argmax(scores))]


def print_per_clip(results: list[ToolResult], clips: list[Clip]) -> None:
    print("\nper clip: label | " + " | ".join(f"{r.name}: answer (top two scores)" for r in results))
    for clip in clips:
        cells = []
        for result in results:
            scores = result.scores.get(clip.file)
            if scores is None:
                cells.append("no face")
                continue
            top = np.argsort(-scores)[:2]
            mark = "ok " if result.answer(clip) == clip.label else "   "
            cells.append(mark + ", ".join(f"{EMOTIONS[i]} {scores[i]:.2f}" for i in top))
        print(f"  {clip.file.name:<40} {clip.label:<9} | " + " | ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips", type=Path, default=DEFAULT_CLIPS, help="folder with labels.csv")
    parser.add_argument("--per-clip", action="store_true", help="print each clip's answers")
    parser.add_argument("--no-fer", action="store_true", help="score fer-video only")
    parser.add_argument("--fer-venv", type=Path, default=DEFAULT_FER_VENV)
    parser.add_argument("options", nargs=argparse.REMAINDER, help="after --: options for fer-video timeline")
    args = parser.parse_args()
    options = args.options[1:] if args.options[:1] == ["--"] else args.options
    if not (args.clips / "labels.csv").exists():
        raise SystemExit(f"no labelled clips at {args.clips} (a folder with labels.csv: file,label); "
                         "pass --clips DIR")
    clips = read_clips(args.clips)
    print(f"{len(clips)} clips from {args.clips}; fer-video options: {' '.join(options) or '(defaults)'}")
    with tempfile.TemporaryDirectory() as work:
        results = [run_fer_video(clips, options, Path(work))]
        if not args.no_fer:
            results.append(run_fer(clips, args.fer_venv, Path(work)))
    for result in results:
        report(result, clips)
    if args.per_clip:
        print_per_clip(results, clips)


if __name__ == "__main__":
    main()
