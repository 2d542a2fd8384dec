"""Bad input gets the JSON error shape and the right status; nothing is lost; the server keeps serving."""

from __future__ import annotations

import httpx
import pytest

from server.accounts.access import PUBLIC, ROUTE_ACCESS

pytestmark = pytest.mark.unit


def _assert_error_shape(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"] and "Traceback" not in response.text


def test_unknown_route_is_a_json_404(app_client) -> None:
    _assert_error_shape(app_client.get("/no/such/page"), 404, "not_found")
    _assert_error_shape(app_client.send_json("DELETE", "/healthz"), 405, "method_not_allowed")


def test_malformed_json_is_a_json_422(app_client) -> None:
    response = app_client.post(
        "/api/auth/login", content=b'{"email": "a@b.c", "pass', headers={
            "Content-Type": "application/json", "X-CSRF-Token": app_client.csrf()}
    )
    _assert_error_shape(response, 422, "invalid_input")
    wrong_types = app_client.send_json("POST", "/api/auth/login", {"email": ["x"], "password": 5})
    _assert_error_shape(wrong_types, 422, "invalid_input")
    assert {f["field"] for f in wrong_types.json()["error"]["detail"]["fields"]} == {"body.email", "body.password"}


def test_ten_megabyte_json_body_is_refused_and_data_is_intact(app_client) -> None:
    app_client.signup("seeker", "big@x.kr")
    huge = b'{"email": "big@x.kr", "password": "' + b"a" * 10_000_000 + b'"}'
    response = app_client.post(
        "/api/auth/login", content=huge,
        headers={"Content-Type": "application/json", "X-CSRF-Token": app_client.csrf()},
    )
    _assert_error_shape(response, 413, "payload_too_large")
    app_client.login("big@x.kr", "correct-horse-1")


def test_oversize_body_without_content_length_is_refused(app_client) -> None:
    def chunks():
        for _ in range(11):
            yield b"x" * 1_000_000

    response = app_client.post(
        "/api/auth/login", content=chunks(),
        headers={"Content-Type": "application/json", "X-CSRF-Token": app_client.csrf()},
    )
    _assert_error_shape(response, 413, "payload_too_large")


def test_unexpected_errors_are_json_500_without_traceback(app_client, monkeypatch) -> None:
    def explode() -> None:
        raise RuntimeError("database password is hunter2")

    monkeypatch.setitem(ROUTE_ACCESS, "explode", PUBLIC)
    app_client.app.add_api_route("/api/explode", explode, name="explode")
    response = app_client.get("/api/explode")
    _assert_error_shape(response, 500, "internal")
    assert "hunter2" not in response.text and "RuntimeError" not in response.text
    assert app_client.get("/healthz").status_code == 200


def test_the_real_server_survives_bad_input(live_server) -> None:
    base = live_server.base_url
    with httpx.Client(base_url=base, timeout=30) as client:
        client.get("/login")
        token = client.cookies["untact_csrf"]
        headers = {"Content-Type": "application/json", "X-CSRF-Token": token}

        wrong = client.post("/api/auth/login", json={"email": "seeker@demo.untact.kr", "password": "nope-nope"}, headers=headers)
        _assert_error_shape(wrong, 401, "invalid_credentials")
        _assert_error_shape(client.post("/api/auth/login", json={"email": "a", "password": "b"}), 403, "csrf_failed")
        huge = client.post("/api/auth/login", content=b"{" + b" " * 10_000_000 + b"}", headers=headers)
        _assert_error_shape(huge, 413, "payload_too_large")
        _assert_error_shape(client.get("/definitely/not/here"), 404, "not_found")

        ok = client.post("/api/auth/login", json={"email": "seeker@demo.untact.kr", "password": "demo-seeker-1234"}, headers=headers)
        assert ok.status_code == 200 and ok.json()["role"] == "seeker"
        health = client.get("/healthz").json()
        assert health["database"] == "ok" and health["analysis_models"]["whisper_base"] is True
    assert "Traceback" not in live_server.log()
