"""The built-in classifier plugin: fernet (the default), the original repo's five models, and
``file`` for a user's own model file."""

from __future__ import annotations

from pathlib import Path

from fer_video import hookimpl
from fer_video.extras import require_tensorflow
from fer_video.models import fernet, model_file, seed_models
from fer_video.models.card import ModelCard, card_path_for
from fer_video.models.keras_runner import KerasClassifier
from fer_video.models.keras_weights import load_weights
from fer_video.models.shipped import shipped
from fer_video.plugins.factories import ClassifierFactory
from fer_video.training.recipe import Recipe


def _keras_factory(name: str, recipe: Recipe, summary: str, default: Path | None,
                   architecture: str | None = None) -> ClassifierFactory:
    """A classifier ``name`` for ``recipe``'s network; ``architecture`` names that network where ``name`` is
    one of its trained variants (``fernet-ferplus`` is a ``fernet``)."""
    network = architecture or name

    def create(weights: str | Path | None = None):
        path = Path(weights) if weights else default
        if path is None or not path.exists():
            raise FileNotFoundError(
                f"no trained weights for {name}: pass --weights FILE, or train some with "
                f"`fer-video train --model {name} --data FER2013`"
            )
        if path.suffix == ".tflite":  # shipped weights: a converted model with its card beside it
            card = card_path_for(path)
            held = ModelCard.read(card).architecture if card.exists() else network
            if held not in (name, network):  # running another network under this name would mislead
                raise ValueError(f"{path} holds a {held} network ({card} says so), not {network}: "
                                 f"use --classifier {held}, or --classifier file")
            return model_file.open_model_file(path)
        require_tensorflow(f"{name} with the Keras weights {path} (its .tflite export runs without it)")
        card = ModelCard.read(card_path_for(path)) if card_path_for(path).exists() else None
        spec = card.input if card is not None else recipe.input  # --img-size, --blur of its training
        try:
            model = recipe.build_for(path) if spec.size == recipe.input.size else recipe.build(input_size=spec.size)
        except TypeError:
            raise ValueError(
                f"{card_path_for(path)} says these weights take {spec.size}x{spec.size} input, but {name} "
                f"only comes in {recipe.input.size}x{recipe.input.size}"
            ) from None
        load_weights(model, path, name)
        return KerasClassifier(model, spec, recipe.labels, name, path, prior=card.prior if card else None)

    return ClassifierFactory(name=name, create=create, summary=summary, recipe=recipe)


@hookimpl
def fer_video_classifiers() -> list[ClassifierFactory]:
    return [
        _keras_factory("fernet", fernet.RECIPE, "fer-video's default 48x48 gray CNN", shipped("fernet.tflite")),
        _keras_factory("fernet-ferplus", fernet.RECIPE, "fernet taught by FER+'s ten annotators per face: "
                       "nearer their majority on photos, says neutral more often on video",
                       shipped("fernet-ferplus.tflite"), architecture="fernet"),
        *(
            _keras_factory(name, recipe, seed_models.SUMMARIES[name],
                           shipped(f"{name}.tflite") or shipped(f"{name}.weights.h5"))
            for name, recipe in seed_models.RECIPES.items()
        ),
        model_file.FACTORY,
    ]
