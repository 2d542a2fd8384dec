"""Every route, every role: the access table in server/accounts/access.py is what the server does."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.routing import APIWebSocketRoute

from server.accounts.access import ROUTE_ACCESS, Policy, endpoint_routes
from server.accounts.security import open_session
from server.accounts.service import ensure_user
from server.core.db import session_scope
from server.models import Role

pytestmark = pytest.mark.unit

ROLES = [None, *Role]
PATH_PARAM_SAMPLES = {"code": "ko"}


def _concrete_path(path: str) -> str:
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: PATH_PARAM_SAMPLES.get(m.group(1), "1"), path)


def _login_as(app: FastAPI, role: Role) -> str:
    """A fresh session token for the role's account (a route under test may log it out)."""
    with session_scope(app.state.sessionmaker) as db:
        user, _ = ensure_user(
            db, email=f"{role.value}@matrix.kr", password="matrix-pass-1", role=role,
            display_name=role.value, company_name="매트릭스" if role is Role.EMPLOYER else None,
        )
        return open_session(db, user, 3600)


def _expected_allowed(policy: Policy, role: Role | None) -> bool:
    return policy.public or (role is not None and role in policy.roles)


def test_every_route_has_an_access_rule(app_client) -> None:
    from server.accounts.access import routes_without_rules

    assert routes_without_rules(app_client.app) == []
    names = [r.name for r in endpoint_routes(app_client.app)]
    assert len(names) == len(set(names)), "route names must be unique: the access table is keyed by them"
    assert set(ROUTE_ACCESS) == set(names), "access rules for routes that no longer exist"


def test_a_route_without_a_rule_stops_the_app_from_starting(make_settings, monkeypatch) -> None:
    from server import app as app_module
    from server.core import health

    monkeypatch.setattr(health.router, "routes", list(health.router.routes))
    health.router.add_api_route("/api/forgotten", lambda: {}, name="forgotten_route")
    with pytest.raises(RuntimeError, match="forgotten_route"):
        app_module.create_app(make_settings())


def test_each_role_reaches_only_its_own_routes(app_client, make_client) -> None:
    app = app_client.app
    checked = 0
    # Non-endpoint routes (static files, the OpenAPI document) are public by design.
    others = {getattr(r, "name", None) for r in app.routes if not hasattr(r, "original_router")}
    assert others <= {"static", "openapi"}, others
    for route in endpoint_routes(app):
        if isinstance(route, APIWebSocketRoute):
            checked += _check_websocket_route(app, route, make_client)
            continue
        policy = ROUTE_ACCESS[route.name]
        path = _concrete_path(route.path)
        for method in sorted(route.methods - {"HEAD"}):
            for role in ROLES:
                client = make_client()
                if role is not None:
                    client.cookies.set("untact_session", _login_as(app, role))
                response = client.request(
                    method, path, headers={"X-CSRF-Token": client.csrf()}, follow_redirects=False
                )
                allowed = _expected_allowed(policy, role)
                who = role.value if role else "anonymous"
                if allowed:
                    assert response.status_code not in (401, 403), (
                        f"{who} should reach {method} {path}: {response.status_code} {response.text[:200]}"
                    )
                else:
                    expected = 401 if role is None else 403
                    assert response.status_code == expected, f"{who} must not reach {method} {path}"
                    assert response.json()["error"]["code"] in ("not_authenticated", "forbidden")
                checked += 1
    assert checked >= len(ROUTE_ACCESS) * len(ROLES)


def _check_websocket_route(app: FastAPI, route: APIWebSocketRoute, make_client) -> int:
    from starlette.websockets import WebSocketDisconnect

    policy = ROUTE_ACCESS[route.name]
    path = _concrete_path(route.path)
    for role in ROLES:
        client = make_client()
        if role is not None:
            client.cookies.set("untact_session", _login_as(app, role))
        try:
            with client.websocket_connect(path) as ws:
                ws.close()
                code = 1000  # accepted: the role got past the access check
        except WebSocketDisconnect as exc:
            code = exc.code
        who = role.value if role else "anonymous"
        if _expected_allowed(policy, role):
            assert code not in (4401, 4403), f"{who} should reach WebSocket {path}"
        else:
            assert code == (4401 if role is None else 4403), f"{who} must not reach WebSocket {path}: {code}"
    return len(ROLES)


def test_denied_access_is_audited(app_client, make_client) -> None:
    seeker = make_client()
    seeker.cookies.set("untact_session", _login_as(app_client.app, Role.SEEKER))
    assert seeker.get("/api/admin/users").status_code == 403
    from sqlalchemy import select

    from server.models import AuditEvent

    with app_client.app.state.sessionmaker() as db:
        event = db.scalar(select(AuditEvent).where(AuditEvent.event == "access_denied"))
    assert event is not None and event.path == "/api/admin/users" and event.actor_email == "seeker@matrix.kr"


def test_a_browser_without_login_is_sent_to_the_login_page(app_client) -> None:
    response = app_client.get("/dashboard", headers={"Accept": "text/html"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/dashboard"
