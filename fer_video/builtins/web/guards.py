"""What stands between a request and the live view's routes: a cap on request bodies, the page's
security headers, and, off loopback, the token gate; and the error a request that fails a check gets."""

from __future__ import annotations

import hmac
import ipaddress
import socket
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs, urlencode

from starlette.datastructures import Headers
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' blob: data:; connect-src 'self'; style-src 'self' 'unsafe-inline'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class HttpError(Exception):
    """A request that fails validation: answered with ``status`` and a JSON ``{"error": message}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class BodyLimit:
    """Refuses request bodies over ``limit`` bytes (413), by Content-Length or as they stream in."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and (not value.isdigit() or int(value) > self.limit):
                await _too_large(self.limit)(scope, receive, send)
                return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise HttpError(413, f"request body over {self.limit} bytes")
            return message

        await self.app(scope, limited, send)


def _too_large(limit: int) -> Response:
    return JSONResponse({"error": f"request body over {limit} bytes"}, status_code=413)


class SecurityHeaders:
    """Adds the page's security headers to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()
                            if k.lower().encode() not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


class TokenGate:
    """Off loopback, only those who hold the token printed at start get in; everything else is a 403.

    The token comes once, in the URL (``/?token=...``, as Jupyter prints it); the answer is a
    redirect to the same page without it, setting an HttpOnly, SameSite cookie, so the token stays
    out of the address bar, the history and later requests. Scripts may send ``Authorization:
    token ...`` instead. A WebSocket without the cookie is refused at the handshake.
    """

    def __init__(self, app: ASGIApp, token: str, cookie: str) -> None:
        self.app = app
        self.token = token.encode()
        self.cookie = cookie

    def _holds(self, value: str | None) -> bool:
        return value is not None and hmac.compare_digest(value.encode(), self.token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        cookies = SimpleCookie()
        try:
            cookies.load(headers.get("cookie", ""))
        except CookieError:
            pass
        held = cookies.get(self.cookie)
        scheme, _, given = headers.get("authorization", "").partition(" ")
        if self._holds(held.value if held else None) or (scheme.lower() in ("token", "bearer")
                                                         and self._holds(given.strip())):
            await self.app(scope, receive, send)
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        offered = query.get("token", [])
        if scope["type"] == "http" and len(offered) == 1 and self._holds(offered[0]):
            rest = urlencode([(k, v) for k, values in query.items() if k != "token" for v in values], doseq=True)
            response = RedirectResponse(scope["path"] + (f"?{rest}" if rest else ""), status_code=303)
            response.set_cookie(self.cookie, self.token.decode(), httponly=True, samesite="strict", path="/")
            await response(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": "open the page with its token first"})
            return
        await JSONResponse({"error": "this live view needs its token: open the URL fer-video printed at start "
                                     "(.../?token=...)"}, status_code=403)(scope, receive, send)


class NamedHosts:
    """Off loopback with no token: a request must name this machine, by an IP address or one of its own
    names, in its Host header. A page on another site whose name an attacker points at this machine
    (DNS rebinding) names that site instead, and is refused: the Origin check alone compares the Origin
    with that same Host, so it let such a page use the controls."""

    def __init__(self, app: ASGIApp, names: list[str]) -> None:
        self.app = app
        self.names = {name.lower() for name in names}

    def _allowed(self, host: str) -> bool:
        if host.startswith("["):  # [::1]:8000
            name = host[1:].partition("]")[0]
        else:  # 192.168.1.5:8000, lab-pc:8000, lab-pc
            name = host.partition(":")[0] if host.count(":") == 1 else host
        try:
            ipaddress.ip_address(name)
            return True
        except ValueError:
            return name.lower() in self.names

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and not self._allowed(Headers(scope=scope).get("host", "")):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008, "reason": "this machine's name is not the Host"})
                return
            await JSONResponse({"error": "invalid Host header: reach this live view by the machine's address or "
                                         "name"}, status_code=400)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def own_names() -> list[str]:
    """This machine's names, as a browser on the network may reach it."""
    names = [socket.gethostname(), socket.getfqdn()]
    return [*names, *(f"{name}.local" for name in names)]
