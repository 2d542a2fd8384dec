"""기업 진단 through the API (SQLite and PostgreSQL): an employer or the registering consultant
fills it in, the type and recommendations come back and are stored with history, others are
refused, and the admins' distribution counts each company's latest type."""

from __future__ import annotations

import pytest

from server.domain.company_diagnosis import ITEMS

pytestmark = pytest.mark.unit


def _answers(high: set[str]) -> dict[str, dict[str, int]]:
    return {"answers": {item.item_id: 5 if item.item_id in high else 1 for item in ITEMS}}


def test_the_diagnosis_gives_a_type_keeps_history_and_feeds_the_distribution(people) -> None:
    employer = people("employer", "boss@x.kr", company="이음정밀")
    company_id = employer.user["company_id"]
    first = employer.send_json("POST", f"/api/companies/{company_id}/diagnoses", _answers({"cd7", "cd8"}))
    assert first.status_code == 201, first.text
    assert first.json()["difficulty_type"] == "location"
    assert first.json()["recommendations"][0] == "matched_talent"
    second = employer.send_json("POST", f"/api/companies/{company_id}/diagnoses", _answers({"cd3", "cd4"}))
    assert second.json()["difficulty_type"] == "low_awareness"
    history = employer.get(f"/api/companies/{company_id}/diagnoses").json()["diagnoses"]
    assert [d["difficulty_type"] for d in history] == ["low_awareness", "location"]

    page = employer.get(f"/companies/{company_id}/diagnosis", headers={"Accept": "text/html"})
    assert 'data-type="low_awareness"' in page.text and "낮은 인지도형" in page.text and 'href="/events"' in page.text
    employer.cookies.set("untact_locale", "en")
    english = employer.get(f"/companies/{company_id}/diagnosis", headers={"Accept": "text/html"})
    assert "Low awareness" in english.text and "Our job postings draw few applicants." in english.text
    assert "not a validated instrument" in english.text
    employer.cookies.set("untact_locale", "ko")
    company_page = employer.get(f"/companies/{company_id}", headers={"Accept": "text/html"})
    assert 'data-testid="company-type"' in company_page.text and "낮은 인지도형" in company_page.text

    other = people("employer", "boss2@y.kr", company="다른회사")
    assert other.send_json("POST", f"/api/companies/{company_id}/diagnoses", _answers(set())).status_code == 404
    other.send_json("POST", f"/api/companies/{other.user['company_id']}/diagnoses", _answers({"cd5", "cd6"}))
    consultant = people("consultant", "c@centre.kr")
    assert consultant.send_json("POST", f"/api/companies/{company_id}/diagnoses", _answers(set())).status_code == 404

    admin = people("admin", "admin@centre.kr")
    distribution = {d["type"]: d["companies"] for d in admin.get("/api/admin/company-diagnoses").json()["distribution"]}
    assert distribution == {"wages_conditions": 0, "low_awareness": 1, "skills_shortage": 1, "location": 0,
                            "work_environment": 0}
    assert employer.get("/api/admin/company-diagnoses").status_code == 403
    table = admin.get("/admin/company-diagnoses", headers={"Accept": "text/html"})
    assert 'data-testid="count-low_awareness">1<' in table.text


def test_incomplete_or_out_of_scale_answers_are_refused_and_nothing_is_stored(people) -> None:
    employer = people("employer", "boss@x.kr")
    company_id = employer.user["company_id"]
    body = _answers(set())
    del body["answers"]["cd10"]
    missing = employer.send_json("POST", f"/api/companies/{company_id}/diagnoses", body)
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "diagnosis_incomplete"
    body["answers"]["cd10"] = 9
    assert employer.send_json("POST", f"/api/companies/{company_id}/diagnoses", body).json()["error"]["code"] == (
        "diagnosis_out_of_scale"
    )
    assert employer.get(f"/api/companies/{company_id}/diagnoses").json()["diagnoses"] == []


def test_the_registering_consultant_may_diagnose_the_company(people, smtp_server) -> None:
    from tests.companies.conftest import registration_body

    consultant = people("consultant", "planner@centre.kr")
    created = consultant.send_json("POST", "/api/companies/registrations", registration_body()).json()
    result = consultant.send_json("POST", f"/api/companies/{created['company_id']}/diagnoses", _answers({"cd1", "cd2"}))
    assert result.status_code == 201 and result.json()["difficulty_type"] == "wages_conditions"
    listed = consultant.get("/consultant/companies", headers={"Accept": "text/html"})
    assert "임금·근로조건형" in listed.text
