"""Memory of `fer-video serve` over thousands of viewer connections: does it grow with each, or level off?

Serves a 640x480 sample video as a live source, lets it run idle for ``--idle`` seconds (memory that
grows with time alone: the one-minute chart history, the stats windows filling), then opens
``--connections`` viewers one after another, each as a page does it for one frame (connect, receive a
frame, acknowledge it, close), each followed by a ``GET /api/state`` and, with ``--bad``, a malformed
request (uvicorn's warning path). The server's RSS is printed every ``--every`` connections, with the
growth per 1,000 connections in each stretch: a leak grows at the same rate to the end, allocator
warm-up and bounded buffers level off. RSS does not depend on CPU speed, so the figures hold on a busy
machine (run it under ``nice -n 19`` there).

    python benchmarks/serve_memory.py [--connections 7200] [--every 600] [--idle 60] [--bad]
                                      [--detector haar] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import struct
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve_latency import start_server  # noqa: E402


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise SystemExit(f"no VmRSS for process {pid}")


def one_viewer(url: str) -> None:
    """Connect as a page does, take one frame, acknowledge it and close."""
    from websockets.sync.client import connect

    with connect(url.replace("http://", "ws://") + "/ws", max_size=8 << 20, open_timeout=30) as viewer:
        data = viewer.recv(timeout=30)
        header = json.loads(data[4 : 4 + struct.unpack(">I", data[:4])[0]])
        viewer.send(json.dumps({"ack": header["seq"], "latency_ms": 1.0}))


def bad_request(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        sock.recv(64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=7200)
    parser.add_argument("--every", type=int, default=600, help="print RSS every this many connections")
    parser.add_argument("--idle", type=float, default=60.0,
                        help="seconds of serving with no viewer first (RSS printed each minute)")
    parser.add_argument("--bad", action="store_true", help="a malformed request after each connection too")
    parser.add_argument("--detector", default="haar")
    parser.add_argument("--work", type=Path, help="folder for the sample video (default: temporary)")
    args = parser.parse_args()

    from fer_video.io.sample_video import make_sample_video

    work = args.work or Path(tempfile.mkdtemp(prefix="fer-video-serve-memory-"))
    work.mkdir(parents=True, exist_ok=True)
    video = work / "live640x480.mp4"
    if not video.exists():
        make_sample_video(video, width=640, height=480, seconds=6.0)
    process, url = start_server(video, None, args.detector)
    port = int(url.rsplit(":", 1)[1])
    try:
        started = time.monotonic()
        print(f"{'connections':>11}{'seconds':>9}{'RSS MB':>9}{'MB per 1000':>13}", flush=True)
        last = rss_mb(process.pid)
        print(f"{'(start)':>11}{0:>9.0f}{last:>9.1f}", flush=True)
        while (left := started + args.idle - time.monotonic()) > 0:  # memory that grows with time alone
            time.sleep(min(60.0, left))
            last = rss_mb(process.pid)
            print(f"{'(idle)':>11}{time.monotonic() - started:>9.0f}{last:>9.1f}", flush=True)
        for count in range(1, args.connections + 1):
            one_viewer(url)
            with urllib.request.urlopen(f"{url}/api/state", timeout=30) as answer:
                answer.read()
            if args.bad:
                bad_request(port)
            if count % args.every == 0:
                now = rss_mb(process.pid)
                print(f"{count:>11}{time.monotonic() - started:>9.0f}{now:>9.1f}"
                      f"{(now - last) * 1000 / args.every:>13.2f}", flush=True)
                last = now
    finally:
        process.terminate()
        process.wait(timeout=30)


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    main()
