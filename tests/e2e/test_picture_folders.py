"""A folder of pictures holds unrelated photos: each is its own sequence, its rows name it (issue 13, item 9)."""

from __future__ import annotations

import csv
import shutil

import cv2
import numpy as np
import pandas as pd

from fer_video.emotions import EMOTIONS
from fer_video.io.csv_cells import REAL_TEXT_PATTERN
from tests.support import run_cli


def _same_size_portraits(pictures, folder):
    """Three photos whose faces sit in the same place, as in a folder of passport-style portraits."""
    folder.mkdir()
    for name, key in (("1-astronaut.jpg", "astronaut"), ("2-hopper.jpg", "hopper"), ("3-astronaut-again.jpg",
                                                                                     "astronaut")):
        face = cv2.resize(pictures[key], (240, 240), interpolation=cv2.INTER_AREA)
        cv2.imwrite(str(folder / name), cv2.copyMakeBorder(face, 60, 60, 60, 60, cv2.BORDER_REPLICATE))


def test_each_picture_of_a_folder_is_its_own_sequence_and_its_rows_name_it(pictures, tmp_path):
    photos = tmp_path / "photos"
    _same_size_portraits(pictures, photos)
    timeline = tmp_path / "t.csv"
    result = run_cli("timeline", photos, "-o", timeline, "--smoother", "ema", "-q")
    assert result.returncode == 0, result.stderr
    with timeline.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["file"] for row in rows] == ["1-astronaut.jpg", "2-hopper.jpg", "3-astronaut-again.jpg"]
    for row in rows:
        # A new sequence per picture: ids start again at 0, and nothing is averaged with another photo.
        assert row["face_id"] == "0", row
        smoothed = np.array([float(row[name]) for name in EMOTIONS])
        raw = np.array([float(row[f"raw_{name}"]) for name in EMOTIONS])
        np.testing.assert_allclose(smoothed, raw, atol=2e-4, err_msg=row["file"])
    first, _, again = rows
    assert first["emotion"] == again["emotion"] and first["confidence"] == again["confidence"]


def test_a_video_timeline_has_no_file_column(sample_video, tmp_path):
    timeline = tmp_path / "t.csv"
    result = run_cli("timeline", sample_video, "-o", timeline, "--detector", "haar", "-q")
    assert result.returncode == 0, result.stderr
    assert "file" not in timeline.read_text().splitlines()[0].split(",")


def test_a_report_on_a_folder_of_pictures_gives_each_pictures_face_its_own_row_and_section(pictures, tmp_path):
    photos = tmp_path / "photos"
    _same_size_portraits(pictures, photos)
    timeline = tmp_path / "t.csv"
    assert run_cli("timeline", photos, "-o", timeline, "-q").returncode == 0
    table, page = tmp_path / "faces.csv", tmp_path / "report.html"
    for output in (table, page):
        result = run_cli("report", timeline, "-o", output)
        assert result.returncode == 0, result.stderr
    with table.open(newline="") as handle:
        faces = list(csv.DictReader(handle))
    # Three photos, three faces: not one "face 0" averaged over the astronaut and Grace Hopper.
    assert [(face["file"], face["face_id"], face["frames"]) for face in faces] == [
        ("1-astronaut.jpg", "0", "1"), ("2-hopper.jpg", "0", "1"), ("3-astronaut-again.jpg", "0", "1")]
    with timeline.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [face["dominant_emotion"] for face in faces] == [row["emotion"] for row in rows]
    text = page.read_text()
    assert text.count('<section class="face"') == 3
    assert "(in 2-hopper.jpg)" in text


FORMULA_NAMES = ['=HYPERLINK("x").jpg', "+1.jpg", "-2.jpg", "@a.jpg"]


def test_pictures_named_like_formulas_never_become_formulas_in_any_csv(pictures, sample_video, tmp_path):
    """A spreadsheet ran a picture's name as a formula: the timeline, faces.csv and summary.csv held
    cells beginning with =, +, - or @. Each is quoted as OWASP says; pandas reads the real names back."""
    photos = tmp_path / "photos"
    photos.mkdir()
    face = cv2.copyMakeBorder(pictures["astronaut"], 60, 60, 60, 60, cv2.BORDER_REPLICATE)
    for name in FORMULA_NAMES:
        cv2.imwrite(str(photos / name), face)
    timeline, table = tmp_path / "t.csv", tmp_path / "faces.csv"
    assert run_cli("timeline", photos, "-o", timeline, "--detector", "haar", "-q").returncode == 0
    result = run_cli("report", timeline, "-o", table)
    assert result.returncode == 0, result.stderr
    videos = tmp_path / "videos"
    videos.mkdir()
    shutil.copy(sample_video, videos / "=1+1.mp4")
    result = run_cli("batch", videos, "-o", tmp_path / "results", "--detector", "haar", "-q")
    assert result.returncode == 0, result.stderr
    for path in (timeline, table, tmp_path / "results" / "summary.csv"):
        with path.open(newline="") as handle:
            cells = [cell for row in csv.reader(handle) for cell in row]
        assert not [cell for cell in cells if cell[:1] in ("=", "+", "@")], path  # "-" starts numbers, too
        assert not [cell for cell in cells if cell[:1] == "-" and not cell.replace(".", "").lstrip("-").isdigit()]
    names = pd.read_csv(timeline).file.str.replace(REAL_TEXT_PATTERN, "", regex=True)
    assert sorted(set(names)) == sorted(FORMULA_NAMES)
    assert sorted(pd.read_csv(table).file.str.replace(REAL_TEXT_PATTERN, "", regex=True)) == sorted(FORMULA_NAMES)
    summary = pd.read_csv(tmp_path / "results" / "summary.csv")
    assert list(summary.timeline.str.replace(REAL_TEXT_PATTERN, "", regex=True)) == ["=1+1.csv"]
