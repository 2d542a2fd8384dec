"""Staff read-only views of a seeker's nine steps (issue 13, item 4): every tile a consultant or an
admin sees on an assigned seeker's page opens that step's own read-only view, never a seeker-only
page; others are refused, and each view is audited."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from server.core.db import session_scope
from server.domain.stress import stress_items
from server.models import AuditEvent
from tests.careers.conftest import create_posting, save_profile
from tests.careers.test_journey_api import aptitude_social_conventional, diagnosis_worked_example

pytestmark = pytest.mark.unit

STEPS = ("diagnosis", "cover_letter", "aptitude", "interview_practice", "counselling", "mentoring",
         "recommendation", "online_interview", "follow_up")  # fmt: skip
HTML = {"Accept": "text/html"}


def _seeker_with_a_journey(people) -> tuple[object, object]:
    employer = people("employer", "boss@hire.kr", company="가나소프트")
    posting = create_posting(employer, title="파이썬 백엔드 개발자")
    seeker = people("seeker", "s@s.kr", name="김구직")
    save_profile(seeker, desired_fields=["it_dev"], skills=["파이썬", "Django"])
    assert seeker.send_json("POST", "/api/journey/diagnosis", {"answers": diagnosis_worked_example()}).status_code == 201
    assert seeker.send_json("POST", "/api/journey/aptitude", {"answers": aptitude_social_conventional()}).status_code == 201
    stress = {i.item_id: 1 for i in stress_items()}
    stressed = seeker.send_json("POST", "/api/journey/stress", {"answers": stress})
    assert stressed.status_code == 201
    seeker.stress_total = stressed.json()["result"]["total_0_40"]
    assert seeker.send_json(
        "POST", "/api/journey/cover-letters", {"title": "백엔드 지원서", "text": "저는 성실합니다.", "limit_chars": 1000}
    ).status_code == 201  # fmt: skip
    assert seeker.send_json(
        "POST", "/api/practice/sessions", {"source": "field", "field": "it_dev", "question_count": 3, "language": "ko"}
    ).status_code == 201  # fmt: skip
    assert seeker.send_json("POST", f"/api/careers/postings/{posting['id']}/apply", {}).status_code == 201
    hired_on = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=9)).date() - dt.timedelta(days=40)
    assert seeker.send_json(
        "POST", "/api/journey/hires", {"company_name": "다라물류", "hired_on": hired_on.isoformat()}
    ).status_code == 201  # fmt: skip
    return seeker, posting


def _assign(people, seeker) -> tuple[object, object]:
    admin = people("admin", "admin@centre.kr")
    consultant = people("consultant", "c@centre.kr", name="박상담")
    body = {"seeker_id": seeker.user["id"], "consultant_id": consultant.user["id"], "centre": "강남센터"}
    assert admin.send_json("PUT", "/api/journey/assignments", body).status_code == 200
    return admin, consultant


def test_every_tile_on_an_assigned_seekers_page_opens_a_read_only_view_of_that_step(people, app_client) -> None:
    seeker, posting = _seeker_with_a_journey(people)
    admin, consultant = _assign(people, seeker)
    seeker_id = seeker.user["id"]

    overview = consultant.get(f"/consultant/seekers/{seeker_id}", headers=HTML)
    assert overview.status_code == 200
    tiles = re.findall(r'class="step-name" href="([^"]+)"', overview.text)
    assert tiles == [f"/consultant/seekers/{seeker_id}/steps/{s}" for s in STEPS]

    expected = {
        "diagnosis": ['data-testid="diagnosis-overall"', "<strong>43</strong>", "<svg"],
        "cover_letter": ["백엔드 지원서"],
        "aptitude": ['data-testid="aptitude-code">SCR<'],
        "interview_practice": ['data-testid="staff-practice"', "IT·개발", "검토 요청 없음"],
        "counselling": ['data-testid="stress-result"', f"<strong>{seeker.stress_total}</strong> / 40"],
        "mentoring": ['data-testid="staff-empty"'],
        "recommendation": ['data-testid="staff-recommended"', "파이썬 백엔드 개발자"],
        "online_interview": ['data-testid="staff-applications"', "파이썬 백엔드 개발자", "가나소프트"],
        "follow_up": ['data-testid="checkins"', "다라물류"],
    }
    for url, step in zip(tiles, STEPS, strict=True):
        for viewer in (consultant, admin):
            response = viewer.get(url, headers=HTML)
            assert response.status_code == 200, (url, response.status_code)
            text = response.text
            assert 'data-testid="read-only"' in text and "읽기 전용" in text
            for needle in expected[step]:
                assert needle in text, (step, needle)
            # Read-only: no form posts anything, and no link leads to a seeker-only page.
            assert "data-api=" not in text and "retake=1" not in text, step
            assert not re.search(r'href="/journey/(diagnosis|aptitude|counselling|follow-up)"', text), step
            assert f'href="/jobs/{posting["id"]}"' in text or step not in ("recommendation", "online_interview")

    with session_scope(app_client.app.state.sessionmaker) as db:
        viewed = [
            (e.actor_email, e.detail["step"])
            for e in db.query(AuditEvent).filter(AuditEvent.event == "journey_step_viewed").order_by(AuditEvent.id)
        ]
    assert viewed == [(who, s) for s in STEPS for who in ("c@centre.kr", "admin@centre.kr")]


def test_step_views_refuse_everyone_else(people) -> None:
    seeker, _ = _seeker_with_a_journey(people)
    _assign(people, seeker)
    other_consultant = people("consultant", "other@centre.kr")
    employer = people("employer", "e2@hire.kr")
    url = f"/consultant/seekers/{seeker.user['id']}/steps/diagnosis"

    refused = other_consultant.get(url, headers=HTML)  # not assigned: as if there were none
    assert refused.status_code == 404 and 'data-code="seeker_not_found"' in refused.text
    assert seeker.get(url).status_code == 403 and employer.get(url).status_code == 403
    consultant = people("consultant", "c2@centre.kr")
    assert consultant.get("/consultant/seekers/99999999999999999999/steps/diagnosis").status_code == 422
    admin = people("admin", "a2@centre.kr")
    unknown = admin.get(f"/consultant/seekers/{seeker.user['id']}/steps/salary", headers=HTML)
    assert unknown.status_code == 404 and 'data-code="step_not_found"' in unknown.text
    assert "이 단계를 찾을 수 없습니다." in unknown.text
    assert "Traceback" not in unknown.text
