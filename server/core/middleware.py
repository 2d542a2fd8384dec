"""ASGI middleware: request size cap, locale, CSRF cookie, security headers."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.core.cookies import CSRF_COOKIE, new_csrf_token
from server.core.errors import error_body
from server.core.i18n import normalize_locale, translate
from server.core.limits import BodyLimit, body_limit, json_nesting_exceeds

LOCALE_COOKIE = "untact_locale"


class BodyTooLarge(StarletteHTTPException):
    """Raised while the body streams in. FastAPI passes HTTP exceptions raised by `receive`
    through unchanged (anything else becomes a 400); `error_code`/`error_params` let the app's
    handler answer with the route's own code, e.g. `intro_video_too_large`."""

    def __init__(self, cap: BodyLimit) -> None:
        super().__init__(status_code=413, headers={"Connection": "close"})
        self.error_code = cap.too_large_code
        self.error_params: dict[str, Any] = {"max_mb": cap.max_mb} if cap.max_mb is not None else {}


class RequestGuardMiddleware:
    """Caps request bodies, refuses deeply nested JSON, picks the locale, and issues the
    double-submit CSRF cookie.

    The cap comes from the route (method + path, `server.core.limits.body_limit`), so it is
    known before the body is read and before CSRF or login are checked: only upload routes get
    a large cap, whatever content type a client claims. It is checked against Content-Length up
    front and again while a chunked body streams in, so leaving the header out does not help.
    A body that goes over the cap while streaming has its rest read and dropped (bounded, see
    `_discard_rest`) before the 413, so the client still sending it reads the typed error.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        upload_caps_mb: dict[str, int],
        https: bool,
        default_locale: str,
    ) -> None:
        self.app = app
        self.default_locale = default_locale
        self.max_body_bytes = max_body_bytes
        self.upload_caps_mb = dict(upload_caps_mb)
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
        cap = body_limit(scope["method"], scope["path"], self.upload_caps_mb, self.max_body_bytes)
        limit = cap.max_bytes
        declared = headers.get("content-length")
        if declared is not None and not declared.isdigit():
            await _send_error(send, locale, 400, "bad_request")
            return
        if declared is not None and int(declared) > limit:
            await _send_too_large(send, locale, cap)
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            body_done = message["type"] != "http.request" or not message.get("more_body", False)
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    if not body_done:
                        await _discard_rest(receive)
                    raise BodyTooLarge(cap)
            return message

        app_receive: Receive = limited_receive
        if limit == self.max_body_bytes and _may_be_json(headers.get("content-type")):
            # Small bodies only (the JSON cap): read it here, refuse deep nesting before any
            # parser recurses into it, then hand the same bytes to the app.
            try:
                body = await _read_body(limited_receive)
            except BodyTooLarge:
                await _send_too_large(send, locale, cap)
                return
            if json_nesting_exceeds(body):
                await _send_error(send, locale, 422, "json_too_deep")
                return
            app_receive = _replay(body, receive)

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
            await send(message)

        try:
            await self.app(scope, app_receive, send_with_cookie)
        except BodyTooLarge:
            if not response_started:
                await _send_too_large(send, locale, cap)


def _may_be_json(content_type: str | None) -> bool:
    """FastAPI parses a body as JSON when the type is JSON, `+json`, or missing."""
    if not content_type:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


# A body over its cap: the rest is read and thrown away (bounded) before the 413 goes out and
# the connection closes. Closing a socket with unread bytes in it makes the kernel reset the
# connection, and a client still sending then gets the reset instead of the typed error.
DISCARD_MAX_BYTES = 8 * 1024 * 1024
DISCARD_MAX_S = 5.0
DISCARD_IDLE_S = 1.0  # a client that sends nothing more for this long is waiting for the answer


async def _discard_rest(receive: Receive) -> None:
    discarded = 0
    deadline = time.monotonic() + DISCARD_MAX_S
    while discarded < DISCARD_MAX_BYTES:
        wait_s = min(DISCARD_IDLE_S, deadline - time.monotonic())
        if wait_s <= 0:
            return
        try:
            message = await asyncio.wait_for(receive(), wait_s)
        except TimeoutError:
            return
        if message["type"] != "http.request":
            return
        discarded += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay_receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: the disconnect

    return replay_receive


async def _send_too_large(send: Send, locale: str, cap: BodyLimit) -> None:
    params = {"max_mb": cap.max_mb} if cap.max_mb is not None else {}
    await _send_error(send, locale, 413, cap.too_large_code, **params)


async def _send_error(send: Send, locale: str, status: int, code: str, **params: Any) -> None:
    message = translate(locale, f"error.{code}", **params)
    body = json.dumps(error_body(code, message), ensure_ascii=False).encode()
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    start: dict[str, Any] = {"type": "http.response.start", "status": status, "headers": headers}
    await send(start)
    await send({"type": "http.response.body", "body": body})
