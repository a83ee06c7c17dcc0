"""train, evaluate and export: classifiers on FER-2013."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from fer_video.extras import require_tensorflow
from fer_video.io.outputs import check_outputs
from fer_video.messages import say
from fer_video.plugins.manager import PluginManager
from fer_video.protocols import describe, input_spec, with_input
from fer_video.runtime.config import PipelineConfig, StageChoice
from fer_video.runtime.quiet import native_logs_hidden


def train(args: argparse.Namespace, plugins: PluginManager) -> int:
    require_tensorflow("fer-video train")
    from fer_video.training.trainer import TrainingRun, train

    factory = plugins.classifier(args.model)
    if factory.recipe is None:
        raise ValueError(f"classifier {args.model!r} has no training recipe; it cannot be trained here")
    with native_logs_hidden():
        import keras  # noqa: F401 - loads TensorFlow quietly once
    run = TrainingRun(
        name=args.model, recipe=factory.recipe, data=Path(args.data), out=Path(args.out), epochs=args.epochs,
        batch_size=args.batch_size, learning_rate=args.learning_rate, augment=args.augment,
        img_size=args.img_size, blur=args.blur, imagenet=args.imagenet, resume=args.resume, force=args.force,
        mixed_precision=args.mixed_precision, limit=args.limit, seed=args.seed, command=["fer-video", *sys.argv[1:]],
        init_weights=Path(args.init_weights) if args.init_weights else None,
        teachers=_teachers(args.teacher, args.teacher_share, plugins), teacher_share=args.teacher_share,
        votes=Path(args.votes) if args.votes else None, votes_share=args.votes_share,
        video_degradation=args.video_degradation,
        degradations=tuple(args.degradations.split(",")) if args.degradations else None,
    )
    train(run, log=say)
    return 0


def _teachers(models: list[str], share: float, plugins: PluginManager) -> dict:
    """Each ``--teacher``: a classifier by name, a model file the ``file`` classifier runs, or a training
    run's ``.weights.h5`` loaded into the architecture its card names."""
    from fer_video.models.card import ModelCard, card_path_for

    teachers = {}
    if models and not 0 <= share <= 1:
        raise ValueError(f"--teacher-share must be from 0 to 1, not {share}")
    for model in models:
        if model.endswith(".weights.h5"):
            card = card_path_for(Path(model))
            if not Path(model).exists():
                raise FileNotFoundError(f"--teacher {model} does not exist")
            if not card.exists():
                raise FileNotFoundError(f"--teacher {model} needs the card its training run wrote beside it ({card})")
            choice = StageChoice(ModelCard.read(card).architecture, {"weights": model})
        elif Path(model).suffix in (".tflite", ".keras", ".h5"):
            choice = StageChoice("file", {"weights": model})
        else:
            choice = StageChoice(model)
        with native_logs_hidden():
            teachers[model] = plugins.create("classifier", choice.name, **choice.options)
    return teachers


def evaluate(args: argparse.Namespace, plugins: PluginManager) -> int:
    import time

    from fer_video.training.evaluate import evaluate_all
    from fer_video.training.predict import with_tta

    if args.png:  # before the evaluation, not after it
        check_outputs(None, [Path(args.png)], args.force)
    classifier = with_tta(_evaluated_classifier(args, plugins), args.tta)
    if args.blur is not None:  # try another input blur than the card's
        if input_spec(classifier) is None:
            raise ValueError(f"{describe(classifier)} prepares its crops its own way; --blur cannot change them")
        classifier = with_input(classifier, replace(input_spec(classifier), blur=args.blur))
    spec = input_spec(classifier)
    say(f"classifier: {describe(classifier)}"
        + (f", input blur {spec.blur}, test-time augmentation {spec.tta}" if spec is not None else ""))
    started = time.perf_counter()
    evaluation = evaluate_all(classifier, Path(args.data), args.split, limit=args.limit,
                              votes=Path(args.votes) if args.votes else None)
    seconds = time.perf_counter() - started
    print(evaluation.as_text())
    report = evaluation.fer2013
    say(f"{int(report.confusion.sum())} faces in {seconds:.1f} s")
    if args.png:
        report.save_png(args.png)
        say(f"wrote {args.png}")
    return 0


def _evaluated_classifier(args, plugins):
    """--model's classifier, else the one the pipeline runs (by default, or as --config says), built the same way."""
    config = PipelineConfig.from_toml(args.config) if args.config else PipelineConfig()
    if args.model:
        config.classifier = StageChoice(args.model)
    if args.weights:
        config.classifier.options["weights"] = args.weights
    with native_logs_hidden():
        return config.build_stage(plugins, "classifier")


def export(args: argparse.Namespace, plugins: PluginManager) -> int:
    """TF Lite and its card from trained weights (see fer_video.training.export); prints what was measured."""
    import shlex

    from fer_video.models.card import card_path_for
    from fer_video.training.export import Export, export_classifier

    require_tensorflow("fer-video export")

    command = shlex.join(["fer-video", *(arg for arg in sys.argv[1:] if arg != "--force")])
    exported = export_classifier(Export(
        architecture=args.model, weights=[Path(w) for w in args.weights], out=Path(args.out), data=Path(args.data),
        split=args.split, quantize=args.quantize, blur=args.blur, tta=args.tta, command=command, force=args.force,
        prior=_prior(args.prior),
    ), plugins)
    out = exported.path
    say(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB) and {card_path_for(out)}")
    print(f"{args.split} accuracy {exported.report.accuracy:.4f} with test-time augmentation "
          f"{exported.card.input.tta} ({exported.flip_report.accuracy:.4f} with flip averaging), "
          f"{exported.faces_per_second:.0f} faces/s batched")
    return 0


def _prior(pairs: list[str]) -> dict[str, float] | None:
    """``--prior neutral=0.5`` (repeatable) as the card's ``[calibration] prior`` table."""
    from fer_video.emotions import EMOTIONS

    prior = {}
    for pair in pairs:
        name, _, factor = pair.partition("=")
        try:
            prior[name] = float(factor)
        except ValueError:
            prior[name] = -1.0
        if name not in EMOTIONS or not prior[name] > 0:
            raise ValueError(f"--prior {pair}: expected EMOTION=FACTOR with one of {', '.join(EMOTIONS)} "
                             "and a factor above 0, e.g. --prior neutral=0.5")
    return prior or None


def blend(args: argparse.Namespace, plugins: PluginManager) -> int:
    """Keras weights and a card blended from trained networks (see fer_video.training.blend)."""
    import shlex

    from fer_video.training.blend import Blend, blend_classifier

    require_tensorflow("fer-video blend")

    shares = args.shares or [1.0] * len(args.weights)
    command = shlex.join(["fer-video", *(arg for arg in sys.argv[1:] if arg != "--force")])
    card, report = blend_classifier(Blend(
        architecture=args.model, members=[Path(w) for w in args.weights], shares=shares, out=Path(args.out),
        data=Path(args.data), command=command, force=args.force,
    ), plugins)
    say(f"wrote {args.out} and its card")
    print(f"{card.details['validation']['split']} accuracy {report.accuracy:.4f} (Keras weights; "
          f"fer-video export measures the exported file)")
    return 0
