"""Login-cookie handling shared by the JSON API and the HTML forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from server.accounts.security import open_session, revoke_session, session_token_hash
from server.accounts.service import ClientInfo, SignupIn, check_signup_allowed, sign_up
from server.core.audit import record_audit
from server.core.config import Settings
from server.core.cookies import SESSION_COOKIE
from server.core.errors import AppError
from server.core.i18n import translate
from server.models import Company, User


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


def sign_up_and_log_in(
    request: Request,
    db: Session,
    settings: Settings,
    fields: dict[str, Any],
    *,
    success_url: str,
    refused: Callable[[str, int], Response],
    company: Company | None = None,
    then: Callable[[User], object] | None = None,
) -> Response:
    """The sign-up form's one path: validate, throttle, create the account (joining `company`
    when given), run `then` in the same transaction, and log in; a refusal is rendered by
    `refused(message, status)` in the page's own form."""
    locale = request.state.locale
    try:
        data = SignupIn(**fields, locale=locale)
        check_signup_allowed(client_info(request), request.app.state.auth_throttle)
        user = sign_up(db, data, client_info(request), company=company)
        if then is not None:
            then(user)
    except ValidationError:
        return refused(translate(locale, "error.invalid_signup"), 422)
    except AppError as exc:
        return refused(translate(locale, exc.message_key, **exc.params), exc.status_code)
    response = RedirectResponse(success_url, status_code=303)
    start_login_session(db, response, user, settings)
    return response
