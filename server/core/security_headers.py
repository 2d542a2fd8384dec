"""Response security headers: a strict nonce-based Content-Security-Policy, HSTS on https
deployments, and `Cache-Control: no-store` wherever a response may hold someone's data.

Kept apart from `server/core/middleware.py` (body caps, locale, CSRF cookie) so each has one job.
The per-request nonce is put in the request state before the app runs; templates read it as
`csp_nonce` (see `server/core/templating.py`) and put it on every `<script>`.
"""

from __future__ import annotations

import re
import secrets

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.core.cookies import SESSION_COOKIE

HSTS_VALUE = "max-age=31536000; includeSubDomains"
_HOST_RE = re.compile(r"^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")


def new_csp_nonce() -> str:
    return secrets.token_urlsafe(18)


def content_security_policy(nonce: str, host: str | None, media_sources: tuple[str, ...] = ()) -> str:
    """Scripts only from this origin or carrying this response's nonce; no plugins, no <base>,
    no framing; media and images from this origin plus blob:/data: (camera previews, recorded
    answers, chart data URLs); fetch and WebSockets back to this origin only, plus the media
    nodes' socket origins when media runs elsewhere (UNTACT_MEDIA_CONNECT_SRC)."""
    connect = ["'self'"]
    if host and _HOST_RE.match(host):
        connect += [f"ws://{host}", f"wss://{host}"]
    connect += list(media_sources)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", f"'nonce-{nonce}'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:", "data:"],
        "font-src": ["'self'"],
        "connect-src": connect,
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


class SecurityHeadersMiddleware:
    """Adds the headers above to every HTTP response (errors and 413s included)."""

    def __init__(self, app: ASGIApp, *, https: bool, media_sources: tuple[str, ...] = ()) -> None:
        self.app = app
        self.https = https
        self.media_sources = media_sources

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = new_csp_nonce()
        state = scope.setdefault("state", {})
        state["csp_nonce"] = nonce
        request_headers = Headers(scope=scope)
        path: str = scope.get("path", "")
        has_session_cookie = f"{SESSION_COOKIE}=" in request_headers.get("cookie", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                out["content-security-policy"] = content_security_policy(
                    nonce, request_headers.get("host"), self.media_sources
                )
                out.setdefault("x-content-type-options", "nosniff")
                out.setdefault("referrer-policy", "same-origin")
                out.setdefault("x-frame-options", "DENY")
                if self.https:
                    out["strict-transport-security"] = HSTS_VALUE
                logged_in = has_session_cookie or state.get("user") is not None
                if not path.startswith("/static/") and (path.startswith("/api/") or logged_in):
                    # Job-centre PCs are shared: nothing personal may stay in the browser's cache.
                    out["cache-control"] = "no-store"
                    out.setdefault("pragma", "no-cache")
            await send(message)

        await self.app(scope, receive, send_with_headers)
