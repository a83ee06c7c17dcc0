"""``fer-video report``: the page and the figure from real and synthesised timelines, long ones, bad ones,
and the page opened in a real headless Chromium."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest

from fer_video.emotions import EMOTIONS
from fer_video.palette import EMOTION_COLOURS, EMOTION_DASHES, EMOTION_WIDTHS, face_colour
from fer_video.report import read_timeline
from fer_video.report.figure import DPI, figure_size
from fer_video.report.page import MAX_POINTS
from fer_video.report.summary import PEAK_MIN_SCORE, summarise
from tests.support import ARTIFACTS, PLANTED, ffmpeg, partial_files, run_cli, synthesise_timeline

HOUR_ROWS = 108_000
def report_data(page: str) -> dict:
    """The JSON the page's charts are drawn from."""
    text = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S).group(1)
    return json.loads(text.replace("<\\/", "</"))


# --- a real run: annotate --report, then report from its CSV and JSONL -------------------------------------


@pytest.fixture(scope="module")
def analysed(sample_video, tmp_path_factory):
    """``fer-video annotate --csv --jsonl --report`` on the real sample video, as a user runs it."""
    folder = tmp_path_factory.mktemp("analysed")
    result = run_cli("annotate", sample_video, "-o", folder / "annotated.mp4", "--csv", folder / "t.csv",
                     "--jsonl", folder / "t.jsonl", "--report", folder / "report.html", "-q")
    assert result.returncode == 0, result.stderr
    assert f"wrote {folder / 'report.html'}" in result.stderr
    return folder


def test_annotate_report_has_the_run_facts_and_one_section_per_face(analysed, sample_video):
    page = (analysed / "report.html").read_text()
    table = pd.read_csv(analysed / "t.csv")
    ids = sorted(table["face_id"].unique())
    assert len(ids) >= 2, "the sample video has two faces at once"
    assert re.findall(r'<section class="face" id="face-(\d+)"', page) == [str(i) for i in ids]
    for label, value in [("video", "sample.mp4"), ("frames", "60"), ("frame rate", "30 fps"), ("size", "640×360"),
                         ("detector", "mediapipe"), ("classifier", "fernet"), ("smoother", "ema")]:
        assert re.search(f"<dt>{label}</dt><dd>{re.escape(value)}", page), label
    assert re.search(r"<dt>classifier accuracy</dt><dd>\d+\.\d% on FER-2013", page)
    assert page.count('alt="face #') == len(ids), "a thumbnail per face"
    assert page.count("data:image/jpeg;base64,") >= len(ids) * 2, "thumbnails and stills at the peaks"
    for face_id in ids:  # on-screen time: its rows at 30 fps
        seconds = (table["face_id"] == face_id).sum() / 30
        assert f"on screen {seconds:.1f} s" in page
    assert partial_files(analysed) == []


def test_the_best_detection_and_the_peaks_come_from_the_face_itself(analysed):
    timeline = read_timeline(analysed / "t.csv")
    for face in timeline.faces:
        summary = summarise(face, timeline.fps)
        assert face.detector_scores[summary.best_row] == face.detector_scores.max()
        assert summary.seconds == pytest.approx(len(face.frames) / 30)
        assert sum(summary.shares.values()) == pytest.approx(1)
        for i, name in enumerate(EMOTIONS):
            clear = face.scores[(face.top == i) & (face.scores[:, i] >= PEAK_MIN_SCORE), i]
            if len(clear):
                assert summary.peaks[name][0].score == pytest.approx(clear.max())
            else:
                assert name not in summary.peaks, "a peak where the emotion was never clearly on top"


def test_csv_and_jsonl_give_the_same_page(analysed, tmp_path):
    for name in ("t.csv", "t.jsonl"):
        result = run_cli("report", analysed / name, "-o", tmp_path / f"{name}.html")
        assert result.returncode == 0, result.stderr
    from_csv, from_jsonl = ((tmp_path / f"{name}.html").read_text() for name in ("t.csv", "t.jsonl"))
    assert report_data(from_csv) == report_data(from_jsonl)
    strip = re.compile(r"t\.(csv|jsonl)")
    assert strip.sub("", from_csv) == strip.sub("", from_jsonl)


def test_a_timeline_without_the_raw_columns_or_without_faces(analysed, tmp_path):
    table = pd.read_csv(analysed / "t.csv")
    table.drop(columns=[c for c in table.columns if c.startswith("raw_")]).to_csv(tmp_path / "plain.csv", index=False)
    table.head(0).to_csv(tmp_path / "empty.csv", index=False)
    (tmp_path / "empty.jsonl").write_text("")
    assert run_cli("report", tmp_path / "plain.csv", "-o", tmp_path / "plain.html").returncode == 0
    plain = (tmp_path / "plain.html").read_text()
    assert "none: the scores are each frame&#x27;s own" in plain
    assert len(report_data(plain)["faces"]) == table["face_id"].nunique()
    for name in ("empty.csv", "empty.jsonl"):
        result = run_cli("report", tmp_path / name, "-o", tmp_path / f"{name}.html")
        assert result.returncode == 0, result.stderr
        page = (tmp_path / f"{name}.html").read_text()
        assert "No faces in this timeline" in page and 'class="face"' not in page
        assert report_data(page)["faces"] == []
    result = run_cli("report", tmp_path / "empty.csv", "-o", tmp_path / "empty.png")
    assert result.returncode == 0, result.stderr
    assert cv2.imread(str(tmp_path / "empty.png")).shape[:2] == (round(figure_size(0)[1] * DPI),
                                                                  round(figure_size(0)[0] * DPI))


# --- the figure -------------------------------------------------------------------------------------------


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])


def _near(image_rgb: np.ndarray, hex_colour: str, tolerance: int = 4) -> np.ndarray:
    return (np.abs(image_rgb.astype(int) - _rgb(hex_colour)) <= tolerance).all(axis=2)


def test_the_figure_has_a_panel_per_face_in_its_colour_and_every_emotion_colour(analysed, tmp_path):
    result = run_cli("report", analysed / "t.csv", "-o", tmp_path / "timeline.png")
    assert result.returncode == 0, result.stderr
    image = cv2.cvtColor(cv2.imread(str(tmp_path / "timeline.png")), cv2.COLOR_BGR2RGB)
    ids = sorted(pd.read_csv(analysed / "t.csv")["face_id"].unique())
    width, height = figure_size(len(ids))
    assert image.shape[:2] == (round(height * DPI), round(width * DPI))
    panel_tops = []
    for face_id in ids:  # each panel's frame is drawn in its face's colour: a top and a bottom edge
        rows = np.flatnonzero(_near(image, face_colour(face_id), 12).mean(axis=1) > 0.6)
        edges = [group[0] for group in np.split(rows, np.flatnonzero(np.diff(rows) > 2) + 1) if len(group)]
        assert len(edges) == 2, (face_id, edges)
        panel_tops.append(edges[0])
    assert panel_tops == sorted(panel_tops), "faces top to bottom in id order"
    for name, colour in EMOTION_COLOURS.items():
        assert _near(image, colour).sum() > 30, f"no {name} ({colour}) in the figure"


def test_the_svg_figure_and_its_line_styles_for_grey_print(analysed, tmp_path):
    assert run_cli("report", analysed / "t.csv", "-o", tmp_path / "timeline.svg").returncode == 0
    svg = (tmp_path / "timeline.svg").read_text()
    faces = pd.read_csv(analysed / "t.csv")["face_id"].nunique()
    assert len(re.findall(r'<g id="axes_\d+"', svg)) == faces
    for colour in EMOTION_COLOURS.values():
        assert colour in svg
    styles = {(EMOTION_DASHES[name], EMOTION_WIDTHS[name]) for name in EMOTIONS}
    assert len(styles) == len(EMOTIONS), "two emotions would look alike in grey"


# --- long timelines: bounded points, kept peaks -----------------------------------------------------------


def test_an_hour_long_timeline_gives_a_small_page_in_seconds(tmp_path):
    timeline = synthesise_timeline(tmp_path / "hour.csv", seconds=HOUR_ROWS / 30)
    assert sum(1 for _ in timeline.open()) == HOUR_ROWS + 1
    started = time.perf_counter()
    result = run_cli("report", timeline, "-o", tmp_path / "hour.html")
    seconds = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    size = (tmp_path / "hour.html").stat().st_size
    print(f"one hour, {HOUR_ROWS:,} rows: page of {size / 1e6:.2f} MB in {seconds:.1f} s")
    assert size < 3e6 and seconds < 30
    page = (tmp_path / "hour.html").read_text()
    face = report_data(page)["faces"][0]
    assert len(face["x"]) <= MAX_POINTS
    assert max(face["scores"][EMOTIONS.index(PLANTED["emotion"])]) == PLANTED["score"], "the peak is drawn"
    assert '<b>surprise</b> 99% at 39:05.6' in page, "and listed with its timestamp"
    started = time.perf_counter()
    assert run_cli("report", timeline, "-o", tmp_path / "hour.png").returncode == 0
    assert time.perf_counter() - started < 30


# --- bad input: one line, an exit code, nothing written -------------------------------------------------


def _refused(tmp_path, *args: str, code: int, message: str) -> None:
    before = sorted(tmp_path.iterdir())
    result = run_cli("report", *map(str, args))
    assert result.returncode == code, result.stderr
    assert message in result.stderr
    if code == 1:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert sorted(tmp_path.iterdir()) == before, "something was written"


def test_bad_timelines_are_refused_with_one_line(tmp_path, sample_video):
    (tmp_path / "notes.csv").write_text("shopping list\neggs\nmilk\n")
    _refused(tmp_path, tmp_path / "notes.csv", "-o", tmp_path / "r.html", code=1,
             message="notes.csv is not a fer-video timeline")
    _refused(tmp_path, sample_video, "-o", tmp_path / "r.html", code=1, message="sample.mp4 is not a timeline")
    _refused(tmp_path, tmp_path / "missing.csv", "-o", tmp_path / "r.html", code=1,
             message="missing.csv does not exist")
    table = pd.read_csv(synthesise_timeline(tmp_path / "good.csv", seconds=2))
    table.drop(columns=["happy", "face_id"]).to_csv(tmp_path / "partial.csv", index=False)
    _refused(tmp_path, tmp_path / "partial.csv", "-o", tmp_path / "r.png", code=1,
             message="partial.csv lacks the timeline columns face_id, happy")
    table.assign(sad="n/a").to_csv(tmp_path / "words.csv", index=False)
    _refused(tmp_path, tmp_path / "words.csv", "-o", tmp_path / "r.html", code=1,
             message="has 'n/a' in column 'sad', where a number belongs")
    (tmp_path / "half.jsonl").write_text('{"frame": 0}\nnot json\n')
    _refused(tmp_path, tmp_path / "half.jsonl", "-o", tmp_path / "r.html", code=1, message="lacks the timeline columns")


def test_a_video_that_does_not_match_the_timeline_is_refused(tmp_path, sample_video):
    other_rate = synthesise_timeline(tmp_path / "at25.csv", seconds=1, fps=25)
    _refused(tmp_path, other_rate, "--video", sample_video, "-o", tmp_path / "r.html", code=1,
             message="plays at 30.000 fps but at25.csv was made at 25.000 fps")
    longer = synthesise_timeline(tmp_path / "long.csv", seconds=10)
    _refused(tmp_path, longer, "--video", sample_video, "-o", tmp_path / "r.html", code=1,
             message="has faces up to frame 299 but --video sample.mp4 has only 60 frames")
    _refused(tmp_path, longer, "--video", longer, "-o", tmp_path / "r.html", code=1,
             message="is not a video fer-video can read")


def test_outputs_usage_and_overwriting(tmp_path, sample_video):
    timeline = synthesise_timeline(tmp_path / "t.csv", seconds=2)
    _refused(tmp_path, timeline, "-o", tmp_path / "r.pdf", code=2, message="table (.csv), not 'r.pdf'")
    _refused(tmp_path, timeline, "-o", timeline, code=2, message="is the input file")
    (tmp_path / "r.html").write_text("keep me")
    _refused(tmp_path, timeline, "-o", tmp_path / "r.html", code=2, message="already exists; pass --force")
    assert (tmp_path / "r.html").read_text() == "keep me"
    assert run_cli("report", timeline, "-o", tmp_path / "r.html", "--force").returncode == 0
    assert (tmp_path / "r.html").read_text().startswith("<!doctype html>")
    result = run_cli("annotate", sample_video, "-o", tmp_path / "out.mp4", "--report", tmp_path / "a.html")
    assert result.returncode == 2 and "add --csv FILE" in result.stderr
    assert not (tmp_path / "out.mp4").exists() and not (tmp_path / "a.html").exists()


# --- the page in a real browser ---------------------------------------------------------------------------


def _open(browser, path: Path):
    """The page, and lists collecting its console errors and every request it makes."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    problems: list[str] = []
    requests: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: message.type in ("error", "warning") and problems.append(message.text))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.resolve().as_uri())
    return page, problems, requests


def test_the_page_renders_offline_with_a_zoomable_chart_per_face(analysed, browser):
    path = analysed / "report.html"
    page, problems, requests = _open(browser, path)
    ids = sorted(pd.read_csv(analysed / "t.csv")["face_id"].unique())
    page.wait_for_selector(".chart[data-ready=true] canvas", timeout=10_000)
    assert page.locator("section.face").count() == len(ids)
    assert page.locator("section.face .chart[data-ready=true] canvas").count() == len(ids)
    assert page.evaluate("[...document.images].every((i) => i.complete && i.naturalWidth > 0)")
    chart = page.locator(f'.chart[data-face-id="{ids[0]}"] .u-over')
    box = chart.bounding_box()
    whole = float(page.locator(f'.chart[data-face-id="{ids[0]}"]').get_attribute("data-xmax"))
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    zoomed = float(page.locator(f'.chart[data-face-id="{ids[0]}"]').get_attribute("data-xmax"))
    assert zoomed < whole, "dragging across the chart zooms into that stretch"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    assert not problems, problems
    assert requests == [path.resolve().as_uri()], "the page asked for something beyond itself"
    page.close()


GONE = (69, 90)
"""Frames the face is missing from in :func:`_calm_face_smiling_once`, at 25 fps: 2.76 s to 3.6 s."""


def _calm_face_smiling_once(path: Path) -> Path:
    """Six seconds at 25 fps of a calm face (surprise never above 4%) that smiles clearly at 1 s and
    leaves the view for 0.8 s."""
    table = pd.read_csv(synthesise_timeline(path, seconds=6, fps=25, gap=GONE, smoothed=False))
    rest = (1 - 0.7 - 0.04) / 5
    scores = {name: rest for name in EMOTIONS} | {"neutral": 0.7, "surprise": 0.04}
    for name, value in scores.items():
        table[name] = value
    smiling = table["frame"].between(25, 35)
    table.loc[smiling, list(EMOTIONS)] = [0.8 if name == "happy" else 0.2 / 6 for name in EMOTIONS]
    table["emotion"] = np.where(smiling, "happy", "neutral")
    table["confidence"] = np.where(smiling, 0.8, 0.7)
    table.to_csv(path, index=False)
    return path


def _canvas_column(page, selector: str, x: float) -> list[list[int]]:
    """The RGBA pixels down the chart's plotting area at data value ``x``, read from its canvas (where
    nothing is drawn, transparent; a line's pixels keep its colour, their alpha its coverage)."""
    return page.evaluate("""([selector, x]) => {
      const box = document.querySelector(selector);
      const over = box.querySelector(".u-over").getBoundingClientRect();
      const canvas = box.querySelector("canvas");
      const frame = canvas.getBoundingClientRect();
      const scale = canvas.width / frame.width;
      const [min, max] = [Number(box.dataset.xmin), Number(box.dataset.xmax)];
      const left = Math.round((over.left - frame.left + (x - min) / (max - min) * over.width) * scale);
      const top = Math.round((over.top - frame.top) * scale);
      const pixels = canvas.getContext("2d").getImageData(left, top, 1, Math.round(over.height * scale)).data;
      const column = [];
      for (let i = 0; i < pixels.length; i += 4) column.push([pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]]);
      return column;
    }""", [selector, x])


def test_the_pages_chart_breaks_where_the_face_was_not_seen_and_peaks_are_clear(browser, tmp_path):
    timeline = _calm_face_smiling_once(tmp_path / "t.csv")
    assert run_cli("report", timeline, "-o", tmp_path / "r.html").returncode == 0
    page, problems, requests = _open(browser, tmp_path / "r.html")
    page.wait_for_selector(".chart[data-ready=true] canvas", timeout=10_000)
    selector = '.chart[data-face-id="0"]'

    def drawn(column: list[list[int]]) -> int:
        """Pixels of an emotion's line: opaque enough, and brighter than the grid (#2b3140) can be."""
        pixels = np.array(column)
        return int(((pixels[:, 3] >= 100) & (pixels[:, :3].max(axis=1) >= 150)).sum())

    assert drawn(_canvas_column(page, selector, 1.5)) > 0, "the lines where the face was seen"
    assert drawn(_canvas_column(page, selector, 4.5)) > 0
    middle = (GONE[0] + GONE[1]) / 2 / 25
    assert drawn(_canvas_column(page, selector, middle)) == 0, "a line drawn where the face was not seen"
    peaks = page.locator("section.face .peak")
    assert [peaks.nth(i).get_attribute("data-emotion") for i in range(peaks.count())] == ["happy", "neutral"]
    assert "happy 80%" in page.locator("section.face .peaks").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report-gap.png"), full_page=True)
    mine = "Canvas2D: Multiple readback operations"  # the test's own pixel reads, not the page's doing
    assert not [problem for problem in problems if not problem.startswith(mine)] and len(requests) == 1
    page.close()


def test_an_hour_long_page_opens_in_seconds(browser, tmp_path):
    timeline = synthesise_timeline(tmp_path / "hour.csv", seconds=HOUR_ROWS / 30, faces=2)
    assert run_cli("report", timeline, "-o", tmp_path / "hour.html").returncode == 0
    started = time.perf_counter()
    page, problems, requests = _open(browser, tmp_path / "hour.html")
    while page.evaluate("document.querySelectorAll('.chart[data-ready=true] canvas').length") < 2:
        assert time.perf_counter() - started < 15, "the charts were not drawn"
        time.sleep(0.05)  # polled: Playwright's wait_for_function needs eval, which the page's CSP forbids
    seconds = time.perf_counter() - started
    print(f"two faces over an hour rendered in {seconds:.1f} s")
    assert seconds < 5 and not problems and len(requests) == 1
    page.close()


def test_the_per_face_table_gives_each_face_its_mean_scores_and_dominant_emotion(tmp_path):
    """``report T.csv -o faces.csv``: one row per face, read by pandas as is; the dominant emotion is the
    argmax of the face's mean scores, and the shares of time sum to 1."""
    timeline = synthesise_timeline(tmp_path / "t.csv", seconds=20, faces=2)
    result = run_cli("report", str(timeline), "-o", str(tmp_path / "faces.csv"))
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(tmp_path / "faces.csv")
    rows = pd.read_csv(timeline)
    assert list(table["face_id"]) == [0, 1]
    for face_id, face in rows.groupby("face_id"):
        mine = table.set_index("face_id").loc[face_id]
        means = face[list(EMOTIONS)].mean()
        assert np.allclose([mine[f"mean_{name}"] for name in EMOTIONS], means, atol=1e-4)
        assert mine["dominant_emotion"] == means.idxmax()
        assert mine["frames"] == len(face)
        assert sum(mine[f"share_{name}"] for name in EMOTIONS) == pytest.approx(1, abs=1e-3)
        assert mine["share_happy"] == pytest.approx((face["emotion"] == "happy").mean(), abs=1e-4)


def test_a_one_frame_video_gets_a_page_of_its_one_moment_alone_and_in_a_batch(sample_video, tmp_path):
    """It failed with "no time axis (a timeline of pictures)": a one-frame video is a video."""
    videos = tmp_path / "videos"
    videos.mkdir()
    one = videos / "one.mp4"
    ffmpeg("-ss", "1", "-i", sample_video, "-frames:v", "1", "-an", one)  # faces are on screen at 1 s
    result = run_cli("annotate", one, "-o", tmp_path / "o.mp4", "--csv", tmp_path / "t.csv",
                     "--report", tmp_path / "r.html", "--detector", "haar", "-q")
    assert result.returncode == 0, result.stderr
    data = report_data((tmp_path / "r.html").read_text())
    assert data["timed"] and data["faces"] and all(face["x"] == [0.0] for face in data["faces"])
    assert '<img' in (tmp_path / "r.html").read_text()  # each face's picture, from the video
    result = run_cli("batch", videos, "-o", tmp_path / "results", "--report", "--detector", "haar", "-q")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "results" / "one.html").exists()
    assert pd.read_csv(tmp_path / "results" / "summary.csv").status.tolist() == ["done"]
