"""Helpers for the jobs, matching and journey tests: people in each role, and sample postings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from server.accounts.service import ensure_user
from server.core.db import session_scope
from server.models import Role

PASSWORD = "careers-pass-1"


@pytest.fixture
def people(app_client, make_client) -> Callable[..., Any]:
    """`people(role, email, name=..., company=...)` -> a logged-in client; staff are created like admins do."""

    def make(role: str, email: str, name: str = "테스트", company: str | None = None) -> Any:
        client = make_client()
        if role in ("seeker", "employer"):
            extra = {"company_name": company or f"{email} 회사"} if role == "employer" else {}
            client.signup(role, email, password=PASSWORD, name=name, **extra)
        else:
            with session_scope(app_client.app.state.sessionmaker) as db:
                ensure_user(db, email=email, password=PASSWORD, role=Role(role), display_name=name)
            client.login(email, PASSWORD)
        client.user = client.get("/api/me").json()
        return client

    return make


def posting_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "파이썬 백엔드 개발자",
        "field": "it_dev",
        "duties": "Django와 PostgreSQL로 채용 서비스 API를 개발하고 운영합니다.",
        "required_skills": ["파이썬", "Django"],
        "preferred_skills": ["AWS"],
        "career_level": "entry",
        "education": "bachelor",
        "employment_type": "full_time",
        "region": "서울 강남구",
        "salary_min_krw": 38_000_000,
        "salary_max_krw": 45_000_000,
        "openings": 2,
    }
    body.update(overrides)
    return body


def create_posting(employer: Any, **overrides: Any) -> dict[str, Any]:
    response = employer.send_json("POST", "/api/careers/postings", posting_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def save_profile(seeker: Any, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "desired_fields": ["it_dev"],
        "desired_regions": ["seoul"],
        "skills": ["Python", "Git"],
        "education": "bachelor",
        "discoverable": True,
    }
    body.update(fields)
    response = seeker.send_json("PUT", "/api/careers/profile", body)
    assert response.status_code == 200, response.text
    return response.json()
