"""ASGI middleware: request size cap, locale, CSRF cookie, security headers."""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.errors import error_body
from server.i18n import normalize_locale, translate
from server.security import CSRF_COOKIE, new_csrf_token

LOCALE_COOKIE = "untact_locale"


class BodyTooLarge(StarletteHTTPException):
    """Raised while the body streams in; FastAPI passes HTTP exceptions through unchanged."""

    def __init__(self) -> None:
        super().__init__(status_code=413)


class RequestGuardMiddleware:
    """Caps request bodies, picks the locale, and issues the double-submit CSRF cookie.

    The cap is checked against Content-Length up front and again while a chunked body
    streams in, so a client cannot get around it by leaving the header out.
    """

    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int, https: bool, default_locale: str
    ) -> None:
        self.app = app
        self.default_locale = default_locale
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        # Korean unless the person chose English: the browser's Accept-Language is not
        # consulted, since centre PCs often run English-language browsers.
        locale = normalize_locale(
            connection.query_params.get("lang") or connection.cookies.get(LOCALE_COOKIE),
            self.default_locale,
        )
        csrf_token = connection.cookies.get(CSRF_COOKIE)
        issue_cookie = not csrf_token
        if issue_cookie:
            csrf_token = new_csrf_token()
        state = scope.setdefault("state", {})
        state["locale"] = locale
        state["csrf_token"] = csrf_token
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return

        headers = Headers(scope=scope)
        is_upload = _is_upload(headers.get("content-type", ""))
        limit = self.max_upload_bytes if is_upload else self.max_body_bytes
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _send_too_large(send, locale)
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge()
            return message

        response_started = False

        async def send_with_cookie(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                out = MutableHeaders(scope=message)
                if issue_cookie:
                    cookie = f"{CSRF_COOKIE}={csrf_token}; Path=/; SameSite=Lax"
                    if self.https:
                        cookie += "; Secure"
                    out.append("set-cookie", cookie)
                out.setdefault("x-content-type-options", "nosniff")
                out.setdefault("referrer-policy", "same-origin")
                out.setdefault("x-frame-options", "DENY")
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_cookie)
        except BodyTooLarge:
            if not response_started:
                await _send_too_large(send, locale)


UPLOAD_CONTENT_TYPES = ("multipart/form-data", "video/", "application/octet-stream")


def _is_upload(content_type: str) -> bool:
    """Multipart forms and raw media bodies (an intro video PUT as `video/*`) may be as large
    as the upload cap; routes that take them stream the body and apply their own, smaller cap.
    Everything else is JSON or a form and gets the small cap."""
    return content_type.lower().startswith(UPLOAD_CONTENT_TYPES)


async def _send_too_large(send: Send, locale: str) -> None:
    body = json.dumps(
        error_body("payload_too_large", translate(locale, "error.payload_too_large")),
        ensure_ascii=False,
    ).encode()
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    start: dict[str, Any] = {"type": "http.response.start", "status": 413, "headers": headers}
    await send(start)
    await send({"type": "http.response.body", "body": body})
