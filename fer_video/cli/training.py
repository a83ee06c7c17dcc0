"""train, evaluate and export: classifiers on FER-2013."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from fer_video.cli.analyse import check_outputs
from fer_video.messages import say
from fer_video.runtime.config import PipelineConfig, StageChoice
from fer_video.runtime.quiet import native_logs_hidden


def train(args, plugins) -> int:
    from fer_video.training.trainer import TrainingRun, train

    factory = plugins.classifier(args.model)
    if factory.recipe is None:
        raise ValueError(f"classifier {args.model!r} has no training recipe; it cannot be trained here")
    with native_logs_hidden():
        import keras  # noqa: F401 - loads TensorFlow quietly once
    run = TrainingRun(
        name=args.model, recipe=factory.recipe, data=Path(args.data), out=Path(args.out), epochs=args.epochs,
        batch_size=args.batch_size, learning_rate=args.learning_rate, augment=args.augment,
        img_size=args.img_size, blur=args.blur, imagenet=args.imagenet, resume=args.resume,
        mixed_precision=args.mixed_precision, limit=args.limit, seed=args.seed, command=["fer-video", *sys.argv[1:]],
        init_weights=Path(args.init_weights) if args.init_weights else None,
    )
    train(run, log=say)
    return 0


def evaluate(args, plugins) -> int:
    import time

    from fer_video.training.evaluate import evaluate
    from fer_video.training.predict import with_tta

    if args.png:  # before the evaluation, not after it
        check_outputs(None, [Path(args.png)], args.force)
    classifier = with_tta(_evaluated_classifier(args, plugins), args.tta)
    if args.blur is not None:  # try another input blur than the card's
        classifier.spec = replace(classifier.spec, blur=args.blur)
    spec = getattr(classifier, "spec", None)
    say(f"classifier: {classifier.description}"
        + (f", input blur {spec.blur}, test-time augmentation {spec.tta}" if spec is not None else ""))
    started = time.perf_counter()
    report = evaluate(classifier, Path(args.data), args.split, limit=args.limit)
    seconds = time.perf_counter() - started
    print(report.as_text())
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


def export(args, plugins) -> int:
    import shlex

    from fer_video.models.card import ModelCard, card_path_for
    from fer_video.training import export
    from fer_video.training.ensemble import averaged, ensemble_training_card
    from fer_video.training.evaluate import evaluate

    factory = plugins.classifier(args.model)
    if factory.recipe is None:
        raise ValueError(f"classifier {args.model!r} is not a Keras architecture; nothing to export")
    out = Path(args.out)
    if out.suffix != ".tflite":
        raise ValueError(f"export writes TF Lite: name the output .tflite, not {out.name}")
    check_outputs(None, [out, card_path_for(out)], args.force)
    weights = [Path(w) for w in args.weights]
    training_cards = []
    for path in weights:
        training_card_path = card_path_for(path)
        if not training_card_path.exists():
            raise FileNotFoundError(f"{training_card_path} is missing; export needs the card written by training")
        training_card = ModelCard.read(training_card_path)
        if args.blur is not None:  # the card's input blur only set validation's; it is not in the weights
            training_card.input = replace(training_card.input, blur=args.blur)
        training_cards.append(training_card)
    with native_logs_hidden():
        members = [plugins.create("classifier", args.model, weights=path) for path in weights]
    if len(members) == 1:
        training_card, model = training_cards[0], members[0].model
    else:
        training_card = ensemble_training_card(training_cards, [str(path) for path in weights])
        model = averaged([member.model for member in members], args.model)
    out.parent.mkdir(parents=True, exist_ok=True)
    from fer_video.io.atomic import partial_path, publish

    partial = partial_path(out)  # renamed into place: a run that mapped the old file keeps it whole
    partial.write_bytes(export.convert_to_tflite(model, args.quantize))
    publish(partial, out)
    command = shlex.join(["fer-video", *(arg for arg in sys.argv[1:] if arg != "--force")])
    card = export.exported_card(training_card, out, command, args.quantize)
    card.input = replace(card.input, tta=args.tta)  # the pipeline averages as the card says, and is measured so
    card.write(card_path_for(out))
    with native_logs_hidden():
        classifier = plugins.create("classifier", "file", weights=out)
    report = evaluate(classifier, Path(args.data), args.split)
    flip = evaluate(classifier, Path(args.data), args.split, tta="flip")
    speed = export.faces_per_second(classifier, card.input.size)
    export.record_measurements(card, report, flip, args.split, speed)
    card.write(card_path_for(out))
    say(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB) and {card_path_for(out)}")
    print(f"{args.split} accuracy {report.accuracy:.4f} with test-time augmentation {card.input.tta} "
          f"({flip.accuracy:.4f} with flip averaging), {speed:.0f} faces/s batched")
    return 0
