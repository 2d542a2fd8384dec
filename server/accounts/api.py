"""JSON auth API: sign up, log in, log out, who am I."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from server.accounts.access import CurrentUser, current_user
from server.accounts.service import LoginIn, SignupIn, UserPublic, authenticate, check_signup_allowed, sign_up
from server.accounts.web_session import client_info, end_login_session, start_login_session
from server.core.deps import DbSession, SettingsDep
from server.core.ice import browser_ice_servers

router = APIRouter(prefix="/api", tags=["auth"])


@router.post("/auth/signup", name="api_signup", status_code=201)
def api_signup(
    data: SignupIn, request: Request, response: Response, db: DbSession, settings: SettingsDep
) -> UserPublic:
    check_signup_allowed(client_info(request), request.app.state.auth_throttle)
    user = sign_up(db, data, client_info(request))
    start_login_session(db, response, user, settings)
    return UserPublic.model_validate(user)


@router.post("/auth/login", name="api_login")
def api_login(
    data: LoginIn, request: Request, response: Response, db: DbSession, settings: SettingsDep
) -> UserPublic:
    user = authenticate(db, data, client_info(request), request.app.state.auth_throttle)
    start_login_session(db, response, user, settings)
    return UserPublic.model_validate(user)


@router.post("/auth/logout", name="api_logout", status_code=204)
def api_logout(request: Request, db: DbSession) -> Response:
    response = Response(status_code=204)
    end_login_session(db, request, response, current_user(request))
    return response


@router.get("/me", name="api_me")
def api_me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user)


@router.get("/ice-servers", name="api_ice_servers")
def api_ice_servers(user: CurrentUser, settings: SettingsDep) -> dict[str, Any]:
    """STUN/TURN servers for this user's browser, TURN with short-lived credentials
    (``server/core/ice.py``). Empty on a LAN or loopback deployment."""
    servers = browser_ice_servers(
        settings.ice_servers, settings.turn_secret, f"user-{user.id}", ttl_s=settings.turn_ttl_s
    )
    return {"ice_servers": servers, "ttl_s": settings.turn_ttl_s}
