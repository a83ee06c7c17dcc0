"""The sinks that write a file (csv, jsonl, video), built from Python, keep the command's promise: an existing
file is not replaced unless asked (``force=True``, the command's ``--force``), and a folder never is."""

from __future__ import annotations

import numpy as np
import pytest

from fer_video import Face, Frame, PluginManager, RunInfo, SourceInfo


def _write_one_row(sink) -> None:
    sink.start(RunInfo(source=SourceInfo(path=None, fps=30.0, width=64, height=64)))
    sink.write(Frame(0, 0.0, np.zeros((64, 64, 3), np.uint8),
                     faces=[Face(1, 2, 30, 30, face_id=0, scores=np.full(7, 1 / 7, np.float32))]))
    sink.close()


@pytest.mark.parametrize("name", ["csv", "jsonl"])
def test_an_existing_file_is_kept_unless_forced(name, tmp_path):
    plugins = PluginManager()
    existing = tmp_path / f"t.{name}"
    existing.write_text("keep me")
    with pytest.raises(FileExistsError, match=f"t.{name} already exists; pass force=True to overwrite it"):
        plugins.create("sink", name, output=existing)
    assert existing.read_text() == "keep me"
    _write_one_row(plugins.create("sink", name, output=existing, force=True))
    assert "happy" in existing.read_text()
    assert [path.name for path in tmp_path.iterdir()] == [f"t.{name}"]


def test_an_existing_video_is_kept_unless_forced(tmp_path):
    plugins = PluginManager()
    existing = tmp_path / "annotated.mp4"
    existing.write_text("keep me")
    with pytest.raises(FileExistsError, match="annotated.mp4 already exists; pass force=True to overwrite it"):
        plugins.create("sink", "video", output=existing)
    assert existing.read_text() == "keep me"
    plugins.create("sink", "video", output=existing, force=True)  # replaced only once a run publishes a copy


@pytest.mark.parametrize("name", ["csv", "jsonl", "video"])
def test_a_folder_is_never_replaced(name, tmp_path):
    with pytest.raises(ValueError, match="is a folder"):
        PluginManager().create("sink", name, output=tmp_path, force=True)


def test_a_new_file_needs_no_force(tmp_path):
    _write_one_row(PluginManager().create("sink", "csv", output=tmp_path / "new.csv"))
    assert (tmp_path / "new.csv").read_text().startswith("frame,time_s,face_id")


def test_a_device_is_written_into_without_force():
    _write_one_row(PluginManager().create("sink", "csv", output="/dev/null"))
