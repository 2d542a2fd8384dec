"""Web security (issue 10), on the real app (SQLite and PostgreSQL): URL fields, CSP and headers,
share links, integrity and privacy between seekers and employers, throttling, sessions and audit.
The browser part (CSP in Chromium) is in test_web_security_browser.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.accounts.service import ensure_user
from server.core.db import session_scope
from server.models import Role
from tests.review.conftest import insert_ready_answer, recorded_answer  # noqa: F401  (fixture)

pytestmark = [pytest.mark.unit]

PASSWORD = "websec-pass-12"

BAD_URLS = [
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "DATA:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    "/relative/path",
    "https://",
    'https://a.example/"onmouseover="x',
]


def _staff(app_client, make_client, role: Role, email: str):
    with session_scope(app_client.app.state.sessionmaker) as db:
        user, _ = ensure_user(db, email=email, password=PASSWORD, role=role, display_name=email.split("@")[0])
        user_id = user.id
    client = make_client()
    client.login(email, PASSWORD)
    return client, user_id


# --------------------------------------------------------------------------- 1. URL fields


@pytest.mark.parametrize("bad", BAD_URLS)
def test_company_website_refuses_everything_but_http_s(app_client, bad: str) -> None:
    employer = app_client
    employer.signup("employer", "boss@url.kr", company_name="유알엘")
    response = employer.send_json("PUT", "/api/careers/company", {"website": bad})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["detail"]["fields"] == [{"field": "body.website", "problem": "url_scheme"}]
    assert employer.get("/api/careers/company").json()["website"] == ""  # nothing stored


def test_company_website_keeps_http_s_and_renders_it_as_a_link(app_client) -> None:
    employer = app_client
    employer.signup("employer", "boss@ok.kr", company_name="좋은회사")
    for good in ("https://good.example/careers?x=1", "HTTP://good.example"):
        saved = employer.send_json("PUT", "/api/careers/company", {"website": good})
        assert saved.status_code == 200, saved.text
    company = employer.get("/api/careers/company").json()
    assert company["website"] == "HTTP://good.example"
    page = employer.get(f"/companies/{company['id']}")
    assert '<a href="HTTP://good.example" rel="noopener nofollow noreferrer"' in page.text
    assert employer.send_json("PUT", "/api/careers/company", {"website": ""}).status_code == 200  # clearing is allowed


def test_a_bad_website_stored_before_the_rule_is_not_rendered_as_a_link(app_client, make_client) -> None:
    from server.models import CompanyProfile

    employer = app_client
    employer.signup("employer", "boss@old.kr", company_name="옛회사")
    company = employer.get("/api/careers/company").json()
    with session_scope(app_client.app.state.sessionmaker) as db:
        db.get(CompanyProfile, company["id"]).website = "JavaScript:fetch('/api/admin/consultants')"
    admin, _ = _staff(app_client, make_client, Role.ADMIN, "admin@old.kr")
    page = admin.get(f"/companies/{company['id']}")
    assert page.status_code == 200
    assert 'href="JavaScript' not in page.text and "href=\"javascript" not in page.text.lower()
    assert '<span data-testid="company-website">JavaScript:fetch(&#39;/api/admin/consultants&#39;)</span>' in page.text


def test_every_url_field_of_the_api_uses_the_one_validator() -> None:
    """A field named like a URL in any request model must be the shared WebUrl type."""
    import typing

    from server.accounts.access import endpoint_routes
    from server.app import create_app
    from server.core.config import Settings
    from server.core.safe_urls import _check_web_url

    app = create_app(Settings(environment="test", prewarm_models=False))
    checked = []
    for route in endpoint_routes(app):
        dependant = getattr(route, "dependant", None)
        for param in dependant.body_params if dependant else []:
            model = param.field_info.annotation
            for name, field in getattr(model, "model_fields", {}).items():
                if any(word in name for word in ("url", "website", "link", "homepage")):
                    checked.append((route.path, name))
                    validators = [getattr(m, "func", None) for m in field.metadata]
                    assert _check_web_url in validators, (route.path, name, typing.get_type_hints(model)[name])
    assert ("/api/careers/company", "website") in checked


# --------------------------------------------------------------------------- 4. share links


@pytest.fixture
def shared_world(app_client, make_client, recorded_answer):  # noqa: F811
    """A seeker's reviewed session (private message, target job, verdict reason, comment) and a share link."""
    seeker = app_client
    seeker.signup("seeker", "seeker@share.kr", name="비밀구직자")
    session_id = seeker.send_json("POST", "/api/practice/sessions", {"source": "field", "field": "it_dev"}).json()["id"]
    settings = app_client.app.state.settings
    answer_id, _ = insert_ready_answer(app_client.app.state.sessionmaker, settings.recordings_dir, session_id, recorded_answer)
    kim, kim_id = _staff(app_client, make_client, Role.CONSULTANT, "kim@share.kr")
    request = seeker.send_json("POST", "/api/review/requests", {
        "session_id": session_id, "message": "이직 사유는 비밀입니다", "target_job": "비밀 목표 직무",
    })
    assert request.status_code == 201, request.text
    request_id = request.json()["id"]
    assert kim.send_json("POST", f"/api/review/requests/{request_id}/claim").status_code == 200
    comment = kim.send_json("POST", f"/api/review/requests/{request_id}/comments",
                            {"answer_id": answer_id, "start_s": 1, "end_s": 2, "category": "gaze", "body": "초안 코멘트"})
    assert comment.status_code == 201, comment.text
    verdict = kim.send_json("PUT", f"/api/review/requests/{request_id}/verdicts",
                            {"answer_id": answer_id, "score_key": "gaze", "agree": False, "reason": "비공개 판정 사유"})
    assert verdict.status_code in (200, 201), verdict.text
    link = kim.send_json("POST", f"/api/review/requests/{request_id}/shares", {"expires_in_days": 3, "label": "외부 위원"})
    assert link.status_code == 201
    return {"seeker": seeker, "kim": kim, "kim_id": kim_id, "request_id": request_id, "answer_id": answer_id,
            "session_id": session_id, "url": link.json()["url"], "link_id": link.json()["id"], "make_client": make_client}


SECRETS = ("이직 사유는 비밀입니다", "비밀 목표 직무", "비공개 판정 사유", "kim", "비밀구직자", "초안 코멘트")


def test_share_api_returns_only_what_the_share_page_shows(shared_world) -> None:
    w = shared_world
    token = w["url"].rsplit("/", 1)[1]
    outsider = w["make_client"]()
    detail = outsider.get(f"/api/shared/review/{token}")
    assert detail.status_code == 200
    body = detail.json()
    assert set(body) == {"session_title", "submitted", "rubric", "summary", "answers"}
    assert body["submitted"] is False and body["rubric"] is None and body["summary"] is None
    assert [a["id"] for a in body["answers"]] == [w["answer_id"]]
    assert body["answers"][0]["comments"] == []  # a draft until the review is submitted
    assert set(body["answers"][0]) == {"id", "number", "question", "duration_s", "video_url", "scores", "transcript", "comments"}
    for secret in SECRETS:
        assert secret not in detail.text, secret
        assert secret not in outsider.get(w["url"]).text, secret
    private_keys = ('"consultant_id"', '"seeker_id"', '"message"', '"target_job"', '"verdicts"', '"reason"')
    assert not any(key in detail.text for key in private_keys)

    # Once submitted, the page and the API both show the rubric, summary and comments.
    kim = w["kim"]
    submitted = kim.send_json("POST", f"/api/review/requests/{w['request_id']}/submit", {
        "rubric": {"delivery": 4, "content": 3, "gaze": 5, "structure": 2}, "summary": "전반적으로 좋습니다",
    })
    assert submitted.status_code == 200, submitted.text
    after = outsider.get(f"/api/shared/review/{token}").json()
    assert after["submitted"] is True and after["summary"] == "전반적으로 좋습니다"
    assert [c["body"] for c in after["answers"][0]["comments"]] == ["초안 코멘트"]
    page = outsider.get(w["url"]).text
    assert "전반적으로 좋습니다" in page and "초안 코멘트" in page
    assert "비공개 판정 사유" not in page and "비공개 판정 사유" not in outsider.get(f"/api/shared/review/{token}").text


def test_seeker_lists_and_revokes_share_links_of_their_sessions(shared_world) -> None:
    w = shared_world
    seeker, outsider = w["seeker"], w["make_client"]()
    assert outsider.get(w["url"]).status_code == 200
    mine = seeker.get("/api/review/my-shares")
    assert mine.status_code == 200
    (link,) = mine.json()
    assert link["id"] == w["link_id"] and link["created_by"] == "kim" and link["label"] == "외부 위원"
    assert link["active"] is True and link["views"] == 1 and link["last_opened_at"] is not None
    assert datetime.fromisoformat(link["expires_at"]) > datetime.fromisoformat(link["created_at"]) + timedelta(days=2)
    # The feedback page lists it with a revoke button.
    page = seeker.get(f"/practice/{w['session_id']}/feedback").text
    assert f'data-revoke-share="{w["link_id"]}"' in page

    # Another seeker can neither see nor revoke it.
    other = w["make_client"]()
    other.signup("seeker", "other@share.kr")
    assert other.get("/api/review/my-shares").json() == []
    refused = other.send_json("POST", f"/api/review/my-shares/{w['link_id']}/revoke")
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "share_link_not_found"
    assert outsider.get(w["url"]).status_code == 200

    revoked = seeker.send_json("POST", f"/api/review/my-shares/{w['link_id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["active"] is False and revoked.json()["revoked_at"]
    token = w["url"].rsplit("/", 1)[1]
    gone = outsider.get(f"/api/shared/review/{token}")
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "share_link_inactive"
    assert outsider.get(w["url"]).status_code == 410
    assert outsider.get(f"/api/shared/review/{token}/answers/{w['answer_id']}/video").status_code == 410
    assert f'data-revoke-share="{w["link_id"]}"' not in seeker.get(f"/practice/{w['session_id']}/feedback").text


# --------------------------------------------------------------------------- 5. integrity and privacy


def _employer_and_posting(make_client):
    employer = make_client()
    employer.signup("employer", "boss@hire.kr", company_name="채용회사")
    posting = employer.send_json("POST", "/api/careers/postings", {
        "title": "물류 관리", "field": "it_dev", "duties": "재고를 관리합니다.", "region": "서울",
    })
    assert posting.status_code == 201, posting.text
    return employer, posting.json()


def test_a_seekers_hire_report_never_changes_the_employers_application_status(app_client, make_client) -> None:
    seeker = app_client
    seeker.signup("seeker", "seeker@hire.kr")
    employer, posting = _employer_and_posting(make_client)
    applied = seeker.send_json("POST", f"/api/careers/postings/{posting['id']}/apply", {})
    assert applied.status_code == 201, applied.text
    rejected = employer.send_json("PUT", f"/api/careers/applications/{applied.json()['id']}", {"status": "rejected"})
    assert rejected.status_code == 200, rejected.text

    hire = seeker.send_json("POST", "/api/journey/hires", {
        "company_name": "채용회사", "hired_on": datetime.now().date().isoformat(), "posting_id": posting["id"],
    })
    assert hire.status_code == 201, hire.text
    (applicant,) = employer.get(f"/api/careers/postings/{posting['id']}/applicants").json()["applicants"]
    assert applicant["status"] == "rejected"  # the employer's decision stands
    assert applicant["seeker_reported_hired"] is True  # the seeker's claim, kept apart
    page = employer.get(f"/employer/postings/{posting['id']}").text
    assert 'data-testid="seeker-reported-hired"' in page and '<option value="rejected" selected>' in page
    # The seeker's own journey still records the hire, with its follow-up check-ins.
    from server.models import FollowupCheckin, Hire

    with session_scope(app_client.app.state.sessionmaker) as db:
        row = db.get(Hire, hire.json()["id"])
        assert row is not None and row.posting_id == posting["id"]
        assert db.query(FollowupCheckin).filter_by(hire_id=row.id).count() == 3


def test_the_employers_status_note_is_never_shown_to_the_seeker(app_client, make_client) -> None:
    employer = app_client
    employer.signup("employer", "boss@note.kr", company_name="메모회사", name="김면접")
    seeker = make_client()
    seeker.signup("seeker", "seeker@note.kr", name="이구직")
    created = employer.send_json("POST", "/api/interviews/invitations", {
        "seeker_email": "seeker@note.kr", "kind": "live", "scheduled_at": "2030-03-02T14:00:00", "duration_min": 30,
        "title": "면접",
    })
    assert created.status_code == 201, created.text
    inv = created.json()["id"]
    asked = seeker.send_json("POST", f"/api/interviews/invitations/{inv}/respond",
                             {"action": "reschedule", "note": "오전이 좋습니다"})
    assert asked.status_code == 200, asked.text
    moved = employer.send_json("POST", f"/api/interviews/invitations/{inv}/status",
                               {"status": "invited", "scheduled_at": "2030-03-03T10:00:00", "note": "내부: 태도 불량 의심"})
    assert moved.status_code == 200, moved.text

    for url in (f"/api/interviews/invitations/{inv}", f"/interviews/{inv}", "/api/interviews/invitations", "/interviews"):
        response = seeker.get(url)
        assert response.status_code == 200, url
        assert "태도 불량" not in response.text, url
    notes = [h["note"] for h in seeker.get(f"/api/interviews/invitations/{inv}").json()["history"]]
    assert "오전이 좋습니다" in notes  # their own note stays visible to them
    assert "내부: 태도 불량 의심" in [h["note"] for h in employer.get(f"/api/interviews/invitations/{inv}").json()["history"]]
    assert "태도 불량" in employer.get(f"/interviews/{inv}").text


# --------------------------------------------------------------------------- 2-3. CSP and headers


def _csp(response) -> dict[str, list[str]]:
    policy = response.headers["content-security-policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


def test_every_page_has_a_strict_nonce_csp_and_every_script_carries_the_nonce(app_client) -> None:
    import re

    seeker = app_client
    seeker.signup("seeker", "seeker@csp.kr")
    nonces, script_count = set(), 0
    for url in ("/", "/login", "/dashboard", "/practice", "/jobs", "/profile", "/journey/diagnosis", "/devices"):
        page = seeker.get(url, headers={"accept": "text/html"})
        assert page.status_code == 200, url
        csp = _csp(page)
        (nonce_source,) = [s for s in csp["script-src"] if s.startswith("'nonce-")]
        nonce = nonce_source[len("'nonce-"):-1]
        nonces.add(nonce)
        assert "'unsafe-inline'" not in page.headers["content-security-policy"]
        assert "'unsafe-eval'" not in page.headers["content-security-policy"]
        assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
        assert csp["frame-ancestors"] == ["'none'"] and csp["style-src"] == ["'self'"]
        assert csp["connect-src"] == ["'self'", "ws://testserver", "wss://testserver"]
        scripts = re.findall(r"<script\b[^>]*>", page.text)
        script_count += len(scripts)
        for tag in scripts:
            assert f'nonce="{nonce}"' in tag, (url, tag)
        assert not re.search(r"\son[a-z]+\s*=", page.text), url  # no inline event handlers
        assert " style=" not in page.text, url
    assert len(nonces) == 8  # a fresh nonce per response
    assert script_count >= 5


def test_templates_and_scripts_have_no_inline_handlers_or_unnonced_scripts() -> None:
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "web"
    for template in (root / "templates").glob("*.html"):
        text = template.read_text()
        assert not re.search(r"\son[a-z]+\s*=", text), template.name
        assert " style=" not in text, template.name
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert 'nonce="{{ csp_nonce }}"' in tag, (template.name, tag)
        # inline code is not allowed at all: only data blocks and src= scripts
        for tag, body in re.findall(r"(<script\b[^>]*>)(.*?)</script>", text, flags=re.S):
            assert "src=" in tag or 'type="application/json"' in tag or not body.strip(), (template.name, tag)
    for script in (root / "static" / "js").glob("*.js"):
        text = script.read_text()
        assert not re.search(r"setAttribute\(\s*['\"]on|\.on[a-z]+\s*=\s*['\"`]|\beval\(|new Function\(", text), script.name


def test_api_json_and_logged_in_pages_are_never_cached_and_public_static_is(app_client) -> None:
    anonymous = app_client.get("/api/auth/login")
    assert anonymous.headers["cache-control"] == "no-store"  # JSON API, even an error
    assert app_client.get("/static/css/app.css").headers.get("cache-control") != "no-store"
    app_client.signup("seeker", "seeker@cache.kr")
    for url in ("/dashboard", "/practice", "/api/me", "/api/careers/profile"):
        response = app_client.get(url, headers={"accept": "text/html"} if not url.startswith("/api") else {})
        assert response.headers["cache-control"] == "no-store", url
    assert "strict-transport-security" not in app_client.get("/dashboard").headers  # http base URL


def test_every_response_carries_the_security_headers_including_the_edges_own_errors(app_client) -> None:
    """The request guard answers 413 (body cap) and 422 (JSON too deep) itself, before any route
    runs; those, the router's 404/405 and validation 422s carry the same headers as a page."""
    csrf = {"X-CSRF-Token": app_client.cookies.get("untact_csrf", "")}
    if not csrf["X-CSRF-Token"]:
        app_client.get("/login")
        csrf = {"X-CSRF-Token": app_client.cookies["untact_csrf"]}
    deep = "[" * 100 + "]" * 100
    responses = {
        "413 body cap": app_client.post("/api/auth/login", content=b"x" * (2 * 1024 * 1024),
                                        headers={**csrf, "content-type": "application/json"}),
        "422 too deep": app_client.post("/api/auth/login", content=deep,
                                        headers={**csrf, "content-type": "application/json"}),
        "422 bad JSON": app_client.post("/api/auth/login", content="{not json",
                                        headers={**csrf, "content-type": "application/json"}),
        "404": app_client.get("/api/no-such-route"),
        "405": app_client.delete("/api/auth/login", headers=csrf),
        "200 page": app_client.get("/login"),
    }  # fmt: skip
    expected_status = {"413 body cap": 413, "422 too deep": 422, "422 bad JSON": 422, "404": 404, "405": 405}
    for name, response in responses.items():
        assert response.status_code == expected_status.get(name, 200), (name, response.status_code, response.text[:200])
        assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"], name
        assert response.headers["x-content-type-options"] == "nosniff", name
        assert response.headers["referrer-policy"] == "same-origin", name
        assert response.headers["x-frame-options"] == "DENY", name
        if name != "200 page":
            assert response.headers["cache-control"] == "no-store", name
            assert response.json()["error"]["code"], name  # typed, never a traceback


def test_hsts_is_sent_when_the_public_base_url_is_https(make_settings) -> None:
    from fastapi.testclient import TestClient

    from server.app import create_app

    app = create_app(make_settings(public_base_url="https://untact.example.kr"))
    with TestClient(app, base_url="https://untact.example.kr") as client:
        for url in ("/", "/login", "/api/me", "/healthz"):
            assert client.get(url).headers["strict-transport-security"] == "max-age=31536000; includeSubDomains", url


# --------------------------------------------------------------------------- 3. sockets end with the session


def _open_sockets_settle(registry, expected: int, timeout_s: float = 10.0) -> bool:
    """The client sees the close frame before the server's socket route has finished tearing
    down (peer, registry entry): wait for the registry to reach `expected`, then check it."""
    import time

    deadline = time.monotonic() + timeout_s
    while registry.open_count() != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return registry.open_count() == expected


def test_logout_closes_the_sessions_open_sockets_with_a_typed_code(app_client, make_client) -> None:
    from starlette.websockets import WebSocketDisconnect

    seeker = app_client
    seeker.signup("seeker", "seeker@ws.kr", password=PASSWORD)
    session_id = seeker.send_json("POST", "/api/practice/sessions", {"source": "field", "field": "it_dev"}).json()["id"]
    other_device = make_client()
    other_device.login("seeker@ws.kr", PASSWORD)  # the same person, another login session
    registry = app_client.app.state.session_sockets

    with seeker.websocket_connect(f"/ws/practice/{session_id}", headers={"origin": "http://testserver"}) as first, \
            other_device.websocket_connect(f"/ws/practice/{session_id}", headers={"origin": "http://testserver"}) as second:
        assert first.receive_json()["type"] == "hello" and second.receive_json()["type"] == "hello"
        assert registry.open_count() == 2
        assert seeker.send_json("POST", "/api/auth/logout").status_code == 204
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                first.receive_json()
        assert closed.value.code == 4401 and closed.value.reason == "session_ended"
        # The other login session's socket keeps working.
        second.send_json({"type": "ping"})
        assert second.receive_json()["type"] in ("pong", "error")
        assert _open_sockets_settle(registry, 1)
    assert _open_sockets_settle(registry, 0)
    # The ended session cannot open a new socket either.
    with pytest.raises(WebSocketDisconnect) as refused, seeker.websocket_connect(
        f"/ws/practice/{session_id}", headers={"origin": "http://testserver"}
    ) as ws:
        ws.receive_json()
    assert refused.value.code == 4401


@pytest.mark.timeout(90)
def test_sockets_end_when_their_session_expires_is_revoked_elsewhere_or_its_user_is_deactivated(
    make_settings,
) -> None:
    """Logout is not the only way a session ends: it expires, another process logs it out (only
    the table changes here), or an admin deactivates the person. Each of those sockets is closed
    with the typed code within a heartbeat or two; a session that is still valid keeps its socket."""
    from sqlalchemy import update
    from starlette.websockets import WebSocketDisconnect

    from server.accounts.security import session_token_hash
    from server.app import create_app
    from server.models import User, UserSession
    from tests.conftest import ApiClient

    app = create_app(make_settings(instance_heartbeat_s=0.2, instance_timeout_s=1.0))
    with ApiClient(app, base_url="http://testserver", raise_server_exceptions=False) as first:
        people = {"expired": first}
        for name in ("revoked", "deactivated", "valid"):
            people[name] = ApiClient(app, base_url="http://testserver", raise_server_exceptions=False)
        sockets, tokens = {}, {}
        try:
            for name, client in people.items():
                client.signup("seeker", f"{name}@ws-end.kr", password=PASSWORD)
                tokens[name] = session_token_hash(client.cookies["untact_session"])
                session_id = client.send_json(
                    "POST", "/api/practice/sessions", {"source": "field", "field": "it_dev"}
                ).json()["id"]
                ws = client.websocket_connect(f"/ws/practice/{session_id}", headers={"origin": "http://testserver"})
                sockets[name] = ws.__enter__()
                assert sockets[name].receive_json()["type"] == "hello"
            assert app.state.session_sockets.open_count() == 4
            with session_scope(app.state.sessionmaker) as db:
                db.execute(update(UserSession).where(UserSession.token_hash == tokens["expired"])
                           .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
                db.execute(update(UserSession).where(UserSession.token_hash == tokens["revoked"]).values(revoked=True))
                db.execute(update(User).where(User.email == "deactivated@ws-end.kr").values(is_active=False))
            for name in ("expired", "revoked", "deactivated"):
                with pytest.raises(WebSocketDisconnect) as closed:
                    while True:
                        sockets[name].receive_json()
                assert (closed.value.code, closed.value.reason) == (4401, "session_ended"), name
            sockets["valid"].send_json({"type": "ping"})
            assert sockets["valid"].receive_json()["type"] in ("pong", "error")
            assert _open_sockets_settle(app.state.session_sockets, 1)
        finally:
            for ws in sockets.values():
                ws.__exit__(None, None, None)
            for client in people.values():
                if client is not first:
                    client.close()


# --------------------------------------------------------------------------- 3. tokens stay out of the logs


def test_share_and_room_tokens_never_reach_the_access_log_in_full(live_server) -> None:
    import secrets
    import time

    import httpx
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    share_token = secrets.token_urlsafe(32)
    room_token = "eyJhbGciOiJIUzI1NiJ9." + secrets.token_urlsafe(40)
    for path in (f"/shared/review/{share_token}", f"/api/shared/review/{share_token}",
                 f"/api/shared/review/{share_token}/answers/1/video"):
        assert httpx.get(live_server.base_url + path).status_code == 404
    ws_url = live_server.base_url.replace("http://", "ws://") + f"/ws/interviews/1/room?token={room_token}"
    with pytest.raises(InvalidStatus):  # refused in the handshake: not logged in
        connect(ws_url, open_timeout=5).close()
    deadline = time.monotonic() + 10
    while share_token[:4] + "…" not in live_server.log() and time.monotonic() < deadline:
        time.sleep(0.1)  # the log line is written after the response
    log = live_server.log()
    assert f"/shared/review/{share_token[:4]}…" in log and "token=eyJh…" in log
    assert share_token not in log and share_token[:8] not in log
    assert room_token not in log and room_token[:8] not in log


# --------------------------------------------------------------------------- 6. throttling


class Clock:
    """The throttle's clock, moved by the test: delays are asserted exactly, not raced."""

    def __init__(self) -> None:
        from datetime import UTC

        self.now = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _client_at(app_client, address: str):
    from tests.conftest import ApiClient

    return ApiClient(app_client.app, base_url="http://testserver", raise_server_exceptions=False, client=(address, 40000))


def _login(client, email: str, password: str):
    return client.send_json("POST", "/api/auth/login", {"email": email, "password": password})


def test_progressive_delay_per_account_and_address_spares_the_owner_elsewhere(app_client) -> None:
    from server.models import AuditEvent

    with session_scope(app_client.app.state.sessionmaker) as db:
        ensure_user(db, email="root@throttle.kr", password=PASSWORD, role=Role.ADMIN, display_name="관리자")
    clock = Clock()
    app_client.app.state.auth_throttle.clock = clock
    attacker, owner = _client_at(app_client, "203.0.113.9"), _client_at(app_client, "198.51.100.7")

    assert [_login(attacker, "root@throttle.kr", f"guess-{i}").status_code for i in range(5)] == [401] * 5
    waits = []
    for _ in range(4):
        refused = _login(attacker, "ROOT@throttle.kr", PASSWORD)  # even the right password waits
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "login_throttled"
        waits.append(int(refused.headers["retry-after"]))
        clock.advance(waits[-1])
        assert _login(attacker, "root@throttle.kr", "another-guess").status_code == 401
    assert waits == [1, 2, 4, 8]  # 2^k seconds after the fifth failure

    # The owner, from their own address, logs in at once: the attacker cannot lock them out.
    assert _login(owner, "root@throttle.kr", PASSWORD).status_code == 200
    # Throttling writes nothing to the audit log.
    with session_scope(app_client.app.state.sessionmaker) as db:
        events = {e.event for e in db.query(AuditEvent).all()}
    assert "login_throttled" not in events

    # After the wait, the right password from the attacker's address works and resets the counter.
    clock.advance(16)
    assert _login(attacker, "root@throttle.kr", PASSWORD).status_code == 200
    assert _login(attacker, "root@throttle.kr", "wrong-again").status_code == 401
    assert _login(attacker, "root@throttle.kr", PASSWORD).status_code == 200


def test_a_looser_per_address_cap_over_all_accounts(make_settings) -> None:
    from server.app import create_app
    from tests.conftest import ApiClient

    app = create_app(make_settings(login_max_failures_per_address=8))
    with ApiClient(app, base_url="http://testserver", raise_server_exceptions=False, client=("203.0.113.50", 1)) as sprayer:
        app.state.auth_throttle.clock = Clock()
        codes = [_login(sprayer, f"user{i}@spray.kr", "password-spray").status_code for i in range(9)]
        assert codes == [401] * 8 + [429]
        blocked = _login(sprayer, "fresh@spray.kr", "password-spray")
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) == 300
        other = ApiClient(app, base_url="http://testserver", raise_server_exceptions=False, client=("203.0.113.51", 1))
        assert _login(other, "user1@spray.kr", "password-spray").status_code == 401  # another address is not blocked


def test_sign_up_is_throttled_per_address(make_settings) -> None:
    from server.app import create_app
    from tests.conftest import ApiClient

    app = create_app(make_settings(signup_max_per_address=3))
    with ApiClient(app, base_url="http://testserver", raise_server_exceptions=False, client=("203.0.113.60", 1)) as bot:
        app.state.auth_throttle.clock = clock = Clock()
        body = {"password": "correct-horse-1", "display_name": "봇", "role": "seeker"}
        codes = [bot.send_json("POST", "/api/auth/signup", {**body, "email": f"bot{i}@x.kr"}).status_code for i in range(4)]
        assert codes == [201, 201, 201, 429]
        refused = bot.send_json("POST", "/api/auth/signup", {**body, "email": "bot9@x.kr"})
        assert refused.json()["error"]["code"] == "signup_throttled" and int(refused.headers["retry-after"]) == 3600
        form = bot.post("/signup", data={**body, "email": "form@x.kr", "csrf_token": bot.csrf()})
        assert form.status_code == 429  # the HTML form too
        person = ApiClient(app, base_url="http://testserver", raise_server_exceptions=False, client=("198.51.100.61", 1))
        assert person.send_json("POST", "/api/auth/signup", {**body, "email": "person@x.kr"}).status_code == 201
        clock.advance(3601)
        assert bot.send_json("POST", "/api/auth/signup", {**body, "email": "later@x.kr"}).status_code == 201


def test_throttle_state_is_shared_by_app_processes_on_one_database(make_settings) -> None:
    """Two app instances (as two processes would) on the same database see one counter."""
    from server.app import create_app
    from tests.conftest import ApiClient

    settings = make_settings()
    first, second = create_app(settings), create_app(settings)
    with ApiClient(first, raise_server_exceptions=False, client=("203.0.113.70", 1)) as a, \
            ApiClient(second, raise_server_exceptions=False, client=("203.0.113.70", 2)) as b:
        clock = Clock()
        first.state.auth_throttle.clock = second.state.auth_throttle.clock = clock
        for i in range(5):
            assert _login(a if i % 2 else b, "shared@x.kr", f"guess-{i}").status_code == 401
        assert _login(a, "shared@x.kr", "guess").status_code == 429
        assert _login(b, "shared@x.kr", "guess").status_code == 429


def test_forwarded_for_is_not_trusted_unless_configured(tmp_path) -> None:
    import httpx

    from server.cli import proxy_options
    from tests.liveserver import start_live_server, stop_live_server

    assert proxy_options("") == (False, None)
    assert proxy_options("10.0.0.5") == (True, "10.0.0.5")
    server = start_live_server(tmp_path / "xff", extra_env={"UNTACT_LOGIN_MAX_FAILURES_PER_ADDRESS": "3"})
    try:
        with httpx.Client(base_url=server.base_url) as client:
            client.get("/healthz")
            csrf = client.cookies["untact_csrf"]
            codes = []
            for i in range(4):  # a new X-Forwarded-For each time, from loopback: still one address
                response = client.post("/api/auth/login", json={"email": f"u{i}@xff.kr", "password": "wrong-password"},
                                       headers={"X-CSRF-Token": csrf, "X-Forwarded-For": f"198.51.100.{i + 1}"})
                codes.append(response.status_code)
            assert codes == [401, 401, 401, 429]
    finally:
        stop_live_server(server)


# --------------------------------------------------------------------------- 7. audit: room actions (real server)


class LiveUser:
    """A person logged in to the real server over HTTP, with their own cookies."""

    def __init__(self, base_url: str, email: str, password: str) -> None:
        import httpx

        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, timeout=20)
        self.http.get("/healthz")
        response = self.send("POST", "/api/auth/login", {"email": email, "password": password})
        assert response.status_code == 200, response.text

    def send(self, method: str, url: str, body: object | None = None):
        return self.http.request(method, url, json=body, headers={"X-CSRF-Token": self.http.cookies["untact_csrf"]})

    def socket(self, path: str):
        from websockets.sync.client import connect

        cookie = "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())
        return connect(self.base_url.replace("http://", "ws://") + path, open_timeout=10,
                       additional_headers={"Cookie": cookie, "Origin": self.base_url})


def _until(ws, wanted: str, **fields: object) -> dict:
    import json

    for _ in range(50):
        message = json.loads(ws.recv(timeout=15))
        if message["type"] == wanted and all(message.get(k) == v for k, v in fields.items()):
            return message
    raise AssertionError(f"no {wanted} message")


def test_room_actions_are_audited_and_logout_closes_the_room_socket(live_server) -> None:
    import json

    from websockets.exceptions import ConnectionClosed

    base = live_server.base_url
    employer = LiveUser(base, "employer@demo.untact.kr", "demo-employer-1234")
    seeker = LiveUser(base, "seeker@demo.untact.kr", "demo-seeker-1234")
    admin = LiveUser(base, "admin@demo.untact.kr", "demo-admin-1234")
    inv = employer.send("POST", "/api/interviews/invitations", {
        "seeker_email": "seeker@demo.untact.kr", "kind": "live", "scheduled_at": "2031-05-05T10:00:00", "title": "감사 면접",
    }).json()
    assert seeker.send("POST", f"/api/interviews/invitations/{inv['id']}/respond", {"action": "accept"}).status_code == 200
    e_grant = employer.send("POST", f"/api/interviews/invitations/{inv['id']}/room-token").json()
    s_grant = seeker.send("POST", f"/api/interviews/invitations/{inv['id']}/room-token").json()
    room = f"/ws/interviews/{inv['id']}/room"

    with employer.socket(f"{room}?token={e_grant['token']}") as interviewer:
        assert _until(interviewer, "hello")["state"] == "admitted"
        with seeker.socket(f"{room}?token={s_grant['token']}") as candidate:
            identity = _until(candidate, "hello")["identity"]
            interviewer.send(json.dumps({"type": "admit", "identity": identity}))
            assert _until(candidate, "admitted")["type"] == "admitted"
            candidate.send('{"type": "consent", "recording": true}')
            _until(candidate, "consent", recording=True)
            interviewer.send('{"type": "start_recording"}')
            _until(interviewer, "recording", active=True)
            interviewer.send('{"type": "stop_recording"}')
            _until(interviewer, "recording", active=False)
            candidate.send('{"type": "consent", "recording": false}')
            _until(candidate, "consent", recording=False)
        with seeker.socket(f"{room}?token={s_grant['token']}") as candidate:  # back in the lobby
            identity = _until(candidate, "hello")["identity"]
            interviewer.send(json.dumps({"type": "deny", "identity": identity}))
            assert _until(candidate, "denied")["type"] == "denied"
        # The employer logs out (in another tab): their open room socket is closed with a typed code.
        assert employer.send("POST", "/api/auth/logout").status_code == 204
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                interviewer.recv(timeout=15)
        assert closed.value.rcvd is not None
        assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4401, "session_ended")

    events = admin.http.get("/api/admin/audit-events", params={"limit": 200}).json()
    mine = [e for e in events if e["detail"].get("invitation_id") == inv["id"]]
    by_event = {}
    for e in mine:
        by_event.setdefault(e["event"], []).append(e)
    for code, actor in (("interview_invited", "employer"), ("room_admit", "employer"), ("room_deny", "employer"),
                        ("room_recording_started", "employer"), ("room_recording_stopped", "employer"),
                        ("room_consent_given", "seeker"), ("room_consent_withdrawn", "seeker")):
        assert code in by_event, (code, sorted(by_event))
        assert by_event[code][0]["actor_email"] == f"{actor}@demo.untact.kr", code
    consent_history = [e["event"] for e in sorted(mine, key=lambda e: e["id"]) if e["event"].startswith("room_consent")]
    assert consent_history == ["room_consent_given", "room_consent_withdrawn"]
    assert by_event["room_consent_given"][0]["detail"]["purpose"] == "live_room_recording_and_captions"


# --------------------------------------------------------------------------- 7. audit: coverage, view, retention


def _audited_event_codes() -> set[str]:
    """Every event code the server passes to record_audit / audit_request / a room's _audit."""
    import ast
    from pathlib import Path

    positions = {"record_audit": 1, "audit_request": 2, "_audit_other_persons_answer": 4}
    codes: set[str] = set()
    for path in (Path(__file__).resolve().parents[2] / "server").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            args = node.args
            if name == "to_thread" and args and getattr(args[0], "attr", None) == "_audit":
                name, position = "_audit", 1
            elif name in positions:
                position = positions[name]
            else:
                continue
            if len(args) <= position:
                continue
            value = args[position]
            for candidate in (value.body, value.orelse) if isinstance(value, ast.IfExp) else (value,):
                if isinstance(candidate, ast.Constant) and isinstance(candidate.value, str):
                    codes.add(candidate.value)
    return codes


def test_every_audit_event_code_has_a_korean_and_english_label() -> None:
    from server.core.i18n import catalog

    codes = _audited_event_codes()
    assert {"room_admit", "room_deny", "room_consent_withdrawn", "seeker_profiles_viewed", "journey_viewed",
            "consultant_assigned", "company_promising_set", "interview_recording_viewed"} <= codes
    for code in codes:
        ko, en = catalog("ko").get(f"audit.event_{code}"), catalog("en").get(f"audit.event_{code}")
        assert ko and en and ko != en, code


def test_staff_and_employer_reads_of_other_peoples_data_are_audited(app_client, make_client) -> None:
    from server.models import AuditEvent

    seeker = app_client
    seeker.signup("seeker", "seeker@audit.kr", name="감사구직자")
    seeker_id = seeker.get("/api/me").json()["id"]
    assert seeker.send_json("PUT", "/api/careers/profile", {
        "desired_fields": ["it_dev"], "skills": ["Python"], "education": "bachelor", "discoverable": True,
    }).status_code == 200
    employer, posting = _employer_and_posting(make_client)
    admin, _ = _staff(app_client, make_client, Role.ADMIN, "admin@audit.kr")
    consultant, consultant_id = _staff(app_client, make_client, Role.CONSULTANT, "kim@audit.kr")

    assert employer.get("/api/careers/talent").status_code == 200
    assert employer.get(f"/api/careers/postings/{posting['id']}/talent").status_code == 200
    assert employer.get("/employer/talent").status_code == 200
    assert employer.send_json("POST", f"/api/careers/postings/{posting['id']}/invitations", {"seeker_id": seeker_id}).status_code == 201
    assert admin.send_json("PUT", "/api/journey/assignments", {"seeker_id": seeker_id, "consultant_id": consultant_id}).status_code == 200
    assert admin.get(f"/api/journey/seekers/{seeker_id}").status_code == 200
    assert admin.get("/api/journey/admin/summary").status_code == 200
    assert admin.get("/admin/journeys").status_code == 200
    assert consultant.get(f"/consultant/seekers/{seeker_id}").status_code == 200
    company_id = employer.get("/api/careers/company").json()["id"]
    assert admin.send_json("PUT", f"/api/careers/admin/companies/{company_id}/promising",
                           {"promising": True, "writeup": "성장 중"}).status_code == 200

    with session_scope(app_client.app.state.sessionmaker) as db:
        rows = [(e.event, e.actor_email, e.detail) for e in db.query(AuditEvent).order_by(AuditEvent.id)]
    def of(event: str) -> list[tuple[str | None, dict]]:
        return [(actor, detail) for name, actor, detail in rows if name == event]

    viewed = of("seeker_profiles_viewed")
    assert len(viewed) == 3 and all(actor == "boss@hire.kr" and seeker_id in d["seeker_ids"] for actor, d in viewed)
    assert of("job_invitation_sent") == [("boss@hire.kr", {"posting_id": posting["id"], "seeker_id": seeker_id})]
    assert of("consultant_assigned") == [("admin@audit.kr", {"seeker_id": seeker_id, "consultant_id": consultant_id})]
    assert ("admin@audit.kr", {"seeker_id": seeker_id}) in of("journey_viewed")
    assert ("kim@audit.kr", {"seeker_id": seeker_id}) in of("journey_viewed")
    assert [a for a, _ in of("journey_summary_viewed")] == ["admin@audit.kr", "admin@audit.kr"]
    assert of("company_promising_set") == [("admin@audit.kr", {"company_id": company_id, "promising": True})]
    # The seeker reading their own data is not an access to someone else's.
    seeker.get("/api/journey")
    seeker.get("/api/careers/profile")
    with session_scope(app_client.app.state.sessionmaker) as db:
        assert db.query(AuditEvent).filter(AuditEvent.actor_email == "seeker@audit.kr",
                                           AuditEvent.event.like("%viewed")).count() == 0


def test_admin_audit_view_pages_filters_and_labels_events(app_client, make_client) -> None:
    from datetime import UTC

    from server.models import AuditEvent

    admin, _ = _staff(app_client, make_client, Role.ADMIN, "admin@audit-view.kr")
    base = datetime(2030, 3, 10, 3, 0, tzinfo=UTC)  # 12:00 in Seoul
    with session_scope(app_client.app.state.sessionmaker) as db:
        for i in range(250):
            db.add(AuditEvent(event="login_failed" if i % 2 else "room_admit", actor_email=f"user{i % 5}@view.kr",
                              at=base + timedelta(hours=i), detail={"n": i}))
    everything = admin.get("/api/admin/audit-events", params={"actor": "@view.kr", "limit": 100})
    assert everything.headers["x-total-count"] == "250" and len(everything.json()) == 100
    second = admin.get("/api/admin/audit-events", params={"actor": "@view.kr", "limit": 100, "offset": 100}).json()
    assert {e["id"] for e in second}.isdisjoint(e["id"] for e in everything.json())
    assert max(e["id"] for e in second) < min(e["id"] for e in everything.json())  # newest first
    admits = admin.get("/api/admin/audit-events", params={"event": "room_admit", "actor": "USER0@", "limit": 500})
    assert admits.headers["x-total-count"] == "25"
    assert all(e["event"] == "room_admit" and e["actor_email"] == "user0@view.kr" for e in admits.json())
    # Date range in Seoul days: 2030-03-10 covers hours 0..11 UTC+9 → events 0..11 (12:00 → 23:00 KST).
    day = admin.get("/api/admin/audit-events", params={"date_from": "2030-03-10", "date_to": "2030-03-10", "limit": 500})
    assert sorted(e["detail"]["n"] for e in day.json()) == list(range(12))
    assert admin.get("/api/admin/audit-events", params={"offset": -1}).status_code == 422
    assert admin.get("/api/admin/audit-events", params={"limit": 100_000}).status_code == 422

    page = admin.get("/admin/audit", params={"actor": "@view.kr", "limit": 100}, headers={"accept": "text/html"})
    assert page.status_code == 200
    assert page.text.count('<tr data-event="') == 100
    assert "면접실 입장 허용" in page.text and "로그인 실패" in page.text  # Korean labels, not codes
    assert "전체 250건 중 1–100" in page.text and 'rel="next"' in page.text and 'rel="prev"' not in page.text
    assert "감사 기록은 365일 동안 보관" in page.text
    last = admin.get("/admin/audit", params={"actor": "@view.kr", "limit": 100, "offset": 200}).text
    assert last.count('<tr data-event="') == 50 and 'rel="next"' not in last and 'rel="prev"' in last
    admin.cookies.set("untact_locale", "en")
    english = admin.get("/admin/audit", params={"event": "room_admit", "actor": "@view.kr"}).text
    assert "Admitted to the interview room" in english and "Failed login" not in english.split("<tbody>")[1]


def test_audit_retention_deletes_old_events_in_the_periodic_cleanup(make_settings) -> None:
    from datetime import UTC

    from server.app import create_app
    from server.jobs.handlers import purge_old_audit
    from server.jobs.queue import JobContext
    from server.models import AuditEvent, Job
    from tests.conftest import ApiClient

    app = create_app(make_settings(audit_retention_days=30, analysis_worker="none"))
    with ApiClient(app, raise_server_exceptions=False):
        factory = app.state.sessionmaker
        with session_scope(factory) as db:
            assert db.query(Job).filter_by(kind="purge_old_audit", status="queued").count() == 1  # queued at start
            now = datetime.now(UTC)
            db.add(AuditEvent(event="login", actor_email="old@x.kr", at=now - timedelta(days=31)))
            db.add(AuditEvent(event="login", actor_email="recent@x.kr", at=now - timedelta(days=29)))
        purge_old_audit(JobContext(factory, {"settings": app.state.settings}), {})
        with session_scope(factory) as db:
            kept = {e.actor_email for e in db.query(AuditEvent).filter(AuditEvent.event == "login")}
            assert kept == {"recent@x.kr"}
            assert db.query(Job).filter_by(kind="purge_old_audit", status="queued").count() >= 1  # checks again tomorrow
