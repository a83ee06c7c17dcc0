"""``fer-video serve`` under load on loopback: 20 viewers at once, one that never reads, and viewers that
hang up halfway through a frame. The viewers that behave must keep their frame rate, the server's
memory must stay flat, and Ctrl+C must still leave a complete CSV.

The viewers are WebSocket clients that behave as the page does (acknowledge each frame once it is
decoded); the misbehaving ones are raw sockets, since a WebSocket library reads for its user.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import struct
import time
from types import SimpleNamespace

import pytest

from tests.support import partial_files, request, serving

websockets_client = pytest.importorskip("websockets.asyncio.client", reason="the load test needs websockets")

VIEWERS = 20
ALONE_S = 4.0
LOADED_S = 8.0
RATE_FACTOR = 0.25
"""Each of the 20 viewers must get at least this share of the frames/s one viewer got alone. The
slowest of the 20 got 0.30-0.46 of it in six runs on a 2-core machine busy with a training run at a
higher priority, where the whole server got about a third of a core: sending each frame 20 times
then competes with analysing it, and this process's 20 clients with both. A viewer that held the
others up would bring them to 0."""
RSS_GROWTH_MB = 8.0
"""The server's RSS may grow this much from the moment the 20 connect to the end. Measured: 2-3 MB
(151-155 MB). Holding each frame for each viewer as it was sent would add 20 x 80 frames x 40 KB."""


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for process {pid}")


def _stats(port: int, window: int = 3) -> dict:
    return json.loads(request(port, "GET", f"/stats?window={window}").body)


def _raw_upgrade(port: int, receive_buffer: int | None = None) -> socket.socket:
    """A WebSocket handshake sent by hand: what happens after it is up to the caller."""
    sock = socket.socket()
    if receive_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    return sock


def _hang_up_mid_frame(port: int) -> int:
    """Read the handshake and the first bytes of a frame, then reset the connection; bytes of frame read."""
    sock = _raw_upgrade(port)
    sock.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data and (chunk := sock.recv(4096)):
        data += chunk
    assert data.startswith(b"HTTP/1.1 101"), data[:200]
    frame = data.split(b"\r\n\r\n", 1)[1]
    while len(frame) < 1000 and (chunk := sock.recv(1000 - len(frame))):
        frame += chunk
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST, not a clean close
    sock.close()
    return len(frame)


async def _watch(port: int, stop_at: float, stamps: list[float]) -> None:
    """One viewer that behaves as the page does: acknowledges each frame once it has it whole."""
    async with websockets_client.connect(f"ws://127.0.0.1:{port}/ws", max_size=1 << 23) as ws:
        while time.monotonic() < stop_at:
            try:
                data = await asyncio.wait_for(ws.recv(), timeout=max(0.01, stop_at - time.monotonic()))
            except TimeoutError:
                return
            size = struct.unpack(">I", data[:4])[0]
            head = json.loads(data[4 : 4 + size])
            assert data[4 + size : 6 + size] == b"\xff\xd8", "not a JPEG after the header"
            stamps.append(time.monotonic())
            await ws.send(json.dumps({"ack": head["seq"], "latency_ms": time.time() * 1000 - head["captured"]}))


def _rate(stamps: list[float], start: float, end: float) -> float:
    return sum(start <= t < end for t in stamps) / (end - start)


async def _load(port: int, pid: int) -> SimpleNamespace:
    """One viewer alone, then 20 together beside a stuck viewer and viewers hanging up mid-frame."""
    alone: list[float] = []
    start = time.monotonic()
    await _watch(port, start + ALONE_S, alone)
    alone_rate = _rate(alone, start + 1.0, start + ALONE_S)  # the first second: connecting, first frames

    stuck = _raw_upgrade(port, receive_buffer=4096)  # never reads a byte
    stuck_since = time.monotonic()
    start = time.monotonic()
    stop_at = start + LOADED_S
    stamps: list[list[float]] = [[] for _ in range(VIEWERS)]
    viewers = [asyncio.create_task(_watch(port, stop_at, s)) for s in stamps]
    rss: list[tuple[float, float]] = []
    hung_up = []
    while time.monotonic() < stop_at - 0.5:
        rss.append((time.monotonic() - start, _rss_mb(pid)))
        hung_up.append(await asyncio.to_thread(_hang_up_mid_frame, port))
        await asyncio.sleep(0.5)
    await asyncio.gather(*viewers)
    rates = [_rate(s, start + 2.0, stop_at) for s in stamps]  # all 20 connected and drawing by then
    deadline = time.monotonic() + 5
    while len(left := (await asyncio.to_thread(_stats, port, 60))["viewers"]) > 1 and time.monotonic() < deadline:
        await asyncio.sleep(0.2)  # the 20 said goodbye; those that hung up were reset
    stuck_s = time.monotonic() - stuck_since
    stuck.close()
    return SimpleNamespace(alone=alone_rate, rates=rates, rss=rss, hung_up=hung_up, left=left, stuck_s=stuck_s)


def test_twenty_viewers_a_stuck_one_and_hang_ups_keep_the_rate_memory_flat_and_the_csv_whole(sample_video, tmp_path):
    import pandas as pd

    csv_path = tmp_path / "timeline.csv"
    # the shipped models, and room for 24 viewers (8 by default)
    with serving("--source", sample_video, "--detector", "haar", "--csv", csv_path,
                 "--sink-opt", "web.max_viewers=24") as server:
        deadline = time.monotonic() + 60
        while _stats(server.port)["rows"] < 1:  # models loaded, faces analysed
            assert time.monotonic() < deadline, "no face analysed in 60 s:\n" + server.said()
            time.sleep(0.2)
        result = asyncio.run(_load(server.port, server.process.pid))
        rows_before_stop = _stats(server.port)["rows"]
        time.sleep(0.5)  # the CSV sink has those rows too by now
        assert server.ctrl_c() == 130, server.said()
    report = (f"alone {result.alone:.1f} frames/s; with {VIEWERS}: {min(result.rates):.1f}-{max(result.rates):.1f}; "
              f"RSS MB {[round(mb) for _, mb in result.rss]}; frames sent to the one that never reads: "
              f"{result.left[0]['sent_per_s'] * result.stuck_s if result.left else None}")
    print(report)
    assert result.alone >= 5, report
    assert min(result.rates) >= RATE_FACTOR * result.alone, report
    assert all(size >= 1000 for size in result.hung_up) and len(result.hung_up) >= 5, report
    assert len(result.left) == 1, f"{len(result.left)} viewers still connected, not the stuck one alone"
    stuck = result.left[0]  # frames sent over its life (at most 60 s): no more than are unacknowledged
    assert stuck["sent_per_s"] * result.stuck_s <= 3, f"frames pushed at a viewer that reads none: {stuck}"
    assert max(mb for _, mb in result.rss) - result.rss[0][1] <= RSS_GROWTH_MB, report
    assert "Traceback" not in server.said(), server.said()

    text = csv_path.read_text()
    assert text.endswith("\n"), "the CSV ends in the middle of a row"
    table = pd.read_csv(csv_path)
    assert len(table) >= rows_before_stop > 0, f"{len(table)} rows written, {rows_before_stop} analysed"
    assert table["face_id"].notna().all()
    assert partial_files(tmp_path) == []
