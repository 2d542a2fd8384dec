"""Open WebSockets per login session, so that logging out closes them.

Every accepted WebSocket that came with a session cookie is registered under the hash of that
session's token (`app.state.session_sockets`). When the session ends — logout through
`server/web_session.end_login_session` at once, and on every process heartbeat
(`end_ended_sessions`) a session that expired, was logged out in another process, or whose user
was deactivated — each of its sockets is sent a close frame with the typed code
`SESSION_ENDED_CLOSE_CODE` / reason `session_ended`, and the route's own receive loop sees a
disconnect, so it tears down its peer, recorder or room membership on its normal path.

It works at the ASGI level, so the three socket routes (practice answers, one-way answers, live
rooms) need no code of their own.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from http.cookies import SimpleCookie

from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.accounts.security import ended_session_hashes, session_token_hash
from server.core.cookies import SESSION_COOKIE
from server.core.db import session_scope

log = logging.getLogger("untact.sockets")

SESSION_ENDED_CLOSE_CODE = 4401
SESSION_ENDED_REASON = "session_ended"


class _SocketHandle:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.ended = asyncio.Event()

    def end(self) -> None:
        self.loop.call_soon_threadsafe(self.ended.set)


class SessionSocketRegistry:
    """Thread-safe: sync routes (run in the thread pool) end sessions, the loop owns the sockets."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: dict[str, set[_SocketHandle]] = {}

    def add(self, session_hash: str, handle: _SocketHandle) -> None:
        with self._lock:
            self._sockets.setdefault(session_hash, set()).add(handle)

    def remove(self, session_hash: str, handle: _SocketHandle) -> None:
        with self._lock:
            handles = self._sockets.get(session_hash)
            if handles is not None:
                handles.discard(handle)
                if not handles:
                    del self._sockets[session_hash]

    def open_count(self, session_hash: str | None = None) -> int:
        with self._lock:
            if session_hash is not None:
                return len(self._sockets.get(session_hash, ()))
            return sum(len(h) for h in self._sockets.values())

    def session_hashes(self) -> list[str]:
        with self._lock:
            return list(self._sockets)

    def end_session(self, session_hash: str) -> int:
        """Close every socket of the session; returns how many were open."""
        with self._lock:
            handles = list(self._sockets.get(session_hash, ()))
        for handle in handles:
            handle.end()
        return len(handles)


def end_ended_sessions(registry: SessionSocketRegistry, factory: sessionmaker[Session]) -> int:
    """Close the sockets of every session that no longer lets its user in; returns how many.
    Runs in the heartbeat thread (see `server/app.py`), so a socket outlives its session by at
    most one heartbeat interval."""
    open_hashes = registry.session_hashes()
    if not open_hashes:
        return 0
    with session_scope(factory) as db:
        ended = ended_session_hashes(db, open_hashes)
    closed = sum(registry.end_session(h) for h in ended)
    if closed:
        log.info("closed the sockets of ended sessions", extra={"sessions": len(ended), "sockets": closed})
    return closed


def _session_hash(scope: Scope) -> str | None:
    cookie_header = Headers(scope=scope).get("cookie")
    if not cookie_header:
        return None
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(cookie_header)
    except Exception:
        return None
    morsel = cookies.get(SESSION_COOKIE)
    return session_token_hash(morsel.value) if morsel is not None and morsel.value else None


class SessionSocketsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        registry: SessionSocketRegistry | None = getattr(scope["app"].state, "session_sockets", None)
        session_hash = _session_hash(scope) if scope["type"] == "websocket" else None
        if registry is None or session_hash is None:
            await self.app(scope, receive, send)
            return
        handle = _SocketHandle(asyncio.get_running_loop())
        registered = False
        closed_by_us = False
        pending: asyncio.Task[Message] | None = None

        async def tracked_send(message: Message) -> None:
            nonlocal registered
            if closed_by_us:
                return  # the session ended: nothing more goes out after our close frame
            if message["type"] == "websocket.accept" and not registered:
                registry.add(session_hash, handle)
                registered = True
            await send(message)

        async def session_receive() -> Message:
            nonlocal pending, closed_by_us
            if not handle.ended.is_set():
                if pending is None:
                    pending = asyncio.ensure_future(receive())
                ended = asyncio.ensure_future(handle.ended.wait())
                try:
                    await asyncio.wait({pending, ended}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    ended.cancel()
                if pending.done() and not handle.ended.is_set():
                    message, pending = pending.result(), None
                    return message
            # The session ended: close the socket with a typed code, and tell the route it is gone.
            if pending is not None:
                pending.cancel()
                pending = None
            if not closed_by_us:
                closed_by_us = True
                try:
                    await send(
                        {"type": "websocket.close", "code": SESSION_ENDED_CLOSE_CODE, "reason": SESSION_ENDED_REASON}
                    )
                except Exception:
                    log.debug("close frame after logout not sent", exc_info=True)
            return {"type": "websocket.disconnect", "code": SESSION_ENDED_CLOSE_CODE}

        try:
            await self.app(scope, session_receive, tracked_send)
        finally:
            if pending is not None:
                pending.cancel()
            if registered:
                registry.remove(session_hash, handle)
