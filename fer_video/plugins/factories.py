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
    writes: str = ""
    """For a sink, what it makes: ``"video"``, ``"picture"`` (a folder of them for a folder),
    ``"timeline"``, ``"window"``, ``"page"`` (a live view; it takes the page's ``controls``). The
    commands pick the sink for ``-o``, ``--csv``, ``--jsonl``, ``webcam`` and ``serve`` by it; as for
    names, a later plugin's sink overrides an earlier one's."""
    suffixes: tuple[str, ...] = ()
    """For a sink, the file suffixes its ``output`` option takes, the usual one first (``".mp4"``)."""


@dataclass(frozen=True)
class ClassifierFactory(StageFactory):
    """A classifier: ``create(weights=None, **options)``; a ``recipe``
    (:class:`fer_video.training.recipe.Recipe`) makes it trainable with ``fer-video train``."""

    recipe: Recipe | None = None
