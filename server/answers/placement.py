"""Where an answer session (practice, one-way) opens its socket when media runs on other nodes.

Without placement the runner page opens a path on its own host with the login cookie, as
always. With placement (docs/scaling.md) the page gets the claimed media node's absolute URL
and a signed token for this one session, because no login cookie reaches another host; the
media node checks the token and then only that the session is the token holder's.
"""

from __future__ import annotations

from typing import Any

from fastapi import WebSocket
from starlette.concurrency import run_in_threadpool

from server.core.db import session_scope
from server.core.placement import NodeRegistry, placed_socket_url
from server.interviews.tokens import RoomGrants, RoomTokenError, issue_room_token, verify_room_token
from server.models.accounts import User

ANSWER_TOKEN_TTL_S = 2 * 3600  # a runner page may wait a while before its first answer
ANSWER_TOKEN_ROLE = "owner"


def practice_room(session_id: int) -> str:
    return f"practice-{session_id}"


def oneway_room(invitation_id: int) -> str:
    return f"oneway-{invitation_id}"


def answer_socket(
    nodes: NodeRegistry | None, secret_key: str, *, room: str, path: str, user: User
) -> dict[str, str]:
    """The runner config's `ws_url` (and `ws_token` with placement) for session `room`."""
    if nodes is None:
        return {"ws_url": path}
    url = placed_socket_url(nodes, room, path)
    token, _ = issue_room_token(
        secret_key, room=room, user_id=user.id, name=user.display_name, role=ANSWER_TOKEN_ROLE,
        grants=RoomGrants(subscribe=False), ttl_s=ANSWER_TOKEN_TTL_S,
    )
    return {"ws_url": url, "ws_token": token}


def _active_user(app: Any, user_id: int) -> User | None:
    with session_scope(app.state.sessionmaker) as db:
        user = db.get(User, user_id)
        if user is None or not user.is_active:
            return None
        db.expunge(user)
        return user


async def socket_owner(websocket: WebSocket, room: str, cookie_user: User | None) -> User | None:
    """Who opens answer session `room`'s socket; None refuses it.

    A `?token=` decides whenever one is sent: the access rule let it past the same-origin check,
    so an ambient cookie alone must not then open the socket (with a cookie too, the token must
    be that person's). Without a token, the login cookie decides, as on a single node."""
    if not websocket.query_params.get("token"):
        return cookie_user
    try:
        claims = verify_room_token(
            websocket.app.state.settings.secret_key, websocket.query_params.get("token", ""), room=room
        )
    except RoomTokenError:
        return None
    if claims.role != ANSWER_TOKEN_ROLE:
        return None
    if cookie_user is not None:
        return cookie_user if cookie_user.id == claims.user_id else None
    return await run_in_threadpool(_active_user, websocket.app, claims.user_id)
