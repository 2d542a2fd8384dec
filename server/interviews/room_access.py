"""Entering a live room of any kind: the room token a person's seat earns, and the room socket.

Every kind's token route and socket route is a few lines around these two functions, so the
checks are the same everywhere: the token names one room and one person, the handshake refuses
any other (close code 4498 with the reason), and no message is read before it is checked.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect, WebSocketException
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from media import MediaError
from server.answers.signalling import SignallingError, error_message, frame_text
from server.core.audit import record_audit
from server.core.db import session_scope, utcnow
from server.core.i18n import translate
from server.interviews.room_kinds import RoomKind
from server.interviews.room_signalling import parse_room_message
from server.interviews.tokens import RoomTokenError, issue_room_token, verify_room_token
from server.models.accounts import User

ROOM_TOKEN_REFUSED = 4498  # missing, malformed, tampered, expired, alg other than HS256, other room or person


def room_grant(db: Session, secret_key: str, kind: RoomKind, ref_id: int, user: User) -> dict[str, Any]:
    """A short-lived token for this person's seat in this one room (typed errors when they have none)."""
    seat = kind.seat(db, user, ref_id, utcnow())
    room = kind.room_name(ref_id)
    token, expires_at = issue_room_token(
        secret_key, room=room, user_id=user.id, name=user.display_name, role=seat.role, grants=seat.grants,
    )
    return {
        "token": token,
        "room": room,
        "expires_at": expires_at,
        "ws_url": kind.socket_path(ref_id),
        "role": seat.role,
        "grants": seat.grants.to_dict(),
    }


def _audit_refusal(app: Any, user: User, kind: RoomKind, ref_id: int, reason: str) -> None:
    with session_scope(app.state.sessionmaker) as db:
        record_audit(db, "signalling_refused", actor=user, path=kind.socket_path(ref_id), reason=reason)


async def serve_room_socket(websocket: WebSocket, kind: RoomKind, ref_id: int, user: User) -> None:
    """Check the token in the handshake, then relay the socket's messages to the live room."""
    settings = websocket.app.state.settings
    try:
        claims = verify_room_token(
            settings.secret_key, websocket.query_params.get("token", ""), room=kind.room_name(ref_id)
        )
        if claims.user_id != user.id:
            raise RoomTokenError("token_other_person")
    except RoomTokenError as exc:
        # Refused in the handshake: no message, and so no SDP, is ever read from this client.
        await run_in_threadpool(_audit_refusal, websocket.app, user, kind, ref_id, exc.code)
        raise WebSocketException(code=ROOM_TOKEN_REFUSED, reason=exc.code) from None
    locale = websocket.state.locale
    await websocket.accept()
    send_lock = asyncio.Lock()
    closed = asyncio.Event()

    async def send(message: dict[str, Any]) -> None:
        if closed.is_set():
            return
        async with send_lock:
            await websocket.send_json(message)

    async def close_socket(code: int) -> None:
        if not closed.is_set():
            closed.set()
            try:
                await websocket.close(code)
            except Exception:
                pass

    registry = websocket.app.state.interview_rooms
    room = registry.get_or_create(ref_id, kind)
    try:
        member = await room.connect(claims, send, close_socket, locale)
    except MediaError as exc:
        await send(error_message(exc.code, translate(locale, f"signalling.{exc.code}")))
        await close_socket(4409)
        return
    try:
        while not closed.is_set():
            event = await websocket.receive()
            if event["type"] == "websocket.disconnect":
                break
            try:
                message = parse_room_message(frame_text(event))
            except SignallingError as exc:
                await send(error_message(exc.code, translate(locale, f"signalling.{exc.code}")))
                continue
            await room.handle(member, message)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        closed.set()
        await room.disconnect(member, reason="socket_gone")
