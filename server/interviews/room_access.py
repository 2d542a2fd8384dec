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
from server.core.errors import AppError
from server.core.i18n import translate
from server.core.placement import NodeRegistry, placed_socket_url
from server.domain.errors import DomainError
from server.interviews.room_kinds import RoomKind
from server.interviews.room_signalling import parse_room_message
from server.interviews.tokens import RoomClaims, RoomTokenError, issue_room_token, verify_room_token
from server.models.accounts import User

ROOM_TOKEN_REFUSED = 4498  # missing, malformed, tampered, expired, alg other than HS256, other room or person


def room_grant(
    db: Session, secret_key: str, kind: RoomKind, ref_id: int, user: User, nodes: NodeRegistry | None = None
) -> dict[str, Any]:
    """A short-lived token for this person's seat in this one room (typed errors when they have none).

    With placement (`nodes`), the room is placed on a media node first and `ws_url` is that
    node's absolute URL; every member of the room gets the same node while it lives."""
    seat = kind.seat(db, user, ref_id, utcnow())
    room = kind.room_name(ref_id)
    ws_url = placed_socket_url(nodes, room, kind.socket_path(ref_id))
    token, expires_at = issue_room_token(
        secret_key, room=room, user_id=user.id, name=user.display_name, role=seat.role, grants=seat.grants,
    )
    return {
        "token": token,
        "room": room,
        "expires_at": expires_at,
        "ws_url": ws_url,
        "role": seat.role,
        "grants": seat.grants.to_dict(),
    }


def _seated_member(app: Any, kind: RoomKind, ref_id: int, claims: RoomClaims) -> User:
    """The membership check of a socket opened by its token alone: the token's person is an
    active user who holds that seat (same role) in this room now. Nothing else is looked up."""
    with session_scope(app.state.sessionmaker) as db:
        user = db.get(User, claims.user_id)
        if user is None or not user.is_active:
            raise RoomTokenError("token_not_a_member")
        try:
            seat = kind.seat(db, user, ref_id, utcnow())
        except (AppError, DomainError):
            raise RoomTokenError("token_not_a_member") from None
        if seat.role != claims.role:
            raise RoomTokenError("token_not_a_member")
        db.expunge(user)
        return user


def _audit_refusal(app: Any, user: User | None, kind: RoomKind, ref_id: int, reason: str) -> None:
    with session_scope(app.state.sessionmaker) as db:
        record_audit(db, "signalling_refused", actor=user, path=kind.socket_path(ref_id), reason=reason)


async def serve_room_socket(websocket: WebSocket, kind: RoomKind, ref_id: int, user: User | None) -> None:
    """Check the token in the handshake, then relay the socket's messages to the live room.

    With a login cookie (`user`) the token must be that person's. Without one (a media node on
    another host) the token alone opens the socket, after the membership check."""
    settings = websocket.app.state.settings
    try:
        claims = verify_room_token(
            settings.secret_key, websocket.query_params.get("token", ""), room=kind.room_name(ref_id)
        )
        if user is None:
            user = await run_in_threadpool(_seated_member, websocket.app, kind, ref_id, claims)
        elif claims.user_id != user.id:
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
