"""What plugins hand to fer-video: named factories for each kind of stage."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fer_video.training.recipe import Recipe

STAGE_KINDS = ("detector", "classifier", "tracker", "smoother", "annotator", "sink")


class OptionsError(ValueError):
    """Options a stage does not take (``--detector-opt colour=red``): the user's mistake, not a bug."""


def check_options(create: Callable[..., Any], options: Mapping[str, Any]) -> None:
    """Raise :class:`OptionsError` unless ``create(**options)`` fits ``create``'s signature.

    The plugin manager checks every factory so before calling it. A factory that hands its
    ``**options`` on (to import a heavy library only when used) checks what it hands them to.
    """
    try:
        signature = inspect.signature(create)
    except (TypeError, ValueError):  # a callable without one (some built-ins): it checks its own
        return
    try:
        signature.bind(**options)
    except TypeError as error:
        raise OptionsError(str(error)) from None


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
