"""What plugins hand to fer-video: named factories for each kind of stage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fer_video.training.recipe import Recipe

STAGE_KINDS = ("detector", "classifier", "tracker", "smoother", "annotator", "sink")


@dataclass(frozen=True)
class StageFactory:
    """A stage a plugin offers under ``name``; ``create(**options)`` builds one."""

    name: str
    create: Callable[..., Any]
    summary: str = ""


@dataclass(frozen=True)
class ClassifierFactory(StageFactory):
    """A classifier: ``create(weights=None, **options)``; a ``recipe``
    (:class:`fer_video.training.recipe.Recipe`) makes it trainable with ``fer-video train``."""

    recipe: Recipe | None = None
