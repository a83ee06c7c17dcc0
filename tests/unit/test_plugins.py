"""Plugins: discovery through entry points, overriding and blocking, and a core that
imports no concrete stage."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from fer_video import hookimpl
from fer_video.plugins.factories import StageFactory
from fer_video.plugins.manager import PluginManager, UnknownStageError

CORE = Path(__file__).resolve().parents[2] / "fer_video"


def test_core_imports_no_concrete_stage():
    """fer_video/ outside builtins/ must not import a detector, model or the builtins themselves."""
    forbidden = {"mediapipe", "fer_video.builtins"}
    for path in CORE.rglob("*.py"):
        if "builtins" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not any(name == f or name.startswith(f + ".") for f in forbidden), f"{path}: {name}"


class _LoudHaar:
    @hookimpl
    def fer_video_detectors(self):
        return [StageFactory("haar", lambda: "replacement", "a plugin's own haar")]


def test_a_later_plugin_overrides_a_stage_of_the_same_name():
    plugins = PluginManager()
    plugins.register(_LoudHaar(), "loud")
    assert plugins.create("detector", "haar") == "replacement"
    assert plugins.find("detector", "haar").distribution == "registered in code"


def test_unknown_names_list_the_known_ones():
    with pytest.raises(UnknownStageError, match="known smoothers: ema, none, vote"):
        PluginManager().find("smoother", "kalman")


def test_blocked_plugins_are_not_loaded(monkeypatch):
    monkeypatch.setenv("FER_VIDEO_BLOCK_PLUGINS", "haar, smoothers")
    plugins = PluginManager()
    assert [p.factory.name for p in plugins.provided("detector")] == ["mediapipe"]
    assert plugins.provided("smoother") == []
