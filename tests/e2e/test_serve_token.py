"""``fer-video serve`` off loopback asks for a token, as Jupyter does: the URL printed at start carries
it, the page trades it for a cookie, and everything else gets a 403 (issue 13)."""

from __future__ import annotations

import http.client
import os
import subprocess
import threading
import time
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from conftest import FER_VIDEO, ctrl_c_reaches_the_child
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect


@contextmanager
def _serving(sample_video, *flags: str):
    """``fer-video serve`` on every interface (``--host 0.0.0.0``), a free port, the sample video live."""
    process = subprocess.Popen(
        [str(FER_VIDEO), "serve", "--source", str(sample_video), "--host", "0.0.0.0", "--port", "0",
         "--detector", "haar", *flags],
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
    try:
        if not ready.wait(120):
            pytest.fail("fer-video serve did not start:\n" + "".join(lines))
        url = next(line for line in lines if "live view at " in line).split("live view at ")[1].split()[0]
        port = int(url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
        token = url.split("?token=", 1)[1] if "?token=" in url else None
        yield SimpleNamespace(url=url, port=port, token=token, lines=lines)
    finally:
        process.kill()
        process.wait()


def _get(server, path: str, headers: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def _frame_over_websocket(server, cookie: str | None) -> bytes:
    headers = {"Cookie": cookie} if cookie else None
    with connect(f"ws://127.0.0.1:{server.port}/ws", additional_headers=headers, open_timeout=10) as socket:
        return socket.recv(timeout=30)


def test_off_loopback_only_the_printed_token_gets_in_and_is_kept_in_a_cookie(sample_video):
    with _serving(sample_video) as server:
        assert server.token and len(server.token) >= 24, server.lines
        for path in ("/", "/stats", "/api/state", "/timeline.csv", "/static/app.js", f"/?token={server.token}x",
                     "/?token="):
            assert _get(server, path).status == 403, path
        with pytest.raises(InvalidStatus):
            _frame_over_websocket(server, None)

        answer = _get(server, f"/?token={server.token}")
        assert answer.status == 303 and answer.getheader("Location") == "/"  # out of the address bar
        cookie = answer.getheader("Set-Cookie")
        assert server.token in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
        pair = cookie.split(";", 1)[0]
        for path in ("/", "/stats", "/api/state", "/static/app.js"):
            assert _get(server, path, {"Cookie": pair}).status == 200, path
        assert _get(server, "/stats", {"Authorization": f"token {server.token}"}).status == 200
        assert _get(server, "/stats", {"Cookie": pair + "x"}).status == 403
        assert len(_frame_over_websocket(server, pair)) > 1000  # a JPEG frame


def test_a_chosen_token_and_no_token(sample_video):
    with _serving(sample_video, "--token", "our-lab-2026") as server:
        assert server.token == "our-lab-2026"
        assert _get(server, "/").status == 403
        assert _get(server, "/?token=our-lab-2026").status == 303
    with _serving(sample_video, "--no-token") as server:
        assert server.token is None
        deadline = time.monotonic() + 10  # the warning follows the URL's line
        while not any("--no-token: anyone who can reach this machine" in line for line in server.lines):
            assert time.monotonic() < deadline, server.lines
            time.sleep(0.05)
        assert _get(server, "/").status == 200


def test_a_token_that_cannot_go_in_a_url_is_refused(sample_video):
    from conftest import run_cli

    result = run_cli("serve", "--source", sample_video, "--host", "0.0.0.0", "--port", "0", "--token", "a b",
                     timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "a token is 8 or more letters" in result.stderr
    result = run_cli("serve", "--source", sample_video, "--port", "0", "--token", "our-lab-2026", "--no-token",
                     timeout=60)
    assert result.returncode == 2 and "contradict" in result.stderr
