"""``fer-video serve`` off loopback asks for a token, as Jupyter does: the URL printed at start carries
it, the page trades it for a cookie, and everything else gets a 403 (issue 13)."""

from __future__ import annotations

import socket
import time

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.support import Reply, run_cli, serving


def _serving(sample_video, *flags: str):
    """``fer-video serve`` on every interface (``--host 0.0.0.0``), a free port, the sample video live."""
    return serving("--source", sample_video, "--host", "0.0.0.0", "--detector", "haar", *flags)


def _get(server, path: str, headers: dict | None = None) -> Reply:
    return server.request("GET", path, headers=headers)


def _frame_over_websocket(server, cookie: str | None) -> bytes:
    headers = {"Cookie": cookie} if cookie else None
    with connect(f"ws://127.0.0.1:{server.port}/ws", additional_headers=headers, open_timeout=10) as socket:
        return socket.recv(timeout=30)


def _upgrade_status(port: int, host: str) -> int:
    """The HTTP status a WebSocket handshake naming ``host`` gets (a client library sends its own Host)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall((f"GET /ws HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        return int(sock.recv(64).split()[1])


def test_off_loopback_only_the_printed_token_gets_in_and_is_kept_in_a_cookie(sample_video):
    with _serving(sample_video) as server:
        assert server.token and len(server.token) >= 24, server.lines
        for path in ("/", "/stats", "/api/state", "/timeline.csv", "/static/app.js", f"/?token={server.token}x",
                     "/?token="):
            assert _get(server, path).status == 403, path
        with pytest.raises(InvalidStatus):
            _frame_over_websocket(server, None)

        answer = _get(server, f"/?token={server.token}")
        assert answer.status == 303 and answer.headers.get("Location") == "/"  # out of the address bar
        cookie = answer.headers.get("Set-Cookie")
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


def test_without_a_token_off_loopback_the_host_and_origin_are_still_checked(sample_video):
    """``--no-token`` on every interface let any ``Host`` in, so a page elsewhere could drive the server
    through a browser by DNS rebinding (issue 26): names other than the machine's are refused, IP
    addresses (which cannot be rebound) are let in."""
    with _serving(sample_video, "--no-token") as server:
        assert server.token is None
        deadline = time.monotonic() + 10  # the warning follows the URL's line
        while not any("--no-token: anyone who can reach this machine" in line for line in server.lines):
            assert time.monotonic() < deadline, server.lines
            time.sleep(0.05)
        port = server.port
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"{socket.gethostname()}:{port}", "10.1.2.3:8000",
                     f"[fe80::1]:{port}"):
            assert _get(server, "/", {"Host": host}).status == 200, host
        for host in ("evil.example", f"evil.example:{port}", "127.0.0.1.evil.example"):
            answer = _get(server, "/api/state", {"Host": host})
            assert answer.status == 400 and b"this machine's own names and addresses" in answer.body, host
        control = server.request("POST", "/api/control", b'{"action": "pause"}', {
            "Content-Type": "application/json", "Host": f"evil.example:{port}", "Origin": f"http://evil.example:{port}"})
        assert control.status == 400
        cross_site = server.request("POST", "/api/control", b'{"action": "pause"}', {
            "Content-Type": "application/json", "Origin": "http://evil.example"})
        assert cross_site.status == 403
        assert _upgrade_status(port, "evil.example") == 403 and _upgrade_status(port, f"127.0.0.1:{port}") == 101
        assert len(_frame_over_websocket(server, None)) > 1000  # the page's own address still gets frames


def test_a_token_that_cannot_go_in_a_url_is_refused(sample_video):
    result = run_cli("serve", "--source", sample_video, "--host", "0.0.0.0", "--port", "0", "--token", "a b",
                     timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "a token is 8 or more letters" in result.stderr
    result = run_cli("serve", "--source", sample_video, "--port", "0", "--token", "our-lab-2026", "--no-token",
                     timeout=60)
    assert result.returncode == 2 and "contradict" in result.stderr


def test_no_token_off_loopback_still_checks_the_host_and_the_origin(sample_video):
    """--no-token off loopback took any Host and Origin: a page on another site that an attacker's DNS
    points at this machine could watch and use the controls."""
    with _serving(sample_video, "--no-token") as server:
        port = server.port
        assert _get(server, "/").status == 200
        assert _get(server, "/", {"Host": f"127.0.0.1:{port}"}).status == 200
        assert _get(server, "/", {"Host": f"[::1]:{port}"}).status == 200
        assert _get(server, "/", {"Host": f"evil.example:{port}"}).status == 400
        body = b'{"action": "pause"}'
        rebound = {"Host": f"evil.example:{port}", "Origin": f"http://evil.example:{port}",
                   "Content-Type": "application/json"}
        assert server.request("POST", "/api/control", body, rebound).status == 400
        elsewhere = {"Host": f"127.0.0.1:{port}", "Origin": "http://evil.example", "Content-Type": "application/json"}
        assert server.request("POST", "/api/control", body, elsewhere).status == 403
