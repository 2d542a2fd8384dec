"""Web security (issue 10), on the real app (SQLite and PostgreSQL): URL fields, CSP and headers,
share links, integrity and privacy between seekers and employers, throttling, sessions and audit.
The browser part (CSP in Chromium) is in test_web_security_browser.py."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from server.accounts import ensure_user
from server.db import session_scope
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

    from server.access import endpoint_routes
    from server.app import create_app
    from server.config import Settings
    from server.safe_urls import _check_web_url

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
