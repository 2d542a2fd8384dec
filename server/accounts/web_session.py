"""Login-cookie handling shared by the JSON API and the HTML forms."""

from __future__ import annotations

from fastapi import Request, Response
from sqlalchemy.orm import Session

from server.accounts.security import open_session, revoke_session, session_token_hash
from server.accounts.service import ClientInfo
from server.core.audit import record_audit
from server.core.config import Settings
from server.core.cookies import SESSION_COOKIE
from server.models import User


def client_info(request: Request) -> ClientInfo:
    return ClientInfo(ip=request.client.host if request.client else "unknown", path=request.url.path)


def start_login_session(db: Session, response: Response, user: User, settings: Settings) -> None:
    token = open_session(db, user, settings.session_max_age_s)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_max_age_s,
        httponly=True,
        samesite="lax",
        secure=settings.https,
        path="/",
    )


def end_login_session(db: Session, request: Request, response: Response, user: User | None) -> None:
    token = request.cookies.get(SESSION_COOKIE)
    revoke_session(db, token)
    if token:
        db.commit()  # revoked before its sockets close, so they cannot reconnect with it
        request.app.state.session_sockets.end_session(session_token_hash(token))
    record_audit(db, "logout", actor=user, ip=client_info(request).ip, path=request.url.path)
    response.delete_cookie(SESSION_COOKIE, path="/")
