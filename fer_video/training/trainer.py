"""``fer-video train``: fit a classifier's recipe on FER-2013, resumable, and write a model card."""

from __future__ import annotations

import math
import shlex
import sys
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from fer_video.models.card import ModelCard
from fer_video.training.checkpoints import KeepBest, logged_epochs
from fer_video.training.datasets import load_fer2013
from fer_video.training.optimizers import build_optimizer
from fer_video.training.recipe import Recipe


@dataclass
class TrainingRun:
    """One training job; ``out`` receives weights, card, history and the resume backup."""

    name: str
    recipe: Recipe
    data: Path
    out: Path
    epochs: int | None = None
    batch_size: int | None = None
    learning_rate: float | None = None
    augment: bool | None = None
    img_size: int | None = None
    blur: float | None = None
    imagenet: bool = False
    resume: bool = False
    force: bool = False
    """Train afresh over a finished run in ``out`` (its weights, card and history are replaced)."""
    mixed_precision: bool = False
    limit: int | None = None
    seed: int = 0
    init_weights: Path | None = None
    """Keras weights of the same architecture to start from (a chain of runs, each from the last's best)."""
    teachers: dict[str, object] = field(default_factory=dict)
    """Classifiers to distil, by the name the card records: the network learns their averaged scores
    (``teacher_share`` of each target) beside the true labels."""
    teacher_share: float = 0.5
    votes: Path | None = None
    """FER+ votes for the faces (see fer_video.training.votes): each target becomes ``votes_share`` of
    the face's vote distribution and the rest its FER-2013 label."""
    votes_share: float = 1.0
    video_degradation: float | None = None
    """Share of training faces degraded as video degrades them, instead of the recipe's."""
    degradations: tuple[str, ...] | None = None
    """Which degradations (:data:`fer_video.training.batches.DEGRADATIONS`), instead of the recipe's."""
    command: list[str] = field(default_factory=lambda: list(sys.argv))

    @property
    def weights_path(self) -> Path:
        return self.out / f"{self.name}.weights.h5"

    @property
    def card_path(self) -> Path:
        return self.out / f"{self.name}.card.toml"


def train(run: TrainingRun, log=print) -> ModelCard:
    """Train, keep the best epoch by validation accuracy, and write weights plus card."""
    import keras

    recipe = run.recipe
    epochs = run.epochs or recipe.epochs
    batch_size = run.batch_size or recipe.batch_size
    augment = recipe.augment if run.augment is None else run.augment
    spec = recipe.input if run.img_size is None else replace(recipe.input, size=run.img_size)
    if run.blur is not None:  # training faces blurrier than those it will see: blur what it is shown
        spec = replace(spec, blur=run.blur)
    degradation = recipe.video_degradation if run.video_degradation is None else run.video_degradation
    degradations = recipe.degradations if run.degradations is None else tuple(run.degradations)
    if not 0 <= degradation <= 1:
        raise ValueError(f"--video-degradation must be from 0 to 1, not {degradation}")
    from fer_video.training.batches import DEGRADATIONS

    if not degradations or any(kind not in DEGRADATIONS for kind in degradations):
        raise ValueError(f"--degradations {','.join(degradations)}: choose from {','.join(DEGRADATIONS)}")
    backup = run.out / "backup"
    if backup.exists() and not run.resume:
        raise FileExistsError(
            f"{run.out} holds an unfinished run; pass --resume to continue it, or choose another --out"
        )
    history = run.out / "history.csv"
    finished = [path for path in (run.weights_path, run.card_path) if path.exists()]
    if finished and not backup.exists() and not run.force:
        raise FileExistsError(f"{run.out} holds a finished run ({finished[0].name}); choose another --out, "
                              "or pass --force to train over it")
    if run.init_weights is not None and not run.init_weights.exists():
        raise FileNotFoundError(f"--init-weights {run.init_weights} does not exist")
    splits = load_fer2013(run.data)
    if "train" not in splits or "val" not in splits:
        raise ValueError(f"{run.data} needs both a training and a validation split to train on")
    train_split, val_split = splits["train"], splits["val"]
    if run.limit:
        train_split = train_split.subset(run.limit, run.seed)
        val_split = val_split.subset(max(run.limit // 4, 64), run.seed)
    train_targets, val_targets = _vote_targets(run, splits, train_split, val_split, log)
    teacher_scores, teachers_accuracy = _teacher_scores(run, train_split, val_split, log)
    run.out.mkdir(parents=True, exist_ok=True)  # once its faces and targets are ready: no empty folder
    if not backup.exists():
        history.unlink(missing_ok=True)  # a fresh run (--force): the old epochs are not this run's
    epochs_done = logged_epochs(history)
    log(f"training {run.name} on {len(train_split)} faces, validating on {len(val_split)}; "
        f"{epochs} epochs, batch {batch_size}, input {spec.size}x{spec.size} {spec.color}, "
        f"augment {'on' if augment else 'off'}")

    from fer_video.training.batches import make_batches

    keras.utils.set_random_seed(run.seed)
    if run.mixed_precision:
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        if run.init_weights is not None and run.img_size is None and not run.imagenet:
            model = recipe.build_for(run.init_weights)  # the size those weights were trained as
        else:
            model = _build(recipe, run.img_size, run.imagenet)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    if run.init_weights is not None:
        from fer_video.models.keras_weights import load_weights

        load_weights(model, run.init_weights, run.name)
        log(f"starting from {run.init_weights}")
    steps = math.ceil(len(train_split) / batch_size)
    learning_rate = run.learning_rate or recipe.learning_rate
    model.compile(
        optimizer=build_optimizer(recipe.optimizer, learning_rate, steps, epochs),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=recipe.label_smoothing),
        metrics=["accuracy"],
    )
    class_weights = balancing_weights(train_split.labels, recipe.labels, recipe.class_weight_power)
    train_batches = make_batches(train_split, spec, recipe.labels, batch_size, shuffle=True, augment=augment,
                                 random_erasing=recipe.random_erasing if augment else 0.0,
                                 video_degradation=degradation if augment else 0.0, degradations=degradations,
                                 class_weights=class_weights, teacher_scores=teacher_scores,
                                 teacher_share=run.teacher_share, soft_targets=train_targets,
                                 seed=batch_seed(run.seed, epochs_done, run.init_weights))
    val_batches = make_batches(val_split, spec, recipe.labels, 256, soft_targets=val_targets)
    keeper = KeepBest(run.weights_path, history)
    model.fit(
        train_batches,
        validation_data=val_batches,
        epochs=epochs,
        verbose=2,
        callbacks=[
            keras.callbacks.BackupAndRestore(str(backup), double_checkpoint=True),  # survives a kill mid-save
            keras.callbacks.CSVLogger(str(history), append=True),
            keeper,
        ],
    )
    model.load_weights(run.weights_path)

    from fer_video.models.keras_runner import KerasClassifier
    from fer_video.training.metrics import Report
    from fer_video.training.predict import predict_split

    classifier = KerasClassifier(model, spec, recipe.labels, run.name, run.weights_path)
    report = Report.from_labels(val_split.labels, predict_split(classifier, val_split).argmax(1))
    flip = Report.from_labels(val_split.labels, predict_split(classifier, val_split, tta="flip").argmax(1))
    card = ModelCard(
        architecture=run.name,
        input=spec,
        labels=recipe.labels,
        weights=run.weights_path.name,
        details={
            "parameters": int(model.count_params()),
            "training": {
                "command": shlex.join(arg for arg in run.command if arg != "--resume"),
                "data": str(run.data),
                "train_faces": len(train_split),
                "val_faces": len(val_split),
                "epochs": epochs,
                "best_epoch": keeper.best_epoch + 1,
                "batch_size": batch_size,
                "learning_rate": learning_rate,
                "optimizer": recipe.optimizer,
                "label_smoothing": recipe.label_smoothing,
                "augment": augment,
                "random_erasing": recipe.random_erasing if augment else 0.0,
                "video_degradation": degradation if augment else 0.0,
                "degradations": list(degradations),
                "class_weights": dict(zip(recipe.labels, [round(w, 3) for w in class_weights]))
                if class_weights is not None else "none",
                "imagenet": run.imagenet,
                "init_weights": str(run.init_weights) if run.init_weights is not None else "none",
                **({"teachers": list(run.teachers), "teacher_share": run.teacher_share,
                    "teachers_val_accuracy": round(teachers_accuracy, 4)} if run.teachers else {}),
                **({"votes": str(run.votes), "votes_share": run.votes_share,
                    "votes_rule": "FER+ votes over the seven emotions, renormalised (contempt, unknown and "
                                  "not-a-face votes dropped); a face whose seven emotions hold under half its "
                                  "votes, or that has none, is trained on its FER-2013 label alone"}
                   if run.votes is not None else {}),
                "mixed_precision": run.mixed_precision,
                "notes": recipe.notes,
            },
            "validation": {
                "split": "val",
                "accuracy": round(report.accuracy, 4),
                "accuracy_flip_tta": round(flip.accuracy, 4),
                "recall": report.per_class_recall(),
            },
        },
    )
    card.write(run.card_path)
    log(f"best epoch {keeper.best_epoch + 1}: val accuracy {report.accuracy:.4f} "
        f"({flip.accuracy:.4f} with flip averaging); wrote {run.weights_path} and {run.card_path}")
    import shutil

    shutil.rmtree(backup, ignore_errors=True)
    return card


def _vote_targets(run: TrainingRun, splits, train_split, val_split, log):
    """Soft targets for the training and validation faces from ``run.votes`` (``None``, ``None`` without)."""
    if run.votes is None:
        return None, None
    from fer_video.training.votes import distribution, load_votes, soft_targets

    targets = []
    for name, split in (("train", train_split), ("val", val_split)):
        votes = load_votes(run.votes, name, len(splits[name]))
        if len(split) != len(splits[name]):  # --limit: the subset's rows
            votes = votes[splits[name].subset_rows(len(split), run.seed)]
        targets.append(soft_targets(split.labels, votes, run.votes_share))
        if name == "train":
            usable = int(distribution(votes)[1].sum())
    log(f"targets: {run.votes_share:.0%} FER+ vote distribution ({usable} of {len(train_split)} training faces "
        f"have one), the rest the FER-2013 label")
    return targets[0], targets[1]


def _teacher_scores(run: TrainingRun, train_split, val_split, log) -> tuple[np.ndarray | None, float]:
    """The teachers' averaged scores on the training faces (each teacher averaging a face and its
    mirror image where it can), and their accuracy together on the validation faces."""
    if not run.teachers:
        return None, 0.0
    from fer_video.protocols import input_spec
    from fer_video.training.predict import predict_split

    def scores(split):
        return np.mean([predict_split(teacher, split, tta="flip" if input_spec(teacher) is not None else None)
                        for teacher in run.teachers.values()], axis=0)

    accuracy = float((scores(val_split).argmax(1) == val_split.labels).mean())
    log(f"distilling {', '.join(run.teachers)}: {accuracy:.4f} on the validation faces together; "
        f"{run.teacher_share:.0%} of each target is theirs")
    return scores(train_split), accuracy


def balancing_weights(labels, names, power: float) -> list[float] | None:
    """Loss weight per class (in ``names`` order): (largest class / class count) ** ``power``.

    ``labels`` are canonical emotion indices; ``None`` when ``power`` is 0 (all weigh alike).
    """
    if not power:
        return None
    import numpy as np

    from fer_video.emotions import EMOTIONS

    counts = np.bincount(labels, minlength=len(EMOTIONS)).astype(float)
    weights = (counts.max() / np.maximum(counts, 1)) ** power
    return [float(weights[EMOTIONS.index(name)]) for name in names]


def _build(recipe: Recipe, img_size: int | None, imagenet: bool):
    options = {}
    if img_size is not None:
        options["input_size"] = img_size
    if imagenet:
        options["imagenet"] = True
    try:
        return recipe.build(**options)
    except TypeError:
        wanted = " and ".join(f"--{name.replace('_', '-')}" for name in options)
        raise ValueError(f"this architecture does not take {wanted}") from None


def batch_seed(seed: int, epochs_done: int, init_weights: Path | None = None) -> int:
    """The seed of the shuffling and augmentation: ``seed`` for a fresh run from scratch, else one
    drawn from it, the epochs already done and the weights the run started from.

    A resumed run, or the next run of a chain (``--init-weights``), reseeded with ``seed`` alone would
    draw the batches of the runs before it again, in the same order and with the same augmentation:
    faces the network has already learnt (its training accuracy jumps, its validation does not).
    """
    if epochs_done == 0 and init_weights is None:
        return seed
    start = zlib.crc32(Path(init_weights).read_bytes()) if init_weights is not None else 0
    return int(np.random.SeedSequence([seed, epochs_done, start]).generate_state(1)[0])
