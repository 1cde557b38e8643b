"""Guards around every request: security headers, allowed Host names, an access token, read-only
mode and CSRF tokens on anything that changes state.

Everything shown was written by strangers, so the page runs no inline script (CSP), is never
framed, and sends no Referer to the sites it links to. CSRF: each browser gets a random id in an
HttpOnly, SameSite=Strict cookie; a form carries HMAC(secret, id) in a hidden ``csrf_token``
field, and every POST/PUT/PATCH/DELETE without a matching token is refused before any route
sees it (so a route added later is protected without remembering to be).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_COOKIE, CSRF_FIELD, CSRF_HEADER = "crescent_csrf", "csrf_token", "x-csrf-token"
TOKEN_COOKIE = "crescent_token"
MAX_FORM_BYTES = 256 * 1024
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


def csrf_token(secret: bytes, browser_id: str) -> str:
    return hmac.new(secret, browser_id.encode(), hashlib.sha256).hexdigest()


class Guard:
    """Pure ASGI middleware (no per-request task switch) wrapping the whole app."""

    def __init__(self, app: ASGIApp, *, token: str | None = None, read_only: bool = False,
                 allowed_hosts: tuple[str, ...] | None = LOOPBACK_HOSTS,
                 secret: bytes | None = None) -> None:
        self.app = app
        self.token = token
        self.read_only = read_only
        self.allowed_hosts = allowed_hosts
        self.secret = secret or secrets.token_bytes(32)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope["headers"]}
        cookies = _cookies(headers.get("cookie", ""))
        extra: list[tuple[bytes, bytes]] = []

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *HEADERS,
                                                   *extra]}
            await send(message)

        host = headers.get("host", "").rsplit(":", 1)[0] if not headers.get(
            "host", "").startswith("[") else headers.get("host", "").split("]")[0] + "]"
        if self.allowed_hosts is not None and host not in self.allowed_hosts:
            await _refuse(send_with_headers, 400, "This server answers only to its own address "
                                                  f"({', '.join(self.allowed_hosts)}).")
            return
        if self.token and not await self._authorised(scope, headers, cookies, send_with_headers):
            return
        method = scope["method"]
        if method not in SAFE_METHODS and self.read_only:
            await _refuse(send_with_headers, 405, "This server is read-only: nothing can be "
                                                  "changed through it.")
            return
        browser_id = cookies.get(CSRF_COOKIE, "")
        if len(browser_id) != 43:  # token_urlsafe(32)
            browser_id = secrets.token_urlsafe(32)
            extra.append((b"set-cookie", (f"{CSRF_COOKIE}={browser_id}; Path=/; HttpOnly; "
                                          "SameSite=Strict").encode()))
        expected = csrf_token(self.secret, browser_id)
        scope.setdefault("state", {})["csrf_token"] = expected
        if method not in SAFE_METHODS:
            body, receive = await _read_body(receive)
            if body is None:
                await _refuse(send_with_headers, 413, "The form is too large.")
                return
            given = headers.get(CSRF_HEADER, "")
            if not given and headers.get("content-type", "").startswith(
                    "application/x-www-form-urlencoded"):
                given = (parse_qs(body.decode("utf-8", "replace")).get(CSRF_FIELD) or [""])[0]
            if CSRF_COOKIE not in cookies or not hmac.compare_digest(given, expected):
                await _refuse(send_with_headers, 403, "The form's security token is missing or "
                                                      "stale: reload the page and send it again.")
                return
        await self.app(scope, receive, send_with_headers)

    async def _authorised(self, scope: Scope, headers: dict[str, str], cookies: dict[str, str],
                          send: Send) -> bool:
        """Bearer header, the token cookie, or ``?token=`` once (which sets the cookie)."""
        assert self.token
        bearer = headers.get("authorization", "")
        if bearer.startswith("Bearer ") and hmac.compare_digest(bearer[7:], self.token):
            return True
        if hmac.compare_digest(cookies.get(TOKEN_COOKIE, ""), self.token):
            return True
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = (query.pop("token", None) or [""])[0]
        if given and hmac.compare_digest(given, self.token) and scope["method"] in SAFE_METHODS:
            rest = urlencode(query, doseq=True)
            location = scope["path"] + (f"?{rest}" if rest else "")
            await send({"type": "http.response.start", "status": 303, "headers": [
                (b"location", location.encode("latin-1", "replace")),
                (b"set-cookie", f"{TOKEN_COOKIE}={self.token}; Path=/; HttpOnly; "
                                f"SameSite=Strict".encode()),
                (b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})
            return False
        await _refuse(send, 401, "This server needs its access token: open the address "
                                 "`crescent serve` printed (it carries ?token=…), or send "
                                 "`Authorization: Bearer TOKEN`.")
        return False


def _cookies(header: str) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except Exception:  # a malformed Cookie header counts as none
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


async def _read_body(receive: Receive) -> tuple[bytes | None, Receive]:
    """The whole body (at most MAX_FORM_BYTES), and a receive that replays it to the app."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return None, receive
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    body = b"".join(chunks)
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


async def _refuse(send: Send, status: int, message: str) -> None:
    from html import escape

    body = (f"<!DOCTYPE html><html lang=en><meta charset=utf-8><title>{status}</title>"
            f"<link rel=stylesheet href=/static/style.css><main><h1>{status}</h1>"
            f"<p class=error>{escape(message)}</p></main></html>").encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
