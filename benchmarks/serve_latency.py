"""Latency and frames/s of `fer-video serve` with 0, 1 and 3 viewers, on a 640x480 live source.

Builds a 640x480, 30 fps sample video, serves it as a live source (real-time pacing, stale
frames dropped, looping), then opens the viewers: headless Chromium tabs when Debian's
chromium and Playwright are installed (each page measures capture-to-display itself and
reports it with its frame acknowledgements), else plain WebSocket clients that do the same
without drawing. After a warm-up, ``/stats`` over the measuring window gives the analysed
frames/s, the frames/s each viewer was sent and showed, and the capture-to-send and
capture-to-display latencies.

    python benchmarks/serve_latency.py [--seconds 10] [--viewers 0 1 3] [--clients auto|chromium|websocket]
                                       [--detector mediapipe] [--weights FILE] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

FER_VIDEO = Path(sys.executable).parent / "fer-video"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                 "--disable-backgrounding-occluded-windows"]


def start_server(video: Path, weights: Path | None, detector: str, detect_every: int | None = None,
                 ) -> tuple[subprocess.Popen, str]:
    command = [str(FER_VIDEO), "serve", "--source", str(video), "--port", "0", "--detector", detector]
    if detect_every is not None:
        command += ["--detect-every", str(detect_every)]
    if weights is not None:
        command += ["--weights", str(weights)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    lines: list[str] = []
    for line in process.stderr:
        lines.append(line)
        if "live view at " in line:
            threading.Thread(target=lambda: [None for _ in process.stderr], daemon=True).start()  # keep draining
            return process, line.split("live view at ")[1].split()[0].rstrip("/")
    raise SystemExit("fer-video serve did not start:\n" + "".join(lines))


class WebSocketViewer:
    """A viewer without a browser: receives frames, acknowledges each with its capture-to-receipt latency."""

    def __init__(self, url: str) -> None:
        self._url = url.replace("http://", "ws://") + "/ws"
        self._running = True
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from websockets.sync.client import connect

        try:
            with connect(self._url, max_size=8 << 20) as socket:
                while self._running:
                    data = socket.recv(timeout=5)
                    length = struct.unpack(">I", data[:4])[0]
                    header = json.loads(data[4 : 4 + length])
                    latency = time.time() * 1000 - header["captured"]
                    socket.send(json.dumps({"ack": header["seq"], "latency_ms": round(latency, 1)}))
        except Exception as error:  # the server went away: say so, the table would be wrong
            if self._running:
                print(f"viewer stopped: {error}", file=sys.stderr)

    def close(self) -> None:
        self._running = False
        self._thread.join(timeout=6)


class ChromiumViewers:
    """Headless Chromium tabs on the page; each measures capture-to-display as it draws."""

    def __init__(self) -> None:
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        self._pages: list = []

    def open(self, url: str, count: int) -> None:
        for _ in range(count):
            page = self._browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(url + "/")
            self._pages.append(page)

    def close_pages(self) -> None:
        for page in self._pages:
            page.close()
        self._pages.clear()

    def close(self) -> None:
        self._browser.close()
        self._playwright.stop()


def stats(url: str, window: float) -> dict:
    with urllib.request.urlopen(f"{url}/stats?window={window:g}", timeout=10) as response:
        return json.load(response)


def cell(summary: dict) -> str:
    return "-" if summary["median"] is None else f"{summary['median']:.0f} / {summary['p95']:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measuring window per viewer count (max 60)")
    parser.add_argument("--warmup", type=float, default=4.0, help="seconds before measuring, after viewers join")
    parser.add_argument("--viewers", type=int, nargs="+", default=[0, 1, 3])
    parser.add_argument("--clients", choices=["auto", "chromium", "websocket"], default="auto")
    parser.add_argument("--detector", default="mediapipe", help="detector to run (default mediapipe, as serve)")
    parser.add_argument("--detect-every", type=int, help="serve's detection interval (default: serve's own)")
    parser.add_argument("--weights", type=Path, help="classifier weights (default: shipped ones, else untrained)")
    parser.add_argument("--work", type=Path, help="folder for the video (default: temporary)")
    args = parser.parse_args()
    window = min(60.0, args.seconds)

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from fer_video.io.sample_video import make_sample_video
    from fer_video.models.shipped import shipped

    work = args.work or Path(tempfile.mkdtemp(prefix="fer-video-serve-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    video = make_sample_video(work / "live640x480.mp4", width=640, height=480, seconds=6.0)
    weights, note = args.weights, ""
    if weights is None and shipped("fernet.tflite") is None:
        from fer_video.models.fernet import build_fernet
        from fer_video.runtime.quiet import native_logs_hidden

        weights = work / "fernet-untrained.weights.h5"
        with native_logs_hidden():
            build_fernet().save_weights(weights)
        note = " (untrained fernet weights: same cost as trained ones)"
    clients = args.clients
    if clients == "auto":
        try:
            import playwright.sync_api  # noqa: F401
            clients = "chromium" if CHROMIUM.exists() else "websocket"
        except ImportError:
            clients = "websocket"

    process, url = start_server(video, weights, args.detector, args.detect_every)
    browser = ChromiumViewers() if clients == "chromium" else None
    print(f"source: {video.name}, 640x480 at 30 fps, played live; detector {args.detector}, classifier fernet{note}")
    print(f"viewers: {'headless Chromium tabs' if browser else 'WebSocket clients (no browser)'}; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start\n")
    header = (f"{'viewers':>7}  {'analysed f/s':>12}  {'shown f/s per viewer':>20}  "
              f"{'capture→send ms med/p95':>24}  {'capture→display ms med/p95':>27}")
    print(header)
    print("-" * len(header))
    try:
        for count in args.viewers:
            sockets: list[WebSocketViewer] = []
            if browser is not None:
                browser.open(url, count)
            else:
                sockets = [WebSocketViewer(url) for _ in range(count)]
            time.sleep(args.warmup + window)
            result = stats(url, window)
            viewers = result["viewers"]
            shown = [v["shown_per_s"] for v in viewers]
            sent = [ms for v in viewers for ms in [v["capture_to_send_ms"]] if ms["median"] is not None]
            display = [v["capture_to_display_ms"] for v in viewers if v["capture_to_display_ms"]["median"] is not None]

            def merged(summaries: list[dict]) -> dict:
                if not summaries:
                    return {"median": None, "p95": None}
                return {"median": statistics.mean(s["median"] for s in summaries),
                        "p95": max(s["p95"] for s in summaries)}

            per_viewer = " ".join(f"{value:.1f}" for value in shown) or "-"
            print(f"{count:>7}  {result['analysed_per_s']:>12.1f}  {per_viewer:>20}  {cell(merged(sent)):>24}  "
                  f"{cell(merged(display)):>27}", flush=True)
            if browser is not None:
                browser.close_pages()
            for viewer in sockets:
                viewer.close()
            time.sleep(1.0)
    finally:
        if browser is not None:
            browser.close()
        process.terminate()
        process.wait(timeout=30)
    print("\nmedians are averaged over viewers, p95 is the worst viewer's; capture is when the live source "
          "made the frame due, display is when the page drew it")


if __name__ == "__main__":
    main()
