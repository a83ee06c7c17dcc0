"""The plugin API a third-party stage is written against: light to import, and honest about whose
mistake a failure is (the user's options, or a bug inside the stage)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from fer_video import hookimpl
from fer_video.plugins.factories import StageFactory
from fer_video.plugins.manager import PluginManager


def test_the_plugin_api_imports_neither_opencv_nor_tensorflow_nor_tomli_w():
    """A plugin that only declares stages pays for none of fer-video's heavy libraries."""
    heavy = ("cv2", "tomli_w", "tensorflow", "keras")
    code = ("import sys\n"
            "import fer_video.plugins.factories, fer_video.plugins.hookspecs, fer_video.protocols, fer_video.types\n"
            f"print(','.join(m for m in {heavy!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"the plugin API imported {result.stdout.strip()}"


class _Stages:
    """A detector that takes one option, and one whose start has a bug (a ``TypeError`` of its own)."""

    @hookimpl
    def fer_video_detectors(self):
        def buggy(threshold: float = 0.5):
            return len(threshold)  # a bug: float has no len()

        return [StageFactory("strict", lambda threshold=0.5: ("strict", threshold)),
                StageFactory("buggy", buggy)]


def test_an_option_the_factory_does_not_take_is_the_users_mistake():
    plugins = PluginManager(load_entry_points=False)
    plugins.register(_Stages(), "stages")
    assert plugins.create("detector", "strict", threshold=0.7) == ("strict", 0.7)
    with pytest.raises(ValueError, match="detector 'strict' does not take these options"):
        plugins.create("detector", "strict", colour="red")


def test_a_type_error_inside_a_stage_keeps_its_type_and_names_the_plugin():
    """Before, every TypeError became "does not take these options": a stage's bug read as the user's mistake."""
    plugins = PluginManager(load_entry_points=False)
    plugins.register(_Stages(), "stages")
    with pytest.raises(TypeError, match="has no len") as caught:
        plugins.create("detector", "buggy", threshold=0.5)
    assert not isinstance(caught.value, ValueError)
    assert "the detector 'buggy' from plugin 'stages' (registered in code) failed to start" in caught.value.__notes__


def test_a_factory_that_hands_its_options_on_checks_them_the_same_way():
    """The web sink's factory takes ``**options`` (it imports the web libraries only when used)."""
    with pytest.raises(ValueError, match=r"sink 'web' does not take these options \(.*'colour'"):
        PluginManager().create("sink", "web", colour="red")
