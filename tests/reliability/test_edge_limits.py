"""Limits at the HTTP edge (issue 10): per-route body caps known before the body is read,
integers range-checked on every route, deeply nested JSON refused before it is parsed."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any, get_args

import httpx
import psutil
import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute
from starlette.websockets import WebSocketDisconnect

from server.accounts.access import endpoint_routes
from server.accounts.security import open_session
from server.accounts.service import ensure_user
from server.core.db import session_scope
from server.core.limits import MAX_ID, MAX_JSON_DEPTH, body_limit, json_nesting_exceeds
from server.models import Role
from tests.liveserver import LiveServer, start_live_server, stop_live_server

HUGE = (2**63, 10**30, MAX_ID + 1)  # the reported values, and the first id no column can hold
SAMPLES = {"code": "ko", "token": "not-a-token"}


def _int_params(route: APIRoute | APIWebSocketRoute) -> tuple[list[Any], list[Any]]:
    def is_int(field: Any) -> bool:
        annotation = field.field_info.annotation
        return annotation is int or int in get_args(annotation)

    dependant = route.dependant
    return [f for f in dependant.path_params if is_int(f)], [f for f in dependant.query_params if is_int(f)]


def _path_with(route: APIRoute | APIWebSocketRoute, value: int) -> str:
    int_names = {f.name for f in _int_params(route)[0]}
    return re.sub(
        r"\{(\w+)(:\w+)?\}",
        lambda m: str(value) if m.group(1) in int_names else SAMPLES.get(m.group(1), "x"),
        route.path,
    )


def _login_as(app: Any, role: Role) -> str:
    with session_scope(app.state.sessionmaker) as db:
        user, _ = ensure_user(
            db, email=f"{role.value}@edge.kr", password="edge-pass-123", role=role,
            display_name=role.value, company_name="엣지" if role is Role.EMPLOYER else None,
        )  # fmt: skip
        return open_session(db, user, 3600)


# ------------------------------------------------------------------ integers


@pytest.mark.unit
def test_every_integer_parameter_of_every_route_has_the_id_range(app_client) -> None:
    """Checked on the route table, so a new route with a bare `int` fails here."""
    checked = []
    for route in endpoint_routes(app_client.app):
        path_params, query_params = _int_params(route)
        for field in path_params + query_params:
            for value in (*HUGE, -(2**63) - 1):
                _, errors = field.validate(value, {}, loc=(field.name,))
                assert errors, f"{route.path}: {field.name}={value} passes validation"
            _, errors = field.validate(MAX_ID if field.name.endswith("id") else 1, {}, loc=(field.name,))
            assert not errors, f"{route.path}: {field.name} refuses an id in range"
            checked.append((route.path, field.name))
    assert len(checked) > 60, checked  # every router's ids, not a handful


@pytest.mark.unit
def test_out_of_range_ids_get_422_on_every_route_as_every_role(app_client, make_client) -> None:
    app = app_client.app
    clients = {}
    for role in Role:
        client = make_client()
        client.cookies.set("untact_session", _login_as(app, role))
        clients[role] = client
    probed = 0
    for route in endpoint_routes(app):
        path_params, _ = _int_params(route)
        if not path_params:
            continue
        for value in (*HUGE, MAX_ID):
            path = _path_with(route, value)
            for role, client in clients.items():
                if isinstance(route, APIWebSocketRoute):
                    try:
                        with client.websocket_connect(path, headers={"Origin": "http://testserver"}) as ws:
                            ws.close()
                            code = 1000
                    except WebSocketDisconnect as exc:
                        code = exc.code
                    assert code != 1011, f"{role.value}: WebSocket {path} failed inside"
                    if value != MAX_ID:
                        assert code in (1008, 4403), f"{role.value}: WebSocket {path} closed with {code}"
                    probed += 1
                    continue
                for method in sorted(route.methods - {"HEAD"}):
                    body = {} if method in ("POST", "PUT", "PATCH") else None
                    response = client.request(
                        method, path, json=body, headers={"X-CSRF-Token": client.csrf()}, follow_redirects=False
                    )
                    who = f"{role.value} {method} {path}"
                    assert response.status_code < 500, f"{who}: {response.status_code} {response.text[:300]}"
                    if value != MAX_ID and response.status_code != 403:
                        # One rule: an id that cannot exist is a malformed request.
                        assert response.status_code == 422, f"{who}: {response.status_code}"
                        if response.headers["content-type"].startswith("application/json"):
                            assert response.json()["error"]["code"] == "invalid_input"
                    probed += 1
    assert probed > 500


@pytest.mark.unit
def test_the_reported_out_of_range_requests_are_typed_422s(app_client, make_client) -> None:
    seeker = make_client()
    seeker.cookies.set("untact_session", _login_as(app_client.app, Role.SEEKER))
    for path in (
        "/api/practice/sessions/9223372036854775808",
        "/api/careers/postings/99999999999999999999999",
        f"/api/careers/postings?offset={10**30}",
        f"/api/careers/postings?offset={2**63}",
        f"/api/careers/postings?limit={10**30}",
        f"/api/careers/postings?company_id={2**63}",
        f"/api/careers/postings?min_salary_krw={10**30}",
        "/api/practice/sessions/0",
    ):
        response = seeker.get(path)
        assert response.status_code == 422, (path, response.status_code, response.text)
        assert response.json()["error"]["code"] == "invalid_input"
    # In range but no such row: 404, as before.
    assert seeker.get(f"/api/practice/sessions/{MAX_ID}").status_code == 404
    assert seeker.get("/api/careers/postings?offset=1000000").status_code == 200


# ------------------------------------------------------------------ deep JSON


@pytest.mark.unit
def test_nesting_is_measured_outside_strings() -> None:
    assert not json_nesting_exceeds(b'{"a": [1, 2, {"b": [3]}]}', limit=4)
    assert json_nesting_exceeds(b'{"a": [1, 2, {"b": [[3]]}]}', limit=4)
    assert not json_nesting_exceeds(json.dumps({"text": "[" * 5000 + "{" * 5000}).encode())
    assert not json_nesting_exceeds(json.dumps({"q": 'say "[[[[" \\ ok'}).encode(), limit=1)
    assert not json_nesting_exceeds("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)
    assert json_nesting_exceeds("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))
    assert json_nesting_exceeds("[" * 5000)  # unclosed still counts
    assert not json_nesting_exceeds("[]" * 5000)  # wide, not deep


@pytest.mark.unit
def test_deeply_nested_json_bodies_get_a_typed_422(app_client) -> None:
    headers = {"X-CSRF-Token": app_client.csrf(), "Content-Type": "application/json"}
    for body in (
        "[" * 5000 + "]" * 5000,
        '{"email": ' * 5000 + "1" + "}" * 5000,
        '{"email": "a@b.kr", "password": ' + "[" * 40 + "1" + "]" * 40 + "}",
    ):
        response = app_client.post("/api/auth/login", content=body, headers=headers)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "json_too_deep"
    # No content type: FastAPI would still parse it as JSON, so it is checked too.
    response = app_client.post(
        "/api/auth/login", content="[" * 5000 + "]" * 5000, headers={"X-CSRF-Token": app_client.csrf()}
    )
    assert response.status_code == 422 and response.json()["error"]["code"] == "json_too_deep"
    # A shallow body is read as before (the replayed body reaches the route intact).
    ok = app_client.post("/api/auth/login", json={"email": "nobody@edge.kr", "password": "wrong-pass-1"},
                         headers=headers)  # fmt: skip
    assert ok.status_code == 401, ok.text


# ------------------------------------------------------------------ body caps


@pytest.mark.unit
def test_the_cap_comes_from_the_route_not_the_content_type() -> None:
    caps = {"max_intro_video_mb": 100}
    intro = body_limit("PUT", "/api/interviews/sets/12/intro-video", caps, 1000)
    assert 100 * 1024 * 1024 < intro.max_bytes < 101 * 1024 * 1024
    assert intro.too_large_code == "intro_video_too_large"
    for method, path in (
        ("POST", "/api/interviews/sets/12/intro-video"),
        ("PUT", "/api/interviews/sets/12/intro-video/x"),
        ("POST", "/api/auth/login"),
        ("PUT", "/api/interviews/sets/99999999999999999999999/intro-video"),
    ):
        assert body_limit(method, path, caps, 1000).max_bytes == 1000, (method, path)


@pytest.mark.unit
def test_upload_content_types_get_the_json_cap_on_other_routes(app_client) -> None:
    csrf = {"X-CSRF-Token": app_client.csrf()}
    body = b"\0" * (5 * 1024 * 1024)
    for content_type in ("application/octet-stream", "video/webm", "multipart/form-data; boundary=x"):
        for path in ("/api/auth/login", "/api/auth/signup", "/login"):
            response = app_client.post(path, content=body, headers={**csrf, "Content-Type": content_type})
            assert response.status_code == 413, (path, content_type, response.status_code)
            assert response.json()["error"]["code"] == "payload_too_large"

    def chunks():
        for _ in range(80):
            yield b"\0" * 65536  # 5 MiB with no Content-Length

    response = app_client.post("/api/auth/login", content=chunks(),
                               headers={**csrf, "Content-Type": "application/octet-stream"})  # fmt: skip
    assert response.status_code == 413


@pytest.mark.unit
def test_the_intro_video_route_still_takes_a_large_body(app_client, make_settings) -> None:
    employer = app_client
    employer.signup("employer", "edge-employer@example.kr", company_name="엣지전자")
    employer.login("edge-employer@example.kr", "correct-horse-1")
    question_set = employer.send_json("POST", "/api/interviews/sets", {
        "title": "엣지", "questions": [{"text": "자기소개를 해 주세요.", "answer_limit_s": 60}],
    }).json()  # fmt: skip
    url = f"/api/interviews/sets/{question_set['id']}/intro-video"
    headers = {"X-CSRF-Token": employer.csrf(), "Content-Type": "video/webm"}
    # 3 MB (three times the JSON cap) gets through the middleware to the route, which reads it
    # and judges the file itself: not a video, so 400 invalid_media, not 413.
    response = employer.put(url, content=b"\x1a\x45\xdf\xa3" + b"\0" * (3 * 1024 * 1024), headers=headers)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalid_media"


def _raw_post(
    base_url: str, path: str, headers: dict[str, str], body_bytes: int, chunked: bool, pause_s: float = 0.0
) -> bytes:
    """A POST written by hand, so the body can be left unsent or half sent; returns the response.
    ``pause_s``: a chunked client stops that long before its last chunk."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        head = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Content-Type: application/octet-stream"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {body_bytes}")
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        if chunked:
            # Just over the JSON cap, then wait: the server must refuse after reading that much.
            chunk = b"\0" * 65536
            count = body_bytes // len(chunk)
            for n in range(count):
                if n == count - 1 and pause_s:
                    time.sleep(pause_s)
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        # With Content-Length the body is never sent: the answer must come from the header alone.
        response = b""
        while b"\r\n\r\n" not in response:
            data = sock.recv(65536)
            if not data:
                break
            response += data
        return response


@pytest.fixture(scope="module")
def quiet_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server that loads no models in the background, so its RSS moves only with requests."""
    server = start_live_server(
        tmp_path_factory.mktemp("edge-server"),
        {"UNTACT_PREWARM_MODELS": "false", "UNTACT_ANALYSIS_WORKER": "none"},
    )
    yield server
    stop_live_server(server)


@pytest.mark.media
def test_large_unauthenticated_bodies_do_not_grow_the_live_server(quiet_server: LiveServer) -> None:
    live_server = quiet_server
    process = psutil.Process(live_server.process.pid)
    with httpx.Client(base_url=live_server.base_url) as client:
        client.get("/login")
        csrf = client.cookies["untact_csrf"]
        for _ in range(5):  # warm the login path, so first-use allocations are not counted
            client.post("/api/auth/login", json={"email": "x@edge.kr", "password": "warm-up-12"},
                        headers={"X-CSRF-Token": csrf})  # fmt: skip
    headers = {"X-CSRF-Token": csrf, "Cookie": f"untact_csrf={csrf}"}
    before_mb = process.memory_info().rss / 1e6
    responses: list[bytes] = []

    def attack(chunked: bool) -> None:
        size = 1_200_000 if chunked else 150 * 1024 * 1024
        responses.append(_raw_post(live_server.base_url, "/api/auth/login", headers, size, chunked))

    threads = [threading.Thread(target=attack, args=(i % 2 == 1,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    time.sleep(0.5)
    grown_mb = process.memory_info().rss / 1e6 - before_mb
    assert len(responses) == 8
    for response in responses:
        assert response.startswith(b"HTTP/1.1 413"), response[:200]
    # Four 150 MB bodies used to be read in full (1.05 GB); now at most ~1 MB each is ever read.
    assert grown_mb < 8, f"the server grew by {grown_mb:.1f} MB"
    assert httpx.get(f"{live_server.base_url}/healthz").status_code == 200


@pytest.mark.media
def test_a_client_still_sending_past_the_cap_reads_the_413(quiet_server: LiveServer) -> None:
    """The server has refused the body after reading its cap; the client, a moment later, sends
    its last chunk. It must still read the typed 413, not a connection reset (a server that
    closes with unread bytes makes the kernel reset the connection)."""
    with httpx.Client(base_url=quiet_server.base_url) as client:
        client.get("/login")
        csrf = client.cookies["untact_csrf"]
    headers = {"X-CSRF-Token": csrf, "Cookie": f"untact_csrf={csrf}"}
    response = _raw_post(
        quiet_server.base_url, "/api/auth/login", headers, 1_200_000, chunked=True, pause_s=0.3
    )
    assert response.startswith(b"HTTP/1.1 413"), response[:200]
