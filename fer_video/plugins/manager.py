"""Finding plugins through entry points and looking stages up by name."""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import pluggy

from fer_video.plugins import hookspecs
from fer_video.plugins.factories import STAGE_KINDS, ClassifierFactory, OptionsError, StageFactory, check_options

ENTRY_POINT_GROUP = "fer_video"
BLOCK_ENV = "FER_VIDEO_BLOCK_PLUGINS"
"""Comma-separated plugin (entry-point) names to skip, e.g. ``FER_VIDEO_BLOCK_PLUGINS=mediapipe``."""


class PluginError(RuntimeError):
    """A plugin failed to load or to build a stage; the message names it and its distribution."""


class UnknownStageError(LookupError):
    """A stage name that no loaded plugin provides."""


@dataclass(frozen=True)
class Provided:
    """A stage factory together with the plugin and distribution that offer it."""

    kind: str
    factory: StageFactory
    plugin: str
    distribution: str


class PluginManager:
    """pluggy's manager plus name lookup and readable errors."""

    def __init__(self, load_entry_points: bool = True) -> None:
        self._pm = pluggy.PluginManager("fer_video")
        self._pm.add_hookspecs(hookspecs)
        self._origin: dict[str, str] = {}
        if load_entry_points:
            self.load_entry_points()

    def load_entry_points(self) -> None:
        blocked = {name.strip() for name in os.environ.get(BLOCK_ENV, "").split(",") if name.strip()}
        origins: dict[int, str] = {}  # a distribution's name and version parse its metadata: once each
        for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
            if entry_point.name in blocked or self._pm.has_plugin(entry_point.name):
                continue
            dist = entry_point.dist
            if id(dist) not in origins:
                origins[id(dist)] = f"{dist.name} {dist.version}" if dist else "unknown distribution"
            origin = origins[id(dist)]
            try:
                plugin = entry_point.load()
            except Exception as error:  # a broken third-party plugin must not hide the cause
                raise PluginError(
                    f"plugin {entry_point.name!r} from {origin} failed to import: "
                    f"{type(error).__name__}: {error}. Fix or uninstall it, or skip it with "
                    f"{BLOCK_ENV}={entry_point.name}"
                ) from error
            self.register(plugin, entry_point.name, origin)

    def register(self, plugin: object, name: str, origin: str = "registered in code") -> None:
        """Add a plugin object or module by hand (tests, notebooks, embedding apps)."""
        self._pm.register(plugin, name=name)
        self._origin[name] = origin

    def provided(self, kind: str) -> list[Provided]:
        """Every stage of ``kind`` on offer, in registration order."""
        if kind not in STAGE_KINDS:
            raise ValueError(f"unknown stage kind {kind!r}; kinds are {', '.join(STAGE_KINDS)}")
        hook = getattr(self._pm.hook, f"fer_video_{kind}s")
        found: list[Provided] = []
        for impl in hook.get_hookimpls():  # registration order
            try:
                factories = impl.function() or []
            except Exception as error:
                raise PluginError(
                    f"plugin {impl.plugin_name!r} from {self._origin.get(impl.plugin_name, '?')} "
                    f"failed listing its {kind}s: {type(error).__name__}: {error}"
                ) from error
            for factory in factories:
                found.append(Provided(kind, factory, impl.plugin_name, self._origin.get(impl.plugin_name, "?")))
        return found

    def find(self, kind: str, name: str) -> Provided:
        """The stage of ``kind`` called ``name``; a later plugin overrides an earlier one."""
        matches = [p for p in self.provided(kind) if p.factory.name == name]
        if not matches:
            known = ", ".join(sorted({p.factory.name for p in self.provided(kind)})) or "none installed"
            raise UnknownStageError(f"no {kind} named {name!r}; known {kind}s: {known}")
        return matches[-1]

    def create(self, kind: str, name: str, **options: Any) -> Any:
        """Build the stage ``name`` with ``options``, naming the plugin if it fails.

        Options are checked against the factory's signature before it runs (:func:`check_options`):
        one it does not take is the user's mistake (``ValueError``). What the factory raises keeps its type: the user's
        mistakes (``ValueError``, ``FileNotFoundError``, ``FileExistsError``: a bad value, a missing
        file) gain the stage's name; anything else, a ``TypeError`` too, is a bug in the stage or
        a library it loads, and gains a note naming the plugin and its distribution.
        """
        provided = self.find(kind, name)
        try:
            check_options(provided.factory.create, options)
            return provided.factory.create(**options)
        except OptionsError as error:
            raise ValueError(f"{kind} {name!r} does not take these options ({error})") from None
        except (FileNotFoundError, FileExistsError, ValueError, PluginError) as error:
            raise type(error)(f"{kind} {name!r}: {error}") from error
        except Exception as error:
            error.add_note(f"the {kind} {name!r} from plugin {provided.plugin!r} ({provided.distribution}) "
                           "failed to start")
            raise

    def classifier(self, name: str) -> ClassifierFactory:
        factory = self.find("classifier", name).factory
        assert isinstance(factory, ClassifierFactory)
        return factory
