"""fer-video: facial emotion recognition on video, built from plugins.

The few names most programs need::

    from fer_video import Pipeline, PluginManager, open_source

They are imported when first used, so that ``import fer_video`` (which every plugin and the
``fer-video`` command do first) stays light: the command answers Ctrl+C before NumPy and OpenCV load.
"""

from __future__ import annotations

from importlib import import_module

TYPE_CHECKING = False  # typing's own, without importing typing here

__version__ = "0.1.0"

_LAZY = {
    "hookimpl": "fer_video.hookspecs",
    "EMOTIONS": "fer_video.emotions",
    "Face": "fer_video.face",
    "Frame": "fer_video.frame",
    "Pipeline": "fer_video.pipeline",
    "RunSummary": "fer_video.pipeline",
    "PluginManager": "fer_video.plugin_manager",
    "open_source": "fer_video.sources",
}

if TYPE_CHECKING:
    import pluggy

    hookimpl: pluggy.HookimplMarker
    """Decorator for a plugin's hook functions (see :mod:`fer_video.hookspecs`)."""
    from fer_video.emotions import EMOTIONS
    from fer_video.face import Face
    from fer_video.frame import Frame
    from fer_video.pipeline import Pipeline, RunSummary
    from fer_video.plugin_manager import PluginManager
    from fer_video.sources import open_source


def __getattr__(name: str) -> object:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'fer_video' has no attribute {name!r}")


__all__ = ["EMOTIONS", "Face", "Frame", "Pipeline", "PluginManager", "RunSummary", "hookimpl", "open_source"]
