"""How much ``neutral`` a model should say: one prior factor swept against clips and faces side by side.

A network trained on photos (FER-2013, FER+) says ``neutral`` as often as photos showed it; faces
in real video show weaker expressions, and the subtle sad or fearful face comes out ``neutral``.
A model card's ``[calibration] prior`` multiplies each emotion's score by a factor before the
scores are renormalised (``fer-video export --prior neutral=F``). This script measures, for each
factor F on the neutral score:

- the clips: accuracy of the main face's answer (mean of its per-frame scores, as
  ``benchmarks/real_video.py`` scores a clip), overall and per dataset, from the per-frame scores
  that ``real_video.py --save`` kept for a run of the model *without* a prior;
- the faces: accuracy on FER-2013 PublicTest by FER-2013's labels and by FER+'s majority (strict
  rule and plurality), from the model's own scores on the faces.

    .venv/bin/python benchmarks/neutral_prior.py --clips-json RUN.json --model MODEL.tflite \\
        [--data ../shared/data/fer2013/fer2013_train_val.npz] [--factors 1 0.8 0.6 0.5 0.4]

The prior is a decision between the two: the clips want less neutral, the FER+ faces (a third of
their votes say neutral) want more. With four actors on the clips, a factor is chosen on a
difference beyond the noise (see ``real_video.py``'s paired comparison), not on a clip or two.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from fer_video.emotions import EMOTIONS
from fer_video.models.model_file import open_model_file
from fer_video.summary import summarise
from fer_video.training.datasets import load_fer2013
from fer_video.training.predict import predict_split
from fer_video.training.votes import find_votes, load_votes, plurality_labels, strict_labels

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "fer2013" / "fer2013_train_val.npz"
NEUTRAL = EMOTIONS.index("neutral")


def with_prior(scores: np.ndarray, factor: float) -> np.ndarray:
    scaled = np.array(scores, np.float64)
    scaled[..., NEUTRAL] *= factor
    return scaled / scaled.sum(axis=-1, keepdims=True)


def clip_accuracy(clips: dict, factor: float, rule: str) -> dict[str, tuple[int, int]]:
    """Right and total clips per dataset (and ``all``) with the neutral score scaled by ``factor``."""
    tally: dict[str, list[int]] = {}
    for clip in clips.values():
        if clip["raw"] is None:
            right = False
        else:
            answer = EMOTIONS[int(np.argmax(summarise(with_prior(np.array(clip["raw"]), factor), rule)))]
            right = answer == clip["label"]
        for key in ("all", clip["dataset"]):
            tally.setdefault(key, [0, 0])
            tally[key][0] += right
            tally[key][1] += 1
    return {key: (right, total) for key, (right, total) in tally.items()}


def recall_line(clips: dict, factor: float, rule: str) -> str:
    per = {name: [0, 0] for name in EMOTIONS}
    for clip in clips.values():
        answer = None if clip["raw"] is None else \
            EMOTIONS[int(np.argmax(summarise(with_prior(np.array(clip["raw"]), factor), rule)))]
        per[clip["label"]][0] += answer == clip["label"]
        per[clip["label"]][1] += 1
    return ", ".join(f"{name} {r}/{t}" for name, (r, t) in per.items() if t)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips-json", type=Path, required=True, help="real_video.py --save of a run without prior")
    parser.add_argument("--tool", default="fer-video", help="which run in the JSON (default fer-video)")
    parser.add_argument("--model", type=Path, required=True, help="the model file (its card must have no prior)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--rule", default="mean", help="summary rule for a clip (fer_video.summary)")
    parser.add_argument("--factors", type=float, nargs="+", default=[1.0, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3])
    args = parser.parse_args()

    clips = json.loads(args.clips_json.read_text())[args.tool]
    classifier = open_model_file(args.model)
    if classifier.prior is not None:
        raise SystemExit(f"{args.model}'s card already has a [calibration] prior; sweep a model without one")
    val = load_fer2013(args.data)["val"]
    scores = predict_split(classifier, val)
    votes_file = find_votes(args.data)
    votes = load_votes(votes_file, "val", len(val)) if votes_file else None
    truths = {"FER-2013": val.labels}
    if votes is not None:
        truths |= {"FER+ strict": strict_labels(votes), "FER+ plurality": plurality_labels(votes)}
    datasets = sorted({clip["dataset"] for clip in clips.values()})
    print(f"model {args.model}; clips {args.clips_json} ({len(clips)}), summary rule {args.rule!r}")
    print(f"{'neutral x':>9} | {'clips':>7} " + " ".join(f"{d:>12}" for d in datasets) + " | "
          + " ".join(f"{name:>14}" for name in truths) + " | clip recall")
    for factor in args.factors:
        tally = clip_accuracy(clips, factor, args.rule)
        answers = with_prior(scores, factor).argmax(axis=1)
        faces = []
        for truth in truths.values():
            kept = truth >= 0
            faces.append(f"{(answers[kept] == truth[kept]).mean():14.4f}")
        print(f"{factor:9.2f} | {tally['all'][0]:3d}/{tally['all'][1]:<3d} "
              + " ".join(f"{tally[d][0]:>8d}/{tally[d][1]:<3d}" for d in datasets) + " | " + " ".join(faces)
              + " | " + recall_line(clips, factor, args.rule))


if __name__ == "__main__":
    main()
