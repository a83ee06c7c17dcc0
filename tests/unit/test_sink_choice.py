"""The commands pick their sinks by what a sink declares it writes, never by a built-in name."""

from __future__ import annotations

from pathlib import Path

import pytest

from fer_video import hookimpl
from fer_video.application.analysis import output_sink, sink_for
from fer_video.messages import UsageError
from fer_video.plugins.factories import StageFactory
from fer_video.plugins.manager import PluginManager, UnknownStageError


class _Sink:
    def __init__(self, output: str | None = None) -> None:
        self.output = output


class _TimelinePlugin:
    @hookimpl
    def fer_video_sinks(self) -> list[StageFactory]:
        return [StageFactory("parquet-ish", _Sink, "a timeline of our own", writes="timeline", suffixes=(".csv",))]


def test_the_builtin_sinks_answer_for_what_they_write():
    plugins = PluginManager()
    assert sink_for(plugins, "timeline", ".csv").name == "csv"
    assert sink_for(plugins, "timeline", ".jsonl").name == "jsonl"
    assert sink_for(plugins, "video").name == "video"
    assert sink_for(plugins, "picture").name == "image"
    assert sink_for(plugins, "window").name == "window"
    assert sink_for(plugins, "page").name == "web"


def test_a_later_plugin_takes_the_place_of_a_builtin_sink():
    plugins = PluginManager()
    plugins.register(_TimelinePlugin(), "ours")
    assert sink_for(plugins, "timeline", ".csv").name == "parquet-ish"
    assert sink_for(plugins, "timeline", ".jsonl").name == "jsonl"


def test_nothing_writing_it_is_a_one_line_error_naming_the_listing():
    plugins = PluginManager(load_entry_points=False)
    with pytest.raises(UnknownStageError, match="no installed sink writes video.*fer-video plugins"):
        sink_for(plugins, "video")


def test_annotate_output_sink_follows_the_input(tmp_path):
    plugins = PluginManager()
    video, picture, folder = tmp_path / "in.mp4", tmp_path / "in.jpg", tmp_path / "pictures"
    video.touch(), picture.touch(), folder.mkdir()
    assert output_sink(plugins, video, tmp_path / "out.MOV").name == "video"
    assert output_sink(plugins, picture, tmp_path / "out.png").name == "image"
    assert output_sink(plugins, folder, tmp_path / "annotated").name == "image"
    assert output_sink(plugins, video, Path("/dev/null")).name == "video"
    with pytest.raises(UsageError, match="name the output .mp4"):
        output_sink(plugins, video, tmp_path / "out.png")
    with pytest.raises(UsageError, match="name the output .jpg or .png"):
        output_sink(plugins, picture, tmp_path / "out.mp4")
