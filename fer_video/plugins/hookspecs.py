"""The hooks a fer-video plugin can implement.

A plugin is any module or object registered under the ``fer_video`` entry-point group
(``[project.entry-points.fer_video]`` in its pyproject.toml) that implements one or more
of these functions, decorated with :data:`fer_video.hookimpl`. fer-video's own detectors,
classifiers, trackers, smoothers, annotators and sinks are registered the same way.

Each hook returns a list of named factories; a stage is built only when a pipeline asks
for it by name, so a plugin costs nothing until it is used.
"""

from __future__ import annotations

import pluggy

from fer_video.plugins.factories import ClassifierFactory, StageFactory

hookspec = pluggy.HookspecMarker("fer_video")
hookimpl = pluggy.HookimplMarker("fer_video")
"""Decorator for a plugin's hook functions; plugins import it as :data:`fer_video.hookimpl`."""


@hookspec
def fer_video_detectors() -> list[StageFactory]:
    """Face detectors: ``create(**options)`` returns a :class:`fer_video.protocols.Detector`."""


@hookspec
def fer_video_classifiers() -> list[ClassifierFactory]:
    """Emotion classifiers: ``create(weights=None, **options)`` returns a
    :class:`fer_video.protocols.Classifier`; a factory with a ``recipe`` can be trained
    with ``fer-video train``."""


@hookspec
def fer_video_trackers() -> list[StageFactory]:
    """Trackers that give each face an id that stays stable across frames."""


@hookspec
def fer_video_smoothers() -> list[StageFactory]:
    """Smoothers that steady each face id's emotion scores over time."""


@hookspec
def fer_video_sinks() -> list[StageFactory]:
    """Sinks that receive every analysed frame: files, windows, servers.

    ``create(output, **options)`` gets the output path (or ``None``) the user named."""


@hookspec
def fer_video_annotators() -> list[StageFactory]:
    """Annotators that draw a frame for the sinks that show pictures: boxes and labels, blurred faces.

    ``create(**options)`` returns a :class:`fer_video.protocols.Annotator`; a run uses one
    (``--annotator NAME``), and every video, image, window and web sink writes what it draws."""
