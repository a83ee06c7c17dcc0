"""fer-video: facial emotion recognition on video, built from plugins.

The few names most programs need::

    from fer_video import Pipeline, PluginManager, open_source
"""

from __future__ import annotations

import pluggy

hookimpl = pluggy.HookimplMarker("fer_video")
"""Decorator for a plugin's hook functions (see :mod:`fer_video.hookspecs`)."""

__version__ = "0.1.0"

from fer_video.emotions import EMOTIONS  # noqa: E402
from fer_video.face import Face  # noqa: E402
from fer_video.frame import Frame  # noqa: E402
from fer_video.pipeline import Pipeline, RunSummary  # noqa: E402
from fer_video.plugin_manager import PluginManager  # noqa: E402
from fer_video.sources import open_source  # noqa: E402

__all__ = ["EMOTIONS", "Face", "Frame", "Pipeline", "PluginManager", "RunSummary", "hookimpl", "open_source"]
