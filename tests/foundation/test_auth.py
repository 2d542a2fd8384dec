"""Sign-up, login, logout, sessions, CSRF, rate limiting and the audit log, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.models import AuditEvent, Company, Role, User

pytestmark = pytest.mark.unit


def _audit_events(client) -> list[str]:
    with client.app.state.sessionmaker() as db:
        return [e.event for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_seeker_signs_up_logs_out_and_logs_in(app_client) -> None:
    user = app_client.signup("seeker", "Jisu@Example.com", name="김지수")
    assert user["role"] == "seeker" and user["email"] == "jisu@example.com"
    assert app_client.get("/api/me").json()["display_name"] == "김지수"

    assert app_client.send_json("POST", "/api/auth/logout").status_code == 204
    assert app_client.get("/api/me").status_code == 401

    app_client.login("jisu@example.com", "correct-horse-1")
    assert app_client.get("/api/me").json()["email"] == "jisu@example.com"
    assert _audit_events(app_client) == ["signup", "logout", "login"]


def test_logged_out_session_token_stops_working(app_client, make_client) -> None:
    app_client.signup("seeker", "a@example.com")
    stolen = app_client.cookies.get("untact_session")
    app_client.send_json("POST", "/api/auth/logout")
    other = make_client()
    other.cookies.set("untact_session", stolen)
    assert other.get("/api/me").status_code == 401


def test_employer_signup_creates_their_company(app_client) -> None:
    user = app_client.signup("employer", "hr@hanbit.kr", company_name="한빛소프트")
    assert user["company_id"] is not None
    company = app_client.get("/api/employer/company").json()
    assert company["name"] == "한빛소프트"


def test_employer_signup_needs_a_company_name(app_client) -> None:
    response = app_client.send_json(
        "POST", "/api/auth/signup",
        {"email": "hr@x.kr", "password": "correct-horse-1", "display_name": "HR", "role": "employer"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "company_required"


def test_nobody_signs_up_as_consultant_or_admin(app_client) -> None:
    for role in ("consultant", "admin"):
        response = app_client.send_json(
            "POST", "/api/auth/signup",
            {"email": f"{role}@x.kr", "password": "correct-horse-1", "display_name": "x", "role": role},
        )
        assert response.status_code == 422
    with app_client.app.state.sessionmaker() as db:
        assert db.scalar(select(User).where(User.email.in_(["consultant@x.kr", "admin@x.kr"]))) is None


def test_passwords_are_stored_as_argon2_hashes(app_client) -> None:
    app_client.signup("seeker", "hash@example.com", password="my-secret-pass")
    with app_client.app.state.sessionmaker() as db:
        stored = db.scalar(select(User.password_hash).where(User.email == "hash@example.com"))
    assert stored.startswith("$argon2id$") and "my-secret-pass" not in stored


def test_weak_password_and_duplicate_email_are_refused(app_client, make_client) -> None:
    response = app_client.send_json(
        "POST", "/api/auth/signup",
        {"email": "w@x.kr", "password": "short", "display_name": "x", "role": "seeker"},
    )
    assert response.status_code == 422 and response.json()["error"]["code"] == "weak_password"
    app_client.signup("seeker", "dup@x.kr")
    again = make_client().send_json(
        "POST", "/api/auth/signup",
        {"email": "DUP@x.kr", "password": "correct-horse-1", "display_name": "x", "role": "seeker"},
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "email_taken"


def test_session_cookie_is_httponly_and_samesite(app_client) -> None:
    response = app_client.send_json(
        "POST", "/api/auth/signup",
        {"email": "c@x.kr", "password": "correct-horse-1", "display_name": "x", "role": "seeker"},
    )
    cookie = next(v for v in response.headers.get_list("set-cookie") if v.startswith("untact_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie


def test_session_cookie_is_secure_over_https(make_settings) -> None:
    from server.app import create_app
    from tests.conftest import ApiClient

    app = create_app(make_settings(public_base_url="https://untact.example"))
    with ApiClient(app, base_url="https://testserver") as client:
        response = client.send_json(
            "POST", "/api/auth/signup",
            {"email": "s@x.kr", "password": "correct-horse-1", "display_name": "x", "role": "seeker"},
        )
        cookies = response.headers.get_list("set-cookie")
    session_cookie = next(v for v in cookies if v.startswith("untact_session="))
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie


def test_wrong_password_gets_401_and_is_audited(app_client, make_client) -> None:
    app_client.signup("seeker", "pw@x.kr")
    other = make_client()
    response = other.send_json("POST", "/api/auth/login", {"email": "pw@x.kr", "password": "wrong-password"})
    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "invalid_credentials", "message": "이메일 또는 비밀번호가 올바르지 않습니다."}
    }
    assert "login_failed" in _audit_events(app_client)


def test_error_messages_follow_the_english_switch(app_client) -> None:
    app_client.cookies.set("untact_locale", "en")
    response = app_client.send_json("POST", "/api/auth/login", {"email": "no@x.kr", "password": "whatever-it-is"})
    assert response.json()["error"]["message"] == "The email or password is not correct."


def test_login_attempts_are_rate_limited(app_client, make_client) -> None:
    from datetime import UTC, datetime

    app_client.signup("seeker", "rl@x.kr")
    frozen = datetime(2030, 1, 1, tzinfo=UTC)
    app_client.app.state.auth_throttle.clock = lambda: frozen  # no time passes between attempts
    attacker = make_client()
    codes = [
        attacker.send_json("POST", "/api/auth/login", {"email": "rl@x.kr", "password": f"guess-{i:04d}"}).status_code
        for i in range(6)
    ]
    assert codes == [401] * 5 + [429]
    throttled = attacker.send_json("POST", "/api/auth/login", {"email": "rl@x.kr", "password": "correct-horse-1"})
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) > 0
    assert throttled.json()["error"]["code"] == "login_throttled"
    assert "login_throttled" not in _audit_events(app_client)  # counted in auth_throttle, not the audit log


def test_state_changing_request_without_csrf_token_is_refused(app_client) -> None:
    app_client.signup("seeker", "csrf@x.kr")
    response = app_client.post("/api/auth/logout")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
    assert app_client.get("/api/me").status_code == 200  # still logged in: nothing happened
    forged = app_client.post("/api/auth/logout", headers={"X-CSRF-Token": "not-the-cookie-value"})
    assert forged.status_code == 403


def test_admin_creates_consultants_and_sees_audit(app_client, make_client) -> None:
    from server.accounts.service import ensure_user
    from server.core.db import session_scope

    with session_scope(app_client.app.state.sessionmaker) as db:
        ensure_user(db, email="root@x.kr", password="admin-password-1", role=Role.ADMIN, display_name="관리자")
    app_client.login("root@x.kr", "admin-password-1")
    response = app_client.send_json(
        "POST", "/api/admin/consultants",
        {"email": "counsel@x.kr", "password": "consult-pass-1", "display_name": "박상담"},
    )
    assert response.status_code == 201 and response.json()["role"] == "consultant"
    consultant = make_client()
    consultant.login("counsel@x.kr", "consult-pass-1")
    assert consultant.get("/api/me").json()["role"] == "consultant"
    events = app_client.get("/api/admin/audit-events").json()
    assert [e["event"] for e in events][:2] == ["login", "consultant_created"]


def test_data_survives_a_restart(make_settings) -> None:
    from server.app import create_app
    from tests.conftest import ApiClient

    settings = make_settings()
    with ApiClient(create_app(settings)) as client:
        client.signup("employer", "keep@x.kr", company_name="오래가는 회사")
    with ApiClient(create_app(settings)) as client:
        client.login("keep@x.kr", "correct-horse-1")
        assert client.get("/api/employer/company").json()["name"] == "오래가는 회사"
        with client.app.state.sessionmaker() as db:
            assert db.scalar(select(Company.name)) == "오래가는 회사"
