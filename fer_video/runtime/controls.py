"""Pause, resume and stage switches asked for from another thread, applied by the pipeline between frames.

A live view (``fer-video serve``) lets a person pause the analysis or pick another detector,
classifier, smoother or annotator (the overlay on or off, faces blurred) while the stream runs.
The requests arrive on the web server's thread; the pipeline applies them in its
``before_frame`` hook, on its own thread, so a stage is never replaced in the middle of a frame.
New stages are built on a helper thread, because loading a model takes seconds and the stream
should keep flowing meanwhile; a stage that fails to build leaves the running one in place and
the error is kept for the page to show. The stage switched away from is closed (see
:class:`fer_video.protocols.SupportsClose`), and so is one built for a request a later one
replaced.
"""

from __future__ import annotations

import threading
from typing import Any

from fer_video.messages import one_line
from fer_video.plugins.manager import PluginManager
from fer_video.runtime.lifecycle import close_stages
from fer_video.runtime.quiet import native_logs_hidden
from fer_video.types import Frame

SWITCHABLE = ("detector", "classifier", "smoother", "annotator")


class PipelineControls:
    """Thread-safe requests for a running :class:`~fer_video.runtime.pipeline.Pipeline`.

    ``current`` names the stages the pipeline starts with; ``options`` gives, per kind, the
    options for stages of a given name (the configured ones: ``--weights`` for the classifier,
    say), used again when the page switches back to that name.
    """

    def __init__(self, plugins: PluginManager, current: dict[str, str],
                 options: dict[str, dict[str, dict[str, Any]]] | None = None) -> None:
        self._plugins = plugins
        self._choices = {kind: sorted({p.factory.name for p in plugins.provided(kind)}) for kind in SWITCHABLE}
        self._options = options or {}
        self._lock = threading.Lock()
        self._build_lock = threading.Lock()  # one model load at a time (and one fd-2 redirection)
        self._current = {kind: current.get(kind, "") for kind in SWITCHABLE}
        self._building: dict[str, str] = {}
        self._ready: dict[str, tuple[str, Any]] = {}
        self._paused = False
        self._error: str | None = None
        self._version = 0

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def version(self) -> int:
        """Grows with every change of state, so viewers know when to fetch :meth:`state` again."""
        return self._version

    def choices(self) -> dict[str, list[str]]:
        """The installed stage names per switchable kind: the allow-list for :meth:`switch`."""
        return {kind: list(names) for kind, names in self._choices.items()}

    def pause(self) -> None:
        with self._lock:
            if not self._paused:
                self._paused = True
                self._version += 1

    def resume(self) -> None:
        with self._lock:
            if self._paused:
                self._paused = False
                self._version += 1

    def switch(self, kind: str, name: str) -> None:
        """Start building stage ``name`` of ``kind``; a name that is not installed raises ``ValueError``."""
        if kind not in SWITCHABLE:
            raise ValueError(f"only the {', '.join(SWITCHABLE)} can be switched, not {kind!r}")
        if name not in self._choices[kind]:
            raise ValueError(f"no {kind} named {name!r}; installed: {', '.join(self._choices[kind]) or 'none'}")
        with self._lock:
            if self._building.get(kind) == name or (name == self._current[kind] and kind not in self._building):
                return
            self._building[kind] = name
            self._ready.pop(kind, None)
            self._error = None
            self._version += 1
        threading.Thread(target=self._build, args=(kind, name), name=f"fer-video-build-{kind}", daemon=True).start()

    def _build(self, kind: str, name: str) -> None:
        options = self._options.get(kind, {}).get(name, {})
        try:
            with self._build_lock, native_logs_hidden():
                stage = self._plugins.create(kind, name, **options)
        except Exception as error:  # reported to the page; the running stage stays
            with self._lock:
                if self._building.get(kind) == name:
                    del self._building[kind]
                    self._error = f"could not switch the {kind} to {name}: {_said(error)}"
                    self._version += 1
            return
        with self._lock:
            replaced = self._building.get(kind) != name  # by a later request
            if not replaced:
                del self._building[kind]
                self._ready[kind] = (name, stage)
                self._version += 1
        if replaced:
            close_stages([(kind, stage)])

    def before_frame(self, pipeline: Any, frame: Frame) -> bool:
        """The pipeline's hook: swap in finished stages, closing the ones they replace, and say whether
        to analyse this frame."""
        if self._ready:
            replaced = []
            with self._lock:
                ready, self._ready = self._ready, {}
                for kind, (name, stage) in ready.items():
                    replaced.append((kind, getattr(pipeline, kind, None)))
                    setattr(pipeline, kind, stage)
                    self._current[kind] = name
                self._version += 1
            problems = close_stages([(kind, old) for kind, old in replaced if old is not getattr(pipeline, kind)])
            if problems:
                with self._lock:
                    self._error = "; ".join(problems)
                    self._version += 1
        return not self._paused

    def state(self) -> dict[str, Any]:
        """A JSON-ready snapshot: paused, the running and the pending stages, the installed ones, the last error."""
        with self._lock:
            return {
                "paused": self._paused,
                "stages": dict(self._current),
                "switching": dict(self._building),
                "choices": self.choices(),
                "error": self._error,
                "version": self._version,
            }


def _said(error: Exception) -> str:
    """A stage's failure to build, for the page: the user's mistake as is, a bug with its type."""
    if isinstance(error, (ValueError, FileNotFoundError, FileExistsError, LookupError)):
        return one_line(error)
    return f"{type(error).__name__}: {one_line(error)}"
