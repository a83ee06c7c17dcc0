"""``fer-video serve``: the live view in a real headless Chromium, its input checks, its errors, and the
live file source and controls it is built on."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import FER_VIDEO, REPO, ctrl_c_reaches_the_child, run_cli

from fer_video.io.sources import LiveFileSource, open_source
from fer_video.plugins.manager import PluginManager
from fer_video.runtime.controls import PipelineControls
from fer_video.types import Frame

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = REPO / "tests" / "artifacts"


# --- the live file source and the controls (no server) --------------------------------------------


def test_a_live_file_plays_in_real_time_drops_stale_frames_and_loops(sample_video):
    source = open_source(sample_video, live=True)
    assert isinstance(source, LiveFileSource) and source.info.live
    started = time.monotonic()
    indices, captured = [], []
    try:
        for frame in source:
            indices.append(frame.index)
            captured.append(frame.captured)
            time.sleep(0.1)  # a slow pipeline: the source must skip, not queue
            if time.monotonic() - started > 2.6:
                break
    finally:
        source.close()
    assert max(indices) > 61, "a 2 s, 30 fps file looped past its last frame"
    assert max(b - a for a, b in zip(indices, indices[1:])) >= 2, "stale frames were queued, not dropped"
    assert captured == sorted(captured) and time.time() - captured[-1] < 1.0
    assert max(indices) / source.info.fps == pytest.approx(time.monotonic() - started, abs=0.5)


def test_a_live_file_without_loop_ends_after_one_pass(sample_video):
    source = LiveFileSource(sample_video, loop=False)
    started = time.monotonic()
    try:
        frames = [frame.index for frame in source]
    finally:
        source.close()
    assert time.monotonic() - started == pytest.approx(2.0, abs=0.6)  # real time, not as fast as decoding
    assert 40 < len(frames) <= 61 and frames == sorted(frames)


def test_controls_check_names_against_installed_stages_and_swap_between_frames():
    controls = PipelineControls(PluginManager(), {"detector": "haar", "classifier": "fernet", "smoother": "ema"})
    pipeline = SimpleNamespace(smoother="old")
    frame = Frame(index=0, time_s=0.0, image=None)
    with pytest.raises(ValueError, match="no smoother named 'kalman'; installed: ema, none, vote"):
        controls.switch("smoother", "kalman")
    with pytest.raises(ValueError, match="only the detector, classifier, smoother"):
        controls.switch("tracker", "iou")
    controls.switch("smoother", "vote")
    deadline = time.monotonic() + 10
    while controls.state()["switching"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert pipeline.smoother == "old", "nothing changes until the pipeline's next frame"
    assert controls.before_frame(pipeline, frame) is True
    assert type(pipeline.smoother).__name__ == "VoteSmoother" and controls.state()["stages"]["smoother"] == "vote"
    controls.pause()
    assert controls.before_frame(pipeline, frame) is False and controls.state()["paused"]
    controls.resume()
    controls.switch("classifier", "file")  # needs a model file: fails, and says so
    deadline = time.monotonic() + 10
    while controls.state()["switching"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "could not switch the classifier to file" in controls.state()["error"]
    assert controls.state()["stages"]["classifier"] == "fernet"


# --- errors that speak to the user ------------------------------------------------------------------


def test_a_port_in_use_is_reported_before_any_model_loads(sample_video):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run_cli("serve", "--source", sample_video, "--port", str(port), "--detector", "haar", timeout=60)
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr and "--port" in result.stderr


def test_a_missing_webcam_is_reported():
    result = run_cli("serve", "--source", "9", "--port", "0", timeout=60)
    assert result.returncode == 1
    assert "no webcam at device 9" in result.stderr


# --- the running server --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def weights(tmp_path_factory) -> Path:
    """Real fernet weights, untrained: the scores are meaningless but flow like trained ones."""
    from fer_video.models.fernet import build_fernet

    path = tmp_path_factory.mktemp("weights") / "fernet.weights.h5"
    build_fernet().save_weights(path)
    return path


def _start_server(video: Path, weights: Path, csv_path: Path) -> SimpleNamespace:
    """``fer-video serve`` on a free loopback port, ``video`` as a live source, a CSV sink beside."""
    process = subprocess.Popen(
        [str(FER_VIDEO), "serve", "--source", str(video), "--port", "0", "--detector", "haar",
         "--weights", str(weights), "--csv", str(csv_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}, preexec_fn=ctrl_c_reaches_the_child,
    )
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        for line in process.stderr:
            lines.append(line)
            if "live view at " in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(120):
        process.kill()
        pytest.fail("fer-video serve did not start:\n" + "".join(lines))
    url = next(line for line in lines if "live view at " in line).split("live view at ")[1].split()[0]
    return SimpleNamespace(url=url.rstrip("/"), port=int(url.rstrip("/").rsplit(":", 1)[1]), process=process,
                           csv=csv_path, lines=lines)


def _stop(server: SimpleNamespace) -> None:
    if server.process.poll() is None:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="module")
def server(sample_video, weights, tmp_path_factory):
    """A server the request and browser tests share; none of them stops it."""
    running = _start_server(sample_video, weights, tmp_path_factory.mktemp("serve") / "timeline.csv")
    yield running
    _stop(running)


def _request(server, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, data


def _control(server, payload, headers=None):
    return _request(server, "POST", "/api/control", json.dumps(payload).encode(),
                    {"Content-Type": "application/json", **(headers or {})})


def test_every_input_is_checked(server):
    assert _request(server, "GET", "/stats")[0] == 200
    assert _request(server, "GET", "/stats?debug=1")[0] == 400
    status, body = _request(server, "GET", "/api/history?seconds=600")
    assert status == 400 and b"from 1 to 60" in body
    assert _request(server, "GET", "/api/history?seconds=nan")[0] == 400
    assert _request(server, "GET", "/api/history?seconds=5")[0] == 200
    status, body = _control(server, {"action": "switch", "kind": "detector", "name": "../../etc/passwd"})
    assert status == 400 and b"installed: haar, mediapipe" in body
    assert _control(server, {"action": "switch", "kind": "tracker", "name": "iou"})[0] == 400
    assert _control(server, {"action": "pause", "extra": "x"})[0] == 400
    assert _control(server, {"action": "shutdown"})[0] == 400
    assert _control(server, ["pause"])[0] == 400
    assert _request(server, "POST", "/api/control", b"action=pause",
                    {"Content-Type": "application/x-www-form-urlencoded"})[0] == 415
    assert _request(server, "POST", "/api/control", b"{" * 5000, {"Content-Type": "application/json"})[0] == 413
    assert _control(server, {"action": "pause"}, {"Origin": "http://evil.example"})[0] == 403
    assert _request(server, "GET", "/stats", headers={"Host": "evil.example"})[0] == 400  # DNS rebinding
    assert _request(server, "GET", "/static/..%2F..%2Fcli.py")[0] == 404
    assert _request(server, "GET", "/static/app.js")[0] == 200
    status, body = _request(server, "GET", "/api/state")
    assert json.loads(body)["controls"]["paused"] is False


def _browser():
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's Chromium is not installed ({CHROMIUM} is missing): "
                    "apt-get install chromium chromium-driver, as .ci/run does")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install '.[test]'")
    playwright = sync_api.sync_playwright().start()
    return playwright, playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


@pytest.fixture(scope="module")
def browser():
    playwright, browser = _browser()
    yield browser
    browser.close()
    playwright.stop()


def _newest_analysed(page) -> int:
    return page.evaluate("Math.max(-1, ...[...document.querySelectorAll('.face')].map(e => +e.dataset.frame))")


def _wait(page, expression: str, timeout: float = 20) -> None:
    """Poll ``expression`` in the page (Playwright's wait_for_function needs eval, which the page's CSP forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {expression}")
        time.sleep(0.1)


def test_the_page_streams_updates_the_panel_pauses_and_downloads_the_csv(server, browser):
    import pandas as pd

    page = browser.new_page(viewport={"width": 1280, "height": 860})
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.goto(server.url + "/")

    _wait(page, "+document.getElementById('frames').textContent >= 10", 30)
    page.wait_for_selector(".face .bar[data-emotion=happy] .fill", timeout=30_000)
    first = _newest_analysed(page)
    _wait(page, f"Math.max(...[...document.querySelectorAll('.face')].map(e => +e.dataset.frame)) > {first}")
    assert page.locator(".face .bar").count() >= 7
    assert page.locator("#status").inner_text() == "live"
    assert float(page.locator("#latency").inner_text()) > 0

    page.click("#pause")
    _wait(page, "document.getElementById('status').textContent === 'paused'", 10)
    assert page.locator("#pause").inner_text() == "Resume"
    time.sleep(0.3)  # a frame analysed just before the pause may still be on its way
    paused_at, shown_at = _newest_analysed(page), int(page.locator("#video").get_attribute("data-frame"))
    time.sleep(1.5)
    assert _newest_analysed(page) == paused_at, "faces were analysed while paused"
    assert int(page.locator("#video").get_attribute("data-frame")) > shown_at, "the stream stopped while paused"
    page.click("#pause")
    _wait(page, "document.getElementById('status').textContent === 'live'", 10)
    _wait(page, f"Math.max(...[...document.querySelectorAll('.face')].map(e => +e.dataset.frame)) > {paused_at}")

    page.select_option("#smoother", "vote")
    _wait(page, "document.getElementById('smoother').dataset.current === 'vote'", 20)
    page.select_option("#classifier", "file")  # needs a model file: the page says so and the stream goes on
    page.wait_for_selector("#error:not([hidden])", timeout=20_000)
    assert "could not switch the classifier to file" in page.locator("#error").inner_text()
    assert page.locator("#classifier").input_value() == "fernet"

    with page.expect_download() as download:
        page.click("#download")
    assert download.value.suggested_filename.startswith("fer-video-session-")
    table = pd.read_csv(download.value.path())
    assert len(table) > 0 and {"frame", "face_id", "emotion", "happy", "raw_happy"} <= set(table.columns)

    _wait(page, "+document.getElementById('video').dataset.faces > 0", 15)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "serve.png"))
    assert not problems, problems
    page.close()


def test_three_viewers_share_one_stream(server, browser):
    pages = [browser.new_page(viewport={"width": 900, "height": 700}) for _ in range(3)]
    for page in pages:
        page.goto(server.url + "/")
    for page in pages:
        _wait(page, "+document.getElementById('frames').textContent >= 10", 30)
    stats = json.loads(_request(server, "GET", "/stats")[1])
    assert len(stats["viewers"]) == 3
    assert all(viewer["shown_per_s"] > 0 for viewer in stats["viewers"]), stats
    assert stats["analysed_per_s"] > 0
    for page in pages:
        page.close()


def test_stopping_the_server_finishes_the_csv(sample_video, weights, tmp_path):
    """A server of its own, stopped once it has analysed faces: no other test's traffic or order matters."""
    import pandas as pd

    server = _start_server(sample_video, weights, tmp_path / "timeline.csv")
    try:
        deadline = time.monotonic() + 60
        while _request(server, "GET", "/timeline.csv")[1].count(b"\n") < 2:  # header and a face row
            assert time.monotonic() < deadline, "no face analysed in 60 s:\n" + "".join(server.lines)
            time.sleep(0.2)
        server.process.send_signal(signal.SIGINT)
        assert server.process.wait(timeout=30) == 0, "".join(server.lines)
    finally:
        _stop(server)
    table = pd.read_csv(server.csv)
    assert len(table) > 0 and table["face_id"].notna().all()
    assert not [p.name for p in tmp_path.iterdir() if "partial" in p.name]
