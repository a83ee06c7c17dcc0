"""fer-video and the `fer` package on labelled clips of real people: one answer per clip.

Each clip's answer is the main face's seven scores averaged over the clip, argmax: the face
with the most rows in fer-video's timeline (``fer-video timeline CLIP``, the default
pipeline unless options follow ``--``), and for ``fer`` the largest face it finds on every
third frame with its own Haar detector and classifier (``FER(mtcnn=False)``), as the clips'
README describes. Labels outside FER-2013's seven classes (MEAD's ``contempt``) are left out.

Prints, for each tool: clip accuracy with its 95% interval (bootstrap over clips), overall and
per dataset (the first folder of a clip's path: ``mead``, ``ravdess-a05``), frame-level accuracy,
per-class recall, the confusion matrix, the clips where no face was found, and frames/s (frames of
the clips over the tool's wall time, start-up included). Then paired comparisons: fer-video
against ``fer`` and, with ``--baseline``, against a second fer-video configuration (today's
default, say): the clips each gets right that the other does not, the difference's 95% interval
(paired bootstrap) and McNemar's exact p. A difference whose interval holds 0 is inside the noise.
``--rules`` adds the clip accuracy of each way of summing a face's frames up (see ``RULES``);
``--per-clip`` adds each clip's answer and its top scores; ``--save FILE`` keeps every clip's
per-frame scores (JSON) for analyses that need no second run.

    .venv/bin/python benchmarks/real_video.py [--clips DIR] [--baseline "OPTIONS"] [--rules] [--per-clip]
        [--no-fer] [--save FILE] [-- fer-video options]

``--clips`` is a folder with ``labels.csv`` (``file,label``, paths relative to the folder);
the default is the development clips in ``../shared/data/videos-dev/``. ``fer`` runs from the
virtual environment that ``benchmarks/compare_fer.py`` builds (``benchmarks/.fer-venv``); its
answers are kept in ``benchmarks/.fer-clips.json`` (``fer`` is deterministic) and reused.
"""

from __future__ import annotations

import argparse
import csv
import json
import shlex
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
from fer_video.summary import RULES, summarise

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare_fer import DEFAULT_FER_VENV, fer_python  # noqa: E402

DEFAULT_CLIPS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "videos-dev"
FER_CACHE = Path(__file__).resolve().parent / ".fer-clips.json"
RESAMPLES = 10_000
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
    dataset: str = ""


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
    raw_rows: dict[Path, np.ndarray | None] = field(default_factory=dict)
    """The main face's unsmoothed scores, frame by frame (fer-video), for the summary rules."""

    def answer(self, clip: Clip) -> str | None:
        return _top(self.scores.get(clip.file))

    def right(self, clips: list[Clip]) -> np.ndarray:
        return np.array([self.answer(clip) == clip.label for clip in clips], bool)


def read_clips(folder: Path) -> list[Clip]:
    with (folder / "labels.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    clips = []
    for row in rows:
        if row["label"] not in EMOTIONS:
            continue
        path = folder / row["file"]
        dataset = Path(row["file"]).parts[0] if len(Path(row["file"]).parts) > 1 else folder.name
        clips.append(Clip(path, row["label"], count_frames(path), dataset))
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


def run_fer_video(clips: list[Clip], options: list[str], work: Path, name: str = "fer-video") -> ToolResult:
    result = ToolResult(name)
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
        result.raw_rows[clip.file] = raw
        result.frame_tops[clip.file] = [] if raw is None else [EMOTIONS[i] for i in raw.argmax(axis=1)]
    return result


def run_fer(clips: list[Clip], venv: Path, work: Path) -> ToolResult:
    cached = _cached_fer(clips)
    if cached is not None:
        return cached
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
    FER_CACHE.write_text(json.dumps({"seconds": result.seconds, "clips": {
        str(path): {"scores": None if scores is None else scores.tolist(),
                    "tops": [EMOTIONS.index(t) for t in result.frame_tops.get(path, [])]}
        for path, scores in result.scores.items()}}))
    return result


def _cached_fer(clips: list[Clip]) -> ToolResult | None:
    """fer's answers from an earlier run on the same clips (fer is deterministic), or ``None``."""
    if not FER_CACHE.exists():
        return None
    kept = json.loads(FER_CACHE.read_text())
    if any(str(clip.file) not in kept["clips"] for clip in clips):
        return None
    result = ToolResult("fer", seconds=kept["seconds"])
    for clip in clips:
        answer = kept["clips"][str(clip.file)]
        result.scores[clip.file] = None if answer["scores"] is None else np.array(answer["scores"])
        result.frame_tops[clip.file] = [EMOTIONS[i] for i in answer["tops"]]
    return result


def interval(right: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    """95% percentile interval of the share right, resampling clips with replacement."""
    if len(right) == 0:
        return (float("nan"), float("nan"))
    draws = rng.integers(0, len(right), (RESAMPLES, len(right)))
    shares = right[draws].mean(axis=1)
    return float(np.percentile(shares, 2.5)), float(np.percentile(shares, 97.5))


def accuracy_line(right: np.ndarray, rng: np.random.Generator) -> str:
    low, high = interval(right, rng)
    return f"{int(right.sum())}/{len(right)} ({right.mean():.1%}, 95% interval {low:.1%}-{high:.1%})"


def paired(first: ToolResult, second: ToolResult, clips: list[Clip], rng: np.random.Generator,
           right_first: np.ndarray | None = None, right_second: np.ndarray | None = None) -> None:
    """Which clips changed between two answers, and whether the difference is beyond the noise."""
    from math import comb

    a = first.right(clips) if right_first is None else right_first
    b = second.right(clips) if right_second is None else right_second
    gained = [clip for clip, x, y in zip(clips, a, b) if x and not y]
    lost = [clip for clip, x, y in zip(clips, a, b) if y and not x]
    diff = a.astype(float) - b.astype(float)
    draws = rng.integers(0, len(clips), (RESAMPLES, len(clips)))
    means = diff[draws].mean(axis=1)
    low, high = np.percentile(means, 2.5), np.percentile(means, 97.5)
    discordant = len(gained) + len(lost)
    tail = sum(comb(discordant, k) for k in range(min(len(gained), len(lost)) + 1)) / 2 ** discordant
    p = min(1.0, 2 * tail) if discordant else 1.0
    verdict = "beyond the noise" if low > 0 or high < 0 else "inside the noise"
    print(f"\n{first.name} vs {second.name}: {int(a.sum())} vs {int(b.sum())} of {len(clips)}; "
          f"difference {diff.mean():+.1%} (95% paired interval {low:+.1%} to {high:+.1%}, "
          f"McNemar exact p {p:.3f}): {verdict}")
    for dataset in sorted({clip.dataset for clip in clips}):
        mine = np.array([clip.dataset == dataset for clip in clips])
        print(f"  {dataset}: {int(a[mine].sum())} vs {int(b[mine].sum())} of {int(mine.sum())}")
    print(f"  right only for {first.name} ({len(gained)}): " + ", ".join(f"{c.file.name} ({c.label})" for c in gained))
    print(f"  right only for {second.name} ({len(lost)}): " + ", ".join(f"{c.file.name} ({c.label})" for c in lost))


def rule_table(result: ToolResult, clips: list[Clip], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Clip accuracy of each summary rule on the main face's raw scores (and the smoother's mean)."""
    table = {"mean of smoothed scores": result.right(clips)}
    for rule in RULES:
        table[rule] = np.array([
            result.raw_rows.get(clip.file) is not None
            and EMOTIONS[int(np.argmax(summarise(result.raw_rows[clip.file], rule)))] == clip.label
            for clip in clips])
    print(f"\n{result.name}: clip accuracy by summary rule (fer_video.summary)")
    for name, right in table.items():
        per = ", ".join(f"{d} {int(right[[c.dataset == d for c in clips]].sum())}"
                        for d in sorted({c.dataset for c in clips}))
        print(f"  {name:<28} {accuracy_line(right, rng)}; {per}")
    return table


def report(result: ToolResult, clips: list[Clip], rng: np.random.Generator) -> None:
    answers = [result.answer(clip) for clip in clips]
    right = result.right(clips)
    frames = sum(clip.frames for clip in clips)
    print(f"\n{result.name}: {accuracy_line(right, rng)} clips right; "
          f"{frames / max(result.seconds, 1e-9):.0f} frames/s over {frames} frames")
    for dataset in sorted({clip.dataset for clip in clips}):
        mine = np.array([clip.dataset == dataset for clip in clips])
        print(f"  {dataset}: {accuracy_line(right[mine], rng)}")
    if result.frame_tops:
        shares = [np.mean([top == clip.label for top in result.frame_tops[clip.file]])
                  for clip in clips if result.frame_tops.get(clip.file)]
        frames_right = np.array(shares)
        low, high = interval(frames_right, rng)
        print(f"  frames right, the main face's own scores before smoothing: {frames_right.mean():.1%} "
              f"(averaged over clips; 95% interval {low:.1%}-{high:.1%})")
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
    parser.add_argument("--baseline", metavar="OPTIONS",
                        help="a second fer-video configuration to compare, pair by pair: its timeline options "
                             "in one string, e.g. \"--weights runs/fernet-fer2013.tflite\" ('' for the defaults)")
    parser.add_argument("--rules", action="store_true", help="clip accuracy of each summary rule")
    parser.add_argument("--save", type=Path, help="write every clip's per-frame raw scores (JSON)")
    parser.add_argument("--seed", type=int, default=0, help="of the bootstrap")
    parser.add_argument("options", nargs=argparse.REMAINDER, help="after --: options for fer-video timeline")
    args = parser.parse_args()
    options = args.options[1:] if args.options[:1] == ["--"] else args.options
    if not (args.clips / "labels.csv").exists():
        raise SystemExit(f"no labelled clips at {args.clips} (a folder with labels.csv: file,label); "
                         "pass --clips DIR")
    clips = read_clips(args.clips)
    print(f"{len(clips)} clips from {args.clips}; fer-video options: {' '.join(options) or '(defaults)'}")
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory() as work:
        results = [run_fer_video(clips, options, Path(work))]
        if args.baseline is not None:
            results.append(run_fer_video(clips, shlex.split(args.baseline), Path(work),
                                         f"fer-video [{args.baseline or 'defaults'}]"))
        if not args.no_fer:
            results.append(run_fer(clips, args.fer_venv, Path(work)))
    for result in results:
        report(result, clips, rng)
    for other in results[1:]:
        paired(results[0], other, clips, rng)
    if args.rules:
        for result in results:
            if result.raw_rows:
                rule_table(result, clips, rng)
    if args.per_clip:
        print_per_clip(results, clips)
    if args.save:
        args.save.write_text(json.dumps({result.name: {
            str(clip.file): {"label": clip.label, "dataset": clip.dataset,
                             "raw": None if result.raw_rows.get(clip.file) is None
                             else np.round(result.raw_rows[clip.file], 5).tolist(),
                             "smoothed_mean": None if result.scores.get(clip.file) is None
                             else result.scores[clip.file].tolist()}
            for clip in clips} for result in results}))
        print(f"\nwrote {args.save}")


if __name__ == "__main__":
    main()
