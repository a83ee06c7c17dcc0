"""Which videos a batch finds (folders, patterns, files; sorted, each once, hidden ones skipped), where
each one's outputs go, and the output folders it refuses."""

from __future__ import annotations

import pytest

from fer_video.batch.inputs import check_output_folder, find_videos
from fer_video.messages import UsageError


def test_inputs_are_found_sorted_and_mirrored(tmp_path):
    for name in ("day1/b.mp4", "day1/a.MOV", "day1/a.mp4", "day1/notes.txt", "day2/deep/c.mkv",
                 "day2/.hidden.mp4", "day2/.cache/d.mp4", "loose/e.mp4"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    found = find_videos([str(tmp_path / "day1" / "*.mp4"), str(tmp_path / "day1" / "a.MOV"),
                         str(tmp_path / "day2"), str(tmp_path / "loose" / "e.mp4"), str(tmp_path / "day2")])
    assert [(video.name, video.path.relative_to(tmp_path).as_posix()) for video in found.videos] == [
        ("day1/a.MOV", "day1/a.MOV"), ("day1/a.mp4", "day1/a.mp4"), ("day1/b", "day1/b.mp4"),
        ("day2/deep/c", "day2/deep/c.mkv"), ("loose/e", "loose/e.mp4")]
    assert found.videos[2].output(tmp_path / "out", ".csv") == tmp_path / "out" / "day1" / "b.csv"
    check_output_folder(tmp_path / "out", found)  # beside the inputs' folders: fine
    for inside in (tmp_path / "day2" / "out", tmp_path / "day1"):
        with pytest.raises(UsageError):
            check_output_folder(inside, found)
    alone = find_videos([str(tmp_path / "loose" / "e.mp4")])
    assert [video.name for video in alone.videos] == ["e"]
    with pytest.raises(UsageError, match="beside it"):
        check_output_folder(tmp_path / "loose", alone)
    with pytest.raises(FileNotFoundError, match="matches no video"):
        find_videos([str(tmp_path / "day1" / "*.avi")])


def test_every_video_gets_outputs_of_its_own_whatever_their_names(tmp_path):
    """a.mp4, a.mov and a.mp4.mov gave two videos the output a.mp4.csv: one timeline was lost."""
    for name in ("a.mp4", "a.mov", "a.mp4.mov", "b.mkv", "summary.mp4", "index.webm", "sub/summary.mp4"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    names = {video.path.name if video.path.parent == tmp_path else f"sub/{video.path.name}": video.name
             for video in find_videos([str(tmp_path)]).videos}
    assert names == {"a.mp4": "a.mp4", "a.mov": "a.mov", "a.mp4.mov": "a.mp4.mov", "b.mkv": "b",
                     "summary.mp4": "summary.mp4", "index.webm": "index.webm", "sub/summary.mp4": "sub/summary"}


def test_an_output_folder_reached_through_a_symlink_is_refused_inside_the_input(tmp_path):
    """``ln -s vids vl; batch vids -o vl/res`` wrote inside vids/: the check compared paths as written."""
    (tmp_path / "vids").mkdir()
    (tmp_path / "vids" / "a.mp4").write_bytes(b"")
    (tmp_path / "vl").symlink_to(tmp_path / "vids")
    (tmp_path / "a.mp4").symlink_to(tmp_path / "vids" / "a.mp4")
    with pytest.raises(UsageError, match="inside the input folder"):
        check_output_folder(tmp_path / "vl" / "res", find_videos([str(tmp_path / "vids")]))
    with pytest.raises(UsageError, match="the input folder"):
        check_output_folder(tmp_path / "vl", find_videos([str(tmp_path / "vids")]))
    with pytest.raises(UsageError, match="beside it"):
        check_output_folder(tmp_path / "vl", find_videos([str(tmp_path / "vids" / "a.mp4")]))
