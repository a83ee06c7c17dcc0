"""Damaged and skipped pictures are named, and the exit code says so (issue 13, item 10)."""

from __future__ import annotations

import shutil

from tests.support import run_cli


def test_a_truncated_jpeg_is_analysed_as_far_as_it_decodes_and_reported(picture_files, tmp_path):
    data = picture_files["astronaut"].read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data[: len(data) * 2 // 3])
    result = run_cli("annotate", cut, "-o", tmp_path / "out.jpg", "--detector", "haar", "-q")
    assert result.returncode == 1, result.stderr
    assert "cut.jpg is truncated" in result.stderr and "Traceback" not in result.stderr
    assert (tmp_path / "out.jpg").exists()


def test_a_folder_run_names_every_file_it_skipped_or_found_damaged(picture_files, tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    shutil.copy(picture_files["astronaut"], photos / "a.jpg")
    data = picture_files["hopper"].read_bytes()
    (photos / "b.jpg").write_bytes(data[: len(data) // 2])
    (photos / "c.jpg").write_bytes(b"not a picture at all" * 20)
    (photos / "notes.txt").write_text("who is who")
    out = tmp_path / "out"
    result = run_cli("annotate", photos, "-o", out, "--detector", "haar", "-q")
    assert result.returncode == 1, result.stderr
    message = result.stderr
    assert "truncated picture(s) as far as they decode: b.jpg" in message
    assert "unreadable file(s): c.jpg" in message
    assert "not pictures" in message and "notes.txt" in message
    assert sorted(p.name for p in out.iterdir()) == ["a.jpg", "b.jpg"]


def test_a_readme_and_a_sub_folder_beside_the_pictures_are_skipped_with_a_warning(picture_files, tmp_path):
    """A picture folder with a readme.txt failed with exit code 1, as if a picture were damaged."""
    photos = tmp_path / "photos"
    (photos / "older").mkdir(parents=True)
    shutil.copy(picture_files["astronaut"], photos / "a.jpg")
    shutil.copy(picture_files["hopper"], photos / "older" / "b.jpg")
    (photos / "readme.txt").write_text("who is who")
    result = run_cli("annotate", photos, "-o", tmp_path / "out", "--detector", "haar", "-q")
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 2, result.stderr
    assert "not pictures" in warnings[0] and "readme.txt" in warnings[0]
    assert "sub-folder" in warnings[1] and "older" in warnings[1]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.jpg"]
