"""What stands between a request and the live view's routes: the ``Host`` check, a cap on request
bodies, the page's security headers, and, off loopback, the token gate; and the error a request that
fails a check gets."""

from __future__ import annotations

import hmac
import ipaddress
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


class HostCheck:
    """Refuses a request whose ``Host`` is not one of ``names`` (or, with ``any_ip``, an IP address): 400.

    A page elsewhere can reach this server through the browser only under a name its own DNS points
    here (DNS rebinding); a name this server does not know, then, is such a page. An IP address
    cannot be rebound, so off loopback every address of the machine is let in without listing them.
    """

    def __init__(self, app: ASGIApp, names: list[str], any_ip: bool = False) -> None:
        self.app = app
        self.names = {name.lower().strip("[]") for name in names}
        self.any_ip = any_ip

    def allows(self, host: str) -> bool:
        name = host.lower()
        if name.startswith("["):  # [v6]:port
            name = name[1:].partition("]")[0]
        elif name.count(":") == 1:
            name = name.partition(":")[0]
        if name in self.names:
            return True
        if not self.any_ip:
            return False
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return False
        return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self.allows(Headers(scope=scope).get("host", "")):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": "unknown Host"})
            return
        await JSONResponse({"error": "this live view answers only to this machine's own names and addresses: "
                                     "open it by the address fer-video printed"}, status_code=400)(scope, receive, send)


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
