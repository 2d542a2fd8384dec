"""A browser that hits an error while logged in gets the error page, not a crash."""

from __future__ import annotations

import pytest
from fastapi import Request

from server.accounts.access import ANY_USER, ROUTE_ACCESS
from server.core.errors import NotFound

pytestmark = pytest.mark.unit


def _missing_page(request: Request) -> None:
    raise NotFound("practice_not_found")


def test_error_page_renders_for_a_logged_in_user_after_a_failed_request(app_client, monkeypatch) -> None:
    monkeypatch.setitem(ROUTE_ACCESS, "missing_page", ANY_USER)
    app_client.app.add_api_route("/missing-page", _missing_page, name="missing_page")
    app_client.signup("seeker", "err@x.kr", name="오류확인")
    response = app_client.get("/missing-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "연습을 찾을 수 없습니다." in response.text
    assert "오류확인" in response.text  # the header still shows who is logged in
