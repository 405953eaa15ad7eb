"""The ASGI middleware in front of every route: who may call, from where, and how much.

In order, for every HTTP request:

1. **Host** (only without a token): the ``Host`` header must be a loopback name
   (``localhost``, ``127.0.0.1``, ``[::1]``), so a web page that re-points its own domain
   at 127.0.0.1 (DNS rebinding) cannot talk to the server.
2. **Token** (only with a token): ``Authorization: Bearer TOKEN`` or the cookie set by
   opening ``/?token=TOKEN`` once (that visit redirects to the same URL without the
   token). Compared in constant time with :func:`hmac.compare_digest`. The cookie holds
   an HMAC of the token, not the token, and is ``HttpOnly; SameSite=Strict``.
3. **Origin**: a state-changing request (POST, PUT, PATCH, DELETE) that carries an
   ``Origin`` other than the server's own (or one listed in ``allow_origins``) is refused,
   and its body must be JSON, which a cross-site HTML form cannot send. There is no CORS
   header at all (except under ``token_cors``, below), so other sites cannot read any answer either.
4. **Size**: a body larger than ``max_body_bytes`` gets 413 before it is read in full.

**Cross-origin with the token** (``token_cors``, off by default; the notebook widget turns it
on): the widget's page comes from the notebook server (``http://localhost:8888``, a VS Code
webview, a Colab frame), an origin not known when the server starts. With ``token_cors`` a
CORS preflight to ``/api/...`` is answered for any origin (it carries no credentials and
changes nothing), and a cross-origin request that carries the token in its
``Authorization: Bearer`` *header* gets ``Access-Control-Allow-Origin`` for exactly its
origin and passes the origin check. Other pages cannot know the token, and the cookie never
counts cross-origin, so nothing ambient is exposed; ``Access-Control-Allow-Credentials`` is
never sent.

Every refusal is the usual error envelope. Every answer carries a strict
``Content-Security-Policy`` (scripts, styles and connections from this server only, no
inline script or style), ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY`` (no clickjacking through a frame) and
``Referrer-Policy: no-referrer``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from promptlight.server.errors import error_response
from promptlight.server.settings import is_loopback

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: The UI is one module script and one stylesheet from this server: nothing inline, nothing elsewhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode("ascii")),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)


def cookie_name(port: int) -> str:
    """Cookies ignore ports, so two servers on one host each get their own cookie."""
    return f"promptlight_auth_{port}"


def cookie_value(token: str) -> str:
    return hmac.new(token.encode("utf-8"), b"promptlight-cookie-v1", hashlib.sha256).hexdigest()


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8", "surrogateescape"), b.encode("utf-8", "surrogateescape"))


def _host_name(host_header: str) -> str:
    """``"localhost:5432"`` -> ``"localhost"``; ``"[::1]:80"`` -> ``"::1"``."""
    if host_header.startswith("["):
        return host_header[1 : host_header.find("]")] if "]" in host_header else host_header
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


class Guard:
    """Host, token, origin and size checks (see the module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        token: str = "",
        port: int = 5432,
        max_body_bytes: int = 1_048_576,
        allow_origins: tuple[str, ...] = (),
        token_cors: bool = False,
    ) -> None:
        self.app = app
        self.token = token
        self.token_cors = token_cors and bool(token)
        self.cookie = cookie_name(port)
        self.cookie_value = cookie_value(token) if token else ""
        self.max_body_bytes = max_body_bytes
        self.allow_origins = frozenset(o.lower() for o in allow_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_security_headers(send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        method = scope["method"]
        path = scope.get("path", "")
        host = headers.get("host", "")

        if not self.token and not is_loopback(_host_name(host)):
            await self._refuse(scope, receive, send, 403, "forbidden",
                f"This server answers only on localhost (the request named host {host!r}). "
                "To serve other machines, start it with --host 0.0.0.0 and an access token (PROMPTLIGHT_TOKEN).")  # fmt: skip
            return

        cross_origin_ok = False
        origin = headers.get("origin")
        if self.token_cors and origin is not None and not self._same_origin(origin, host):
            if method == "OPTIONS" and "access-control-request-method" in headers and path.startswith("/api/"):
                await _preflight(send, origin, headers)
                return
            if self._bearer_ok(headers):
                cross_origin_ok = True
                send = _with_cors_headers(send, origin)

        if self.token:
            if path == "/" and method in ("GET", "HEAD"):
                query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
                if "token" in query:
                    await self._token_link(scope, receive, send, query)
                    return
            if not self._authorized(headers):
                await self._refuse(scope, receive, send, 401, "unauthorized",
                    "This server needs its access token: send the header 'Authorization: Bearer TOKEN', "
                    "or open the app once as /?token=TOKEN.",
                    extra={"WWW-Authenticate": 'Bearer realm="promptlight"'})  # fmt: skip
                return

        if method not in SAFE_METHODS:
            if origin is not None and not cross_origin_ok and not self._origin_ok(origin, host, scope):
                await self._refuse(scope, receive, send, 403, "forbidden",
                    f"Requests that change data are accepted only from this server's own pages, not from {origin!r}. "
                    "To trust another origin (e.g. a dev server), add it to --allow-origins.")  # fmt: skip
                return
            body_expected = headers.get("content-length", "0") != "0" or "transfer-encoding" in headers
            content_type = headers.get("content-type", "").split(";")[0].strip().lower()
            if path.startswith("/api/") and body_expected and content_type != "application/json":
                await self._refuse(scope, receive, send, 415, "unsupported_media_type",
                    f"Send the body as JSON with 'Content-Type: application/json' (got {content_type or 'none'!r}).",
                    field="body")  # fmt: skip
                return

        declared = headers.get("content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_body_bytes
            except ValueError:
                await self._refuse(scope, receive, send, 400, "invalid_request", "Invalid Content-Length header.")
                return
            if too_big:
                await self._too_large(scope, receive, send)
                return
        if method in SAFE_METHODS and declared is None and "transfer-encoding" not in headers:
            await self.app(scope, receive, send)
            return

        body, complete = await self._read_body(receive)
        if not complete:
            await self._too_large(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    # --- checks -----------------------------------------------------------------------

    def _bearer_ok(self, headers: dict[str, str]) -> bool:
        scheme, _, credentials = headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and bool(credentials) and _same(credentials.strip(), self.token)

    def _authorized(self, headers: dict[str, str]) -> bool:
        if self._bearer_ok(headers):
            return True
        for part in headers.get("cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == self.cookie and _same(value, self.cookie_value):
                return True
        return False

    @staticmethod
    def _same_origin(origin: str, host: str) -> bool:
        return urlsplit(origin.strip().lower()).netloc == host.lower()

    def _origin_ok(self, origin: str, host: str, scope: Scope) -> bool:
        origin = origin.strip().lower().rstrip("/")
        if origin in self.allow_origins:
            return True
        if origin == "null":
            return False
        parts = urlsplit(origin)
        return bool(parts.netloc) and parts.netloc == host.lower()

    # --- answers ----------------------------------------------------------------------

    async def _token_link(self, scope: Scope, receive: Receive, send: Send, query: dict[str, str]) -> None:
        """``/?token=...``: set the cookie and redirect to the same page without the token."""
        if not _same(query["token"], self.token):
            await self._refuse(scope, receive, send, 401, "unauthorized",
                "The token in the link is not this server's access token.")  # fmt: skip
            return
        from starlette.responses import RedirectResponse

        rest = urlencode([(k, v) for k, v in query.items() if k != "token"])
        response = RedirectResponse("/" + (f"?{rest}" if rest else ""), status_code=303)
        response.set_cookie(
            self.cookie,
            self.cookie_value,
            httponly=True,
            samesite="strict",
            secure=scope.get("scheme") == "https",
            path="/",
        )
        await response(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._refuse(scope, receive, send, 413, "too_large",
            f"The request body is larger than max_body_bytes = {self.max_body_bytes} bytes "
            "(setting --max-body-bytes / PROMPTLIGHT_MAX_BODY_BYTES).",
            field="body")  # fmt: skip

    async def _refuse(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        extra: dict[str, str] | None = None,
    ) -> None:
        headers = {"Connection": "close"} if status == 413 else {}
        headers.update(extra or {})
        await error_response(status, code, message, field, headers)(scope, receive, send)

    async def _read_body(self, receive: Receive) -> tuple[bytes, bool]:
        """The whole body, or ``(partial, False)`` as soon as it passes the limit."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # http.disconnect: pass what we have on; the app sees the disconnect next
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return b"", False
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks), True


def _with_security_headers(send: Send) -> Send:
    async def sender(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = {name.lower() for name, _ in message.get("headers", [])}
            extra = [(k, v) for k, v in SECURITY_HEADERS if k not in present]
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return sender


CORS_EXPOSED = b"Retry-After, X-Total-Count, X-Promptlight-Call"


async def _preflight(send: Send, origin: str, headers: dict[str, str]) -> None:
    """The answer to a CORS preflight under ``token_cors``: 204, this origin, the methods and headers the UI uses."""
    cors = [
        (b"access-control-allow-origin", origin.encode("latin-1")),
        (b"access-control-allow-methods", b"GET, POST, PUT, DELETE"),
        (b"access-control-allow-headers", b"Authorization, Content-Type, Accept, X-Promptlight-Call"),
        (b"access-control-max-age", b"600"),
        (b"vary", b"Origin"),
    ]
    if headers.get("access-control-request-private-network") == "true":
        # Chrome's Private Network Access: a page on another address may call this loopback server.
        cors.append((b"access-control-allow-private-network", b"true"))
    await send({"type": "http.response.start", "status": 204, "headers": cors})
    await send({"type": "http.response.body", "body": b""})


def _with_cors_headers(send: Send, origin: str) -> Send:
    """Let the page at ``origin`` read this answer (only for requests that carried the token)."""
    cors = [
        (b"access-control-allow-origin", origin.encode("latin-1")),
        (b"access-control-expose-headers", CORS_EXPOSED),
        (b"vary", b"Origin"),
    ]

    async def sender(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *cors]}
        await send(message)

    return sender


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
