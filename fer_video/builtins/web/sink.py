"""The ``web`` sink: a live view of the analysed stream in the browser, as ``fer-video serve`` shows it."""

from __future__ import annotations

import errno
import ipaddress
import json
import logging
import secrets
import socket
import struct
import threading
import time
from typing import Any

import cv2

from fer_video.builtins.options import whole_number
from fer_video.builtins.web.app import LOOPBACK_HOSTS, MAX_MESSAGE_BYTES, create_app
from fer_video.builtins.web.hub import Hub, Packet
from fer_video.builtins.web.repeat_limit import RepeatLimit
from fer_video.emotions import EMOTIONS
from fer_video.messages import say
from fer_video.runtime.mailbox import Mailbox
from fer_video.types import Frame, RunInfo


class WebSink:
    """Serves a page with the annotated stream, live emotion bars per face and a one-minute timeline.

    The server runs on its own thread. Each frame is annotated and JPEG-encoded once, on an
    encoder thread, and the same bytes go to every viewer; ``write`` only records the frame's
    rows and hands it over, so neither encoding nor viewers hold up the pipeline. ``controls``
    (a :class:`fer_video.runtime.controls.PipelineControls`, as ``fer-video serve`` passes) enables the
    page's pause button and stage menus.
    """

    def __init__(self, output: str | None = None, host: str = "127.0.0.1", port: int = 8000,
                 controls: Any = None, quality: int = 80, max_viewers: int = 8, history_s: float = 60.0,
                 token: str | None = None, no_token: bool = False) -> None:
        if output is not None:
            raise ValueError("the web sink serves a page and writes no file; add --csv FILE to keep the timeline")
        if not isinstance(host, str) or not host or any(c.isspace() or c in "/@" for c in host):
            raise ValueError(f"host {host!r} is not an address to listen on, e.g. 127.0.0.1")
        self.host = host
        self.port = whole_number("port", port, 0, 65535)
        self.quality = whole_number("quality", quality, 10, 100)
        self.max_viewers = whole_number("max_viewers", max_viewers, 1, 64)
        self.history_s = float(history_s)
        if not 1 <= self.history_s <= 600:
            raise ValueError("history_s must be from 1 to 600 seconds")
        self.controls = controls
        if token is not None and (len(str(token)) < 8 or not set(str(token)) <= _URL_SAFE):
            raise ValueError("a token is 8 or more letters, digits, '-', '_', '.' or '~' (it goes into a URL)")
        if token is not None and no_token:
            raise ValueError("--token and --no-token contradict each other; give one")
        # Off loopback a camera would be shared with the whole network: a token is required there
        # unless no_token says otherwise; on loopback only if one is given.
        self.token = None if no_token else (str(token) if token is not None
                                            else None if _is_loopback(self.host) else secrets.token_urlsafe(24))
        try:
            _bind(self.host, self.port).close()  # fail fast, before models load, if the port is taken
        except RuntimeError as error:
            raise ValueError(str(error)) from None
        self.url: str | None = None
        self.hub: Hub | None = None
        self._run: RunInfo | None = None
        self._server: Any = None
        self._server_thread: threading.Thread | None = None
        self._encoder: threading.Thread | None = None
        self._to_encode: Mailbox[tuple[Frame, float, bool]] = Mailbox()  # an unencoded older frame is replaced
        self._error: BaseException | None = None
        self._seq = 0
        self._repeat_limit = RepeatLimit()

    def start(self, run: RunInfo) -> None:
        import uvicorn

        self._run = run
        self.hub = Hub(history_s=self.history_s, max_viewers=self.max_viewers)
        self._to_encode = Mailbox()
        sock = _bind(self.host, self.port)
        if _is_loopback(self.host):
            allowed, any_ip = [*LOOPBACK_HOSTS, self.host], False
        elif self.token is None:  # --no-token: with no token to keep pages elsewhere out, the Host check does
            allowed, any_ip = [*LOOPBACK_HOSTS, self.host, socket.gethostname()], True
        else:
            allowed, any_ip = None, False
        app = create_app(self.hub, self.controls, self._describe, allowed, self.token,
                         cookie=f"fer-video-token-{sock.getsockname()[1]}", any_ip=any_ip)  # a cookie has no port
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", server_header=False,
                                ws_max_size=MAX_MESSAGE_BYTES * 2, limit_concurrency=64,
                                timeout_graceful_shutdown=2, h11_max_incomplete_event_size=16 * 1024)
        logging.getLogger("uvicorn.error").addFilter(self._repeat_limit)  # after Config set up uvicorn's logging
        self._server = uvicorn.Server(config)
        self._server_thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                               name="fer-video-web", daemon=True)
        self._server_thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if not self._server_thread.is_alive() or time.monotonic() > deadline:
                sock.close()
                self.hub.close()
                raise RuntimeError(f"the web server on {self.host}:{self.port} did not start")
            time.sleep(0.02)
        port = sock.getsockname()[1]
        shown = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        self.url = f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}/"
        self._encoder = threading.Thread(target=self._encode_loop, name="fer-video-jpeg", daemon=True)
        self._encoder.start()
        if self.token is not None:
            say(f"fer-video: live view at {self.url}?token={self.token}  (Ctrl+C stops; the page needs the "
                "token once, then keeps it in a cookie)")
        else:
            say(f"fer-video: live view at {self.url}  (Ctrl+C stops)")
        if any_ip:
            say(f"fer-video: warning: listening on {self.host} with --no-token: anyone who can reach this "
                f"machine can watch and use the controls (by its IP address or its name, {socket.gethostname()})")

    def write(self, frame: Frame) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise RuntimeError(f"the web sink failed to encode a frame: {error}") from error
        captured = frame.captured if frame.captured is not None else time.time()
        analysed = self.controls is None or not self.controls.paused
        self.hub.record(frame, captured, analysed)
        self._to_encode.put((frame, captured, analysed))

    def _encode_loop(self) -> None:
        for frame, captured, analysed in self._to_encode:  # until close(), the newest frame each time
            try:
                self.hub.publish(self._encode(frame, captured, analysed))
            except Exception as error:  # handed to the pipeline by the next write()
                self._error = error

    def _encode(self, frame: Frame, captured: float, analysed: bool) -> Packet:
        ok, jpeg = cv2.imencode(".jpg", frame.annotated(), [cv2.IMWRITE_JPEG_QUALITY, self.quality])
        if not ok:
            raise ValueError("OpenCV could not encode the frame as JPEG")
        self._seq += 1
        height, width = frame.image.shape[:2]
        header = {
            "seq": self._seq,
            "captured": round(captured * 1000, 1),
            "index": frame.index,
            "time_s": round(frame.time_s, 3),
            "width": width,
            "height": height,
            "analysed": analysed,
            "analysed_per_s": self.hub.analysed_per_s(),
            "version": self.controls.version if self.controls is not None else 0,
            "faces": [
                {"id": face.face_id, "box": list(face.box), "emotion": face.emotion,
                 "confidence": round(face.confidence, 4), "scores": [round(float(v), 4) for v in face.scores]}
                for face in frame.faces if face.scores is not None
            ],
        }
        head = json.dumps(header, separators=(",", ":")).encode()
        return Packet(self._seq, captured, struct.pack(">I", len(head)) + head + jpeg.tobytes())

    def _describe(self) -> dict[str, Any]:
        run = self._run
        source = run.source if run is not None else None
        return {
            "emotions": list(EMOTIONS),
            "source": None if source is None else {
                "name": source.path.name if source.path else source.kind,
                "kind": source.kind, "width": source.width, "height": source.height, "fps": round(source.fps, 2),
            },
            "detector": run.detector if run else "",
            "classifier": run.classifier if run else "",
            "history_s": self.history_s,
        }

    def close(self) -> None:
        self._to_encode.finish()
        if self._encoder is not None:
            self._encoder.join(timeout=5)
        if self._server is not None:
            self._server.should_exit = True
        if self.hub is not None:
            self.hub.close()
        if self._server_thread is not None:
            self._server_thread.join(timeout=5)
            self._server_thread = None
        logging.getLogger("uvicorn.error").removeFilter(self._repeat_limit)

    discard = close


_URL_SAFE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _bind(host: str, port: int) -> socket.socket:
    """A listening-ready socket on ``host:port``, or an error that says what to do instead."""
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise RuntimeError(f"port {port} on {host} is already in use (another fer-video serve?); "
                               "pick another with --port, or --port 0 for any free one") from None
        if error.errno == errno.EACCES:
            raise RuntimeError(f"no permission to listen on port {port}; use a port above 1023") from None
        raise RuntimeError(f"cannot listen on {host}:{port} ({error.strerror or error}); "
                           "use an address of this machine, e.g. 127.0.0.1") from None
    return sock
