"""The live view's web application: the page, its files, the frame WebSocket, controls, stats and CSV.

Every input is checked against a fixed shape: query parameters and JSON fields are allow-listed,
stage names must be installed ones, request bodies are capped, and only the page's own files are
served (no path from a request ever reaches the file system). Bound to loopback, the server also
refuses other ``Host`` headers and cross-site ``Origin`` headers, so a web page elsewhere cannot
drive it through the browser (DNS rebinding, cross-site WebSocket hijacking). Off loopback, it
also lets in only those who hold its token (:class:`TokenGate`); without one (``--no-token``) it
keeps the ``Host`` check, answering to the machine's names and to any IP address (:class:`HostCheck`).
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from fer_video.builtins.web.guards import BodyLimit, HostCheck, HttpError, SecurityHeaders, TokenGate
from fer_video.builtins.web.hub import Hub, Viewer

STATIC = Path(__file__).with_name("static")
STATIC_FILES = {
    "app.js": "text/javascript; charset=utf-8",
    "live_rules.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
    "theme.css": "text/css; charset=utf-8",
    "uPlot.iife.min.js": "text/javascript; charset=utf-8",
    "uPlot.min.css": "text/css; charset=utf-8",
}
"""The only files served, besides index.html: read once at start-up, never looked up by request path."""

MAX_BODY_BYTES = 1024
"""Largest request body accepted; the only bodies are small JSON control requests."""
MAX_MESSAGE_BYTES = 512
"""Largest WebSocket message a page may send (its frame acknowledgements are ~50 bytes)."""
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]
VIEWER_LIMIT_CODE = 1013
"""The close code ("try again later") a viewer beyond ``max_viewers`` gets, with the reason in words."""


def _query(request: Request, allowed: dict[str, Callable[[str], Any]]) -> dict[str, Any]:
    """The query parameters, each parsed by its validator; any other parameter is an error."""
    unknown = sorted(set(request.query_params) - set(allowed))
    if unknown:
        raise HttpError(400, f"unknown query parameter(s): {', '.join(unknown)}")
    values = {}
    for name, parse in allowed.items():
        if name in request.query_params:
            if len(request.query_params.getlist(name)) > 1:
                raise HttpError(400, f"query parameter {name} given more than once")
            try:
                values[name] = parse(request.query_params[name])
            except ValueError as error:
                raise HttpError(400, f"query parameter {name}: {error}") from None
    return values


def _seconds(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or not 1 <= value <= 60:
        raise ValueError("must be a number of seconds from 1 to 60")
    return value


def _same_origin(headers: Any) -> bool:
    """True when a browser request comes from this server's own page (or from no page at all)."""
    origin = headers.get("origin")
    if origin is None:
        return True  # not sent by a browser page: curl, scripts, the benchmark
    host = headers.get("host", "")
    return origin in (f"http://{host}", f"https://{host}")


def create_app(hub: Hub, controls: Any, describe: Callable[[], dict[str, Any]],
               allowed_hosts: list[str] | None, token: str | None = None, cookie: str = "fer-video-token",
               any_ip: bool = False) -> Starlette:
    """The Starlette application over ``hub``; ``controls`` (or ``None``) takes pause and switch requests,
    and with a ``token`` only those who hold it get in (see :class:`TokenGate`). With ``allowed_hosts``,
    a request must name one of them as its ``Host``, or (``any_ip``) an IP address (see :class:`HostCheck`)."""
    files = {name: (STATIC / name).read_bytes() for name in STATIC_FILES}
    index = (STATIC / "index.html").read_bytes()

    async def page(request: Request) -> Response:
        _query(request, {})
        return Response(index, media_type="text/html; charset=utf-8")

    async def static(request: Request) -> Response:
        _query(request, {"v": str})
        name = request.path_params["name"]
        if name not in files:
            raise HttpError(404, "no such file")
        return Response(files[name], media_type=STATIC_FILES[name])

    async def state(request: Request) -> Response:
        _query(request, {})
        return JSONResponse(_state())

    def _state() -> dict[str, Any]:
        return {**describe(), "controls": controls.state() if controls is not None else None,
                "viewers": len(hub.viewers), "max_viewers": hub.max_viewers}

    async def control(request: Request) -> Response:
        _query(request, {})
        if not _same_origin(request.headers):
            raise HttpError(403, "control requests must come from the fer-video page itself")
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise HttpError(415, "send the control request as application/json")
        if controls is None:
            raise HttpError(409, "this run has no controls; start the page with `fer-video serve`")
        try:
            body = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            raise HttpError(400, "the body is not valid JSON") from None
        if not isinstance(body, dict) or not all(isinstance(v, str) for v in body.values()):
            raise HttpError(400, 'send an object of strings, e.g. {"action": "pause"}')
        action = body.get("action")
        fields = {"pause": {"action"}, "resume": {"action"}, "switch": {"action", "kind", "name"}}
        if action not in fields:
            raise HttpError(400, "action must be pause, resume or switch")
        if set(body) != fields[action]:
            raise HttpError(400, f"{action} takes exactly the fields {', '.join(sorted(fields[action]))}")
        if action == "pause":
            controls.pause()
        elif action == "resume":
            controls.resume()
        else:
            try:
                controls.switch(body["kind"], body["name"])  # checks both against the installed stages
            except ValueError as error:
                raise HttpError(400, str(error)) from None
        return JSONResponse(_state())

    async def history(request: Request) -> Response:
        query = _query(request, {"seconds": _seconds})
        return JSONResponse(hub.history(query.get("seconds", hub.history_s)))

    async def stats(request: Request) -> Response:
        query = _query(request, {"window": _seconds})
        return JSONResponse(hub.stats(**query))

    async def timeline_csv(request: Request) -> Response:
        _query(request, {})
        size = hub.timeline.snapshot()
        path = hub.timeline.path

        def chunks() -> Iterator[bytes]:
            left = size
            with path.open("rb") as handle:
                while left > 0:
                    chunk = handle.read(min(left, 1 << 16))
                    if not chunk:
                        return
                    left -= len(chunk)
                    yield chunk

        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(time.time() - (time.monotonic() - hub.started)))
        return StreamingResponse(chunks(), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="fer-video-session-{stamp}.csv"',
            "Content-Length": str(size),
        })

    async def frames(websocket: WebSocket) -> None:
        if not _same_origin(websocket.headers):
            await websocket.close(code=1008, reason="cross-site connection refused")
            return
        viewer = hub.add_viewer()
        if viewer is None:  # accepted only to say why: a browser shows a refused handshake's page no reason
            await websocket.accept()
            await websocket.close(code=VIEWER_LIMIT_CODE, reason=f"viewer limit reached ({hub.max_viewers} "
                                                                  "watching); try again later")
            return
        await websocket.accept()
        sender = asyncio.create_task(_send_frames(websocket, viewer))
        receiver = asyncio.create_task(_receive_acks(websocket, viewer))
        try:
            await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sender, receiver):
                task.cancel()
            await asyncio.gather(sender, receiver, return_exceptions=True)
            hub.remove_viewer(viewer)
            try:
                await websocket.close()
            except Exception:  # the page already went away
                pass

    async def _send_frames(websocket: WebSocket, viewer: Viewer) -> None:
        while not hub.closed:
            await viewer.event.wait()
            viewer.event.clear()
            packet = hub.latest
            if packet is None or packet.seq <= viewer.sent_seq or viewer.in_flight >= Viewer.MAX_IN_FLIGHT:
                continue
            viewer.sent_seq = packet.seq
            viewer.in_flight += 1
            viewer.sent.append((time.monotonic(), (time.time() - packet.captured) * 1000))
            await websocket.send_bytes(packet.data)

    async def _receive_acks(websocket: WebSocket, viewer: Viewer) -> None:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is None or len(text) > MAX_MESSAGE_BYTES:
                await websocket.close(code=1008, reason="send only small JSON acknowledgements")
                return
            try:
                ack = json.loads(text)
                seq, latency = ack["ack"], ack.get("latency_ms")
                valid = (isinstance(ack, dict) and set(ack) <= {"ack", "latency_ms"} and isinstance(seq, int)
                         and 0 < seq <= viewer.sent_seq and (latency is None or isinstance(latency, (int, float))))
            except (ValueError, KeyError, TypeError):
                valid = False
            if not valid:
                await websocket.close(code=1008, reason='acknowledge as {"ack": SEQ, "latency_ms": MS}')
                return
            viewer.in_flight = max(0, viewer.in_flight - 1)
            if latency is not None and 0 <= latency < 60_000:  # a remote viewer's clock may be off: ignore then
                viewer.shown.append((time.monotonic(), float(latency)))
            viewer.event.set()  # room for the newest frame again

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HttpError)
        return JSONResponse({"error": error.message}, status_code=error.status)

    middleware = [Middleware(SecurityHeaders), Middleware(BodyLimit, limit=MAX_BODY_BYTES)]
    if token is not None:
        middleware.insert(0, Middleware(TokenGate, token=token, cookie=cookie))
    if allowed_hosts is not None:
        middleware.insert(0, Middleware(HostCheck, names=allowed_hosts, any_ip=any_ip))
    routes = [
        Route("/", page),
        Route("/static/{name}", static),
        Route("/api/state", state),
        Route("/api/control", control, methods=["POST"]),
        Route("/api/history", history),
        Route("/stats", stats),
        Route("/timeline.csv", timeline_csv),
        WebSocketRoute("/ws", frames),
    ]
    return Starlette(routes=routes, middleware=middleware, exception_handlers={HttpError: http_error})
