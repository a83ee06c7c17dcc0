"""``fer-video serve``: the live view in a real headless Chromium, its input checks and its errors. The
live file source and the controls it is built on are tested in memory in tests/unit."""

from __future__ import annotations

import json
import signal
import socket
import time
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.support import ARTIFACTS, partial_files, run_cli, serving, wait_in_page

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


def _serving(video: Path, weights: Path, csv_path: Path):
    """``fer-video serve`` on a free loopback port, ``video`` as a live source, a CSV sink beside."""
    return serving("--source", video, "--detector", "haar", "--weights", weights, "--csv", csv_path)


@pytest.fixture(scope="module")
def server(sample_video, weights, tmp_path_factory):
    """A server the request and browser tests share; none of them stops it."""
    with _serving(sample_video, weights, tmp_path_factory.mktemp("serve") / "timeline.csv") as running:
        yield running


def _request(server, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    reply = server.request(method, path, body, headers)
    return reply.status, reply.body


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


def test_a_viewer_over_the_limit_is_told_why(sample_video):
    """The ninth viewer got a bare HTTP 403, and its page retried every second (issue 26); the page's
    back-off is tested in tests/unit/test_live_page_rules.py."""
    with serving("--source", sample_video, "--detector", "haar", "--sink-opt", "web.max_viewers=1") as server:
        url = f"ws://127.0.0.1:{server.port}/ws"
        with connect(url, open_timeout=10) as first:
            assert len(first.recv(timeout=60)) > 1000
            with connect(url, open_timeout=10) as second, pytest.raises(ConnectionClosed) as closed:
                second.recv(timeout=10)
        assert closed.value.rcvd.code == 1013, closed.value  # "try again later"
        assert closed.value.rcvd.reason.startswith("viewer limit reached (1 watching)"), closed.value


def test_bad_requests_put_one_warning_on_the_terminal(sample_video):
    """Each malformed request put one uvicorn WARNING on the terminal: anyone on the network could
    flood it (issue 26). One is shown; the next, a minute later, says how many were left out."""
    with serving("--source", sample_video, "--detector", "haar") as server:
        for _ in range(40):
            with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
                sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
                assert sock.recv(64).startswith(b"HTTP/1.1 400")
        assert server.request("GET", "/stats").status == 200  # the server goes on answering
        time.sleep(0.5)  # stderr is read on its own thread
        warnings = [line for line in server.lines if "Invalid HTTP request" in line]
        assert len(warnings) == 1, server.said()


def _newest_analysed(page) -> int:
    return page.evaluate("Math.max(-1, ...[...document.querySelectorAll('.face')].map(e => +e.dataset.frame))")


def test_the_page_streams_updates_the_panel_pauses_and_downloads_the_csv(server, browser):
    import pandas as pd

    page = browser.new_page(viewport={"width": 1280, "height": 860})
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.goto(server.url + "/")

    wait_in_page(page, "+document.getElementById('frames').textContent >= 10", 30)
    page.wait_for_selector(".face .bar[data-emotion=happy] .fill", timeout=30_000)
    first = _newest_analysed(page)
    wait_in_page(page, f"Math.max(...[...document.querySelectorAll('.face')].map(e => +e.dataset.frame)) > {first}")
    assert page.locator(".face .bar").count() >= 7
    assert page.locator("#status").inner_text() == "live"
    assert float(page.locator("#latency").inner_text()) > 0

    page.click("#pause")
    wait_in_page(page, "document.getElementById('status').textContent === 'paused'", 10)
    assert page.locator("#pause").inner_text() == "Resume"
    time.sleep(0.3)  # a frame analysed just before the pause may still be on its way
    paused_at, shown_at = _newest_analysed(page), int(page.locator("#video").get_attribute("data-frame"))
    time.sleep(1.5)
    assert _newest_analysed(page) == paused_at, "faces were analysed while paused"
    assert int(page.locator("#video").get_attribute("data-frame")) > shown_at, "the stream stopped while paused"
    page.click("#pause")
    wait_in_page(page, "document.getElementById('status').textContent === 'live'", 10)
    wait_in_page(page, f"Math.max(...[...document.querySelectorAll('.face')].map(e => +e.dataset.frame)) > {paused_at}")

    page.select_option("#smoother", "vote")
    wait_in_page(page, "document.getElementById('smoother').dataset.current === 'vote'", 20)
    page.select_option("#classifier", "file")  # needs a model file: the page says so and the stream goes on
    page.wait_for_selector("#error:not([hidden])", timeout=20_000)
    assert "could not switch the classifier to file" in page.locator("#error").inner_text()
    assert page.locator("#classifier").input_value() == "fernet"

    with page.expect_download() as download:
        page.click("#download")
    assert download.value.suggested_filename.startswith("fer-video-session-")
    table = pd.read_csv(download.value.path())
    assert len(table) > 0 and {"frame", "face_id", "emotion", "happy", "raw_happy"} <= set(table.columns)

    wait_in_page(page, "+document.getElementById('video').dataset.faces > 0", 15)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "serve.png"))
    assert not problems, problems
    page.close()


def test_three_viewers_share_one_stream(server, browser):
    pages = [browser.new_page(viewport={"width": 900, "height": 700}) for _ in range(3)]
    for page in pages:
        page.goto(server.url + "/")
    for page in pages:
        wait_in_page(page, "+document.getElementById('frames').textContent >= 10", 30)
    stats = json.loads(_request(server, "GET", "/stats")[1])
    assert len(stats["viewers"]) == 3
    assert all(viewer["shown_per_s"] > 0 for viewer in stats["viewers"]), stats
    assert stats["analysed_per_s"] > 0
    for page in pages:
        page.close()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["Ctrl+C", "SIGTERM", "SIGHUP"])
def test_stopping_the_server_finishes_the_csv(sample_video, weights, tmp_path, signum):
    """A server of its own, stopped once it has analysed faces: no other test's traffic or order matters.
    Its exit code says which signal stopped it, as every other command's does (it was 0)."""
    import pandas as pd

    csv_path = tmp_path / "timeline.csv"
    with _serving(sample_video, weights, csv_path) as server:
        deadline = time.monotonic() + 60
        while _request(server, "GET", "/timeline.csv")[1].count(b"\n") < 2:  # header and a face row
            assert time.monotonic() < deadline, "no face analysed in 60 s:\n" + server.said()
            time.sleep(0.2)
        server.process.send_signal(signum)
        assert server.process.wait(timeout=30) == 128 + signum, server.said()
    table = pd.read_csv(csv_path)
    assert len(table) > 0 and table["face_id"].notna().all()
    assert partial_files(tmp_path) == []


def test_a_flood_of_bad_requests_gives_one_warning_line(sample_video):
    """uvicorn printed a WARNING line per bad request: a scanner flooded the terminal."""
    with serving("--source", sample_video, "--detector", "haar") as server:
        for _ in range(20):
            with socket.create_connection(("127.0.0.1", server.port), timeout=10) as bad:
                bad.sendall(b"\x16\x03\x01 not http\r\n\r\n")  # a TLS hello, say
                try:
                    bad.recv(1024)
                except OSError:
                    pass
        assert server.request("GET", "/stats").status == 200  # still serving
        time.sleep(0.5)
        warnings = [line for line in server.lines if "Invalid HTTP request" in line]
    assert len(warnings) == 1, server.said()
