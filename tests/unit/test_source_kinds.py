"""What each source says it is: a kind (video, webcam, image, folder) and whether it is live. A video
file played in real time is a live video, not a webcam (it used to say ``webcam``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fer_video.io.sources import open_source
from fer_video.types import SourceInfo, SourceKind


def test_each_source_names_its_kind_and_a_file_played_live_is_a_live_video(sample_video, picture_files):
    expected = [
        (sample_video, {}, SourceKind.VIDEO, False),
        (sample_video, {"live": True, "loop": False}, SourceKind.VIDEO, True),
        (picture_files["astronaut"], {}, SourceKind.IMAGE, False),
        (picture_files["astronaut"].parent, {}, SourceKind.FOLDER, False),
    ]
    for location, options, kind, live in expected:
        source = open_source(location, **options)
        try:
            assert (source.info.kind, source.info.live) == (kind, live), location
        finally:
            source.close()


def test_a_kind_reads_as_its_name_in_outputs_and_compares_with_it():
    info = SourceInfo(path=None, fps=30.0, width=640, height=480, live=True, kind=SourceKind.WEBCAM)
    assert info.kind == "webcam" and f"{info.kind}" == "webcam"
    assert json.dumps({"kind": info.kind}) == '{"kind": "webcam"}'
    assert [kind.pictures for kind in SourceKind] == [False, False, True, True]


def test_a_source_of_a_plugin_may_name_its_kind_with_a_string():
    info = SourceInfo(path=Path("shots"), fps=0.0, width=0, height=0, kind="folder")
    assert info.kind is SourceKind.FOLDER
    with pytest.raises(ValueError, match="'tape'"):
        SourceInfo(path=None, fps=0.0, width=0, height=0, kind="tape")
