"""Salary fields keep what a person typed in the form, or say why they cannot, and lose nothing."""

from __future__ import annotations

import pytest

from tests.careers.conftest import create_posting, posting_body, save_profile

pytestmark = pytest.mark.unit


def test_profile_salary_typed_with_commas_or_units_is_kept(people) -> None:
    seeker = people("seeker", "money-seeker@example.kr")
    assert save_profile(seeker, desired_salary_krw="3,600")["desired_salary_krw"] == 36_000_000
    assert save_profile(seeker, desired_salary_krw="3600만원")["desired_salary_krw"] == 36_000_000
    assert save_profile(seeker, desired_salary_krw="3.6천만")["desired_salary_krw"] == 36_000_000


def test_an_unreadable_salary_is_refused_with_a_message_and_the_stored_one_stays(people) -> None:
    seeker = people("seeker", "money-refused@example.kr")
    save_profile(seeker, desired_salary_krw="4,000")
    response = seeker.send_json(
        "PUT", "/api/careers/profile", {"desired_fields": ["it_dev"], "desired_salary_krw": "사천만원쯤"}
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert "금액" in error["message"]
    assert {"field": "body.desired_salary_krw", "problem": "invalid_money"} in error["detail"]["fields"]
    assert seeker.get("/api/careers/profile").json()["desired_salary_krw"] == 40_000_000


def test_posting_salary_range_accepts_form_text(people) -> None:
    employer = people("employer", "money-employer@example.kr")
    posting = create_posting(employer, salary_min_krw="3,000", salary_max_krw="3,600만원")
    assert (posting["salary_min_krw"], posting["salary_max_krw"]) == (30_000_000, 36_000_000)
    refused = employer.send_json("POST", "/api/careers/postings", posting_body(salary_min_krw="3천 정도"))
    assert refused.status_code == 422
    assert refused.json()["error"]["detail"]["fields"][0]["problem"] == "invalid_money"
