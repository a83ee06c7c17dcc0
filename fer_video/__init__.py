"""fer-video: facial emotion recognition on video, built from plugins.

This module is the public API: a plugin or a program needs nothing beyond the names in
``__all__``, and those keep working across releases. Everything under ``fer_video.*`` that
is not re-exported here may move. A video's timeline in memory, as ``fer-video timeline`` makes it::

    import fer_video

    timeline = fer_video.analyze("talk.mp4", detect_every=1)
    frame = timeline.to_pandas()

Running a pipeline of one's own stages and sinks::

    from fer_video import Pipeline, PluginManager, open_source

Writing a plugin: implement a protocol (``Detector``, ``Classifier``, ``Tracker``,
``Smoother``, ``Sink``...), return a ``StageFactory`` from a hook decorated with ``hookimpl``,
and register the module under the ``fer_video`` entry-point group (see the docs' plugin guide).

Names are imported when first used, so that ``import fer_video`` (which every plugin and the
``fer-video`` command do first) stays light: the command answers Ctrl+C before NumPy and OpenCV load.
"""

from __future__ import annotations

from importlib import import_module

TYPE_CHECKING = False  # typing's own, without importing typing here

__version__ = "0.1.0"

_LAZY = {
    # the data that flows through a pipeline
    "EMOTIONS": "fer_video.emotions",
    "Face": "fer_video.types",
    "Frame": "fer_video.types",
    "RunInfo": "fer_video.types",
    "SourceInfo": "fer_video.types",
    "SourceKind": "fer_video.types",
    "Framing": "fer_video.framing",
    # what stages implement
    "Detector": "fer_video.protocols",
    "Classifier": "fer_video.protocols",
    "Tracker": "fer_video.protocols",
    "Smoother": "fer_video.protocols",
    "Sink": "fer_video.protocols",
    "Source": "fer_video.protocols",
    "SupportsClose": "fer_video.protocols",
    "SupportsDiscard": "fer_video.protocols",
    "Annotator": "fer_video.protocols",
    "StopPipeline": "fer_video.protocols",
    # how plugins offer stages
    "hookimpl": "fer_video.plugins.hookspecs",
    "StageFactory": "fer_video.plugins.factories",
    "ClassifierFactory": "fer_video.plugins.factories",
    "PluginManager": "fer_video.plugins.manager",
    # running a pipeline
    "Pipeline": "fer_video.runtime.pipeline",
    "RunSummary": "fer_video.runtime.run_summary",
    "open_source": "fer_video.io.sources",
    # the timeline in memory: what `fer-video timeline` writes, as rows
    "analyze": "fer_video.application.analyze",
    "Timeline": "fer_video.io.timeline_table",
    "read_timeline": "fer_video.io.timeline_table",
    # writing outputs the way built-in sinks do
    "AtomicFile": "fer_video.io.atomic",
    "H264Writer": "fer_video.io.ffmpeg",
}

if TYPE_CHECKING:
    import pluggy

    hookimpl: pluggy.HookimplMarker
    """Decorator for a plugin's hook functions (see :mod:`fer_video.plugins.hookspecs`)."""
    from fer_video.emotions import EMOTIONS
    from fer_video.framing import Framing
    from fer_video.io.atomic import AtomicFile
    from fer_video.io.ffmpeg import H264Writer
    from fer_video.io.sources import open_source
    from fer_video.io.timeline_table import Timeline, read_timeline
    from fer_video.plugins.factories import ClassifierFactory, StageFactory
    from fer_video.plugins.manager import PluginManager
    from fer_video.protocols import Annotator, Classifier, Detector, Sink, Smoother, Source, Tracker

    # isort: split
    from fer_video.application.analyze import analyze
    from fer_video.protocols import StopPipeline, SupportsClose, SupportsDiscard
    from fer_video.runtime.pipeline import Pipeline
    from fer_video.runtime.run_summary import RunSummary
    from fer_video.types import Face, Frame, RunInfo, SourceInfo, SourceKind


def __getattr__(name: str) -> object:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'fer_video' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "Annotator",
    "AtomicFile",
    "Classifier",
    "ClassifierFactory",
    "Detector",
    "EMOTIONS",
    "Face",
    "Frame",
    "Framing",
    "H264Writer",
    "Pipeline",
    "PluginManager",
    "RunInfo",
    "RunSummary",
    "Sink",
    "Smoother",
    "Source",
    "SourceInfo",
    "SourceKind",
    "StageFactory",
    "StopPipeline",
    "SupportsClose",
    "SupportsDiscard",
    "Timeline",
    "Tracker",
    "analyze",
    "hookimpl",
    "open_source",
    "read_timeline",
]
