"""Diagnosis, aptitude, stress and follow-up scorers against hand-computed worked examples."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from server.domain.aptitude import RIASEC_TYPES, aptitude_items, score_aptitude
from server.domain.diagnosis import AREAS, diagnosis_items, score_diagnosis
from server.domain.errors import DomainError
from server.domain.followup import (
    HireRecord,
    add_months,
    checkin_state,
    followup_items,
    schedule_checkins,
    score_followup,
    summarize_retention,
)
from server.domain.stress import score_stress, stress_items

pytestmark = pytest.mark.unit
HANGUL = re.compile(r"[가-힣]")


def test_item_counts_and_bilingual_text() -> None:
    diagnosis = diagnosis_items()
    assert 20 <= len(diagnosis) <= 30
    assert {i.group for i in diagnosis} == set(AREAS)
    aptitude = aptitude_items()
    assert len(aptitude) >= 48
    for code in RIASEC_TYPES:
        assert sum(1 for i in aptitude if i.group == code) == 8
    assert len(stress_items()) == 10
    assert sum(i.reverse for i in stress_items()) == 4
    for item in (*diagnosis, *aptitude, *stress_items(), *followup_items()):
        assert HANGUL.search(item.text_ko) and not HANGUL.search(item.text_en)
    ids = [i.item_id for i in (*diagnosis, *aptitude, *stress_items(), *followup_items())]
    assert len(ids) == len(set(ids))


# ---------------------------------------------------------------- diagnosis


def test_diagnosis_all_neutral_is_fifty_everywhere() -> None:
    result = score_diagnosis({i.item_id: 3 for i in diagnosis_items()})
    assert [a.score_0_100 for a in result.areas] == [50.0] * 5
    assert {a.band for a in result.areas} == {"developing"}
    assert result.overall_0_100 == 50.0


def test_diagnosis_best_answers_recommend_job_matching() -> None:
    answers = {i.item_id: (1 if i.reverse else 5) for i in diagnosis_items()}
    result = score_diagnosis(answers)
    assert [a.score_0_100 for a in result.areas] == [100.0] * 5
    assert [r.step_id for r in result.recommendations] == ["recommendation"]


def test_diagnosis_worked_example_orders_steps_by_need() -> None:
    answers = {i.item_id: 3 for i in diagnosis_items()}
    # readiness: rd1=1 -> (1+3+3+3+3)/5 = 2.6 -> (2.6-1)/4 = 40
    # documents: dc1=2 -> 2.8 -> 45
    # wellbeing: wb1, wb2 are reverse-scored, 5 -> 1: (1+1+3+3+3)/5 = 2.2 -> 30
    answers.update(rd1=1, dc1=2, wb1=5, wb2=5)
    result = score_diagnosis(answers)
    assert result.area("readiness").score_0_100 == 40.0
    assert result.area("documents").score_0_100 == 45.0
    assert result.area("wellbeing").score_0_100 == 30.0
    assert result.area("wellbeing").band == "needs_support"
    assert result.overall_0_100 == 43.0  # (40 + 50 + 45 + 50 + 30) / 5
    assert [r.step_id for r in result.recommendations] == [
        "counselling",  # wellbeing < 50 always first
        "aptitude",  # readiness 40
        "mentoring",  # readiness 40, second step
        "cover_letter",  # documents 45
        "interview_practice",  # interview 50 (skills 50 -> mentoring, already listed)
    ]
    assert "30점" in result.recommendations[0].reason_ko
    assert "30" in result.recommendations[0].reason_en
    assert [r.step_number for r in result.recommendations] == [5, 3, 6, 2, 4]


def test_diagnosis_item_trigger_adds_a_specific_reason() -> None:
    answers = {i.item_id: (1 if i.reverse else 5) for i in diagnosis_items()}
    answers["iv3"] = 1  # no camera/microphone set-up; interview area still 80
    result = score_diagnosis(answers)
    assert result.area("interview").score_0_100 == 80.0
    # No weak area, so job recommendations follow the item-specific advice.
    assert [r.step_id for r in result.recommendations] == ["interview_practice", "recommendation"]
    assert "카메라" in result.recommendations[0].reason_ko


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"rd1": 6}, "answer_out_of_range"),
        ({"rd1": 0}, "answer_out_of_range"),
        ({"rd1": True}, "answer_out_of_range"),
        ({"zz9": 3}, "unknown_items"),
    ],
)
def test_diagnosis_rejects_bad_answers(change: dict[str, object], code: str) -> None:
    answers: dict[str, object] = {i.item_id: 3 for i in diagnosis_items()}
    answers.update(change)
    with pytest.raises(DomainError) as err:
        score_diagnosis(answers)  # type: ignore[arg-type]
    assert err.value.code == code


def test_diagnosis_missing_answer_is_reported() -> None:
    answers = {i.item_id: 3 for i in diagnosis_items()}
    del answers["wb3"]
    with pytest.raises(DomainError) as err:
        score_diagnosis(answers)
    assert err.value.code == "missing_answers" and "wb3" in err.value.params["items"]


# ---------------------------------------------------------------- aptitude


def test_aptitude_worked_example() -> None:
    # S and C items all 5 -> (40-8)/32 = 100; the rest all 2 -> (16-8)/32 = 25.
    answers = {i.item_id: (5 if i.group in ("S", "C") else 2) for i in aptitude_items()}
    result = score_aptitude(answers)
    assert {t.type_code: t.score_0_100 for t in result.types} == {
        "R": 25.0,
        "I": 25.0,
        "A": 25.0,
        "S": 100.0,
        "E": 25.0,
        "C": 100.0,
    }
    assert result.code == "SCR"  # S/C tie and R/I/A/E tie are broken in R-I-A-S-E-C order
    fits = {f.field: f.fit_0_100 for f in result.fields}
    # public_sector affinities R .2 I .3 A .2 S .8 E .4 C .8 (sum 2.7):
    # (25 x 1.1 + 100 x 1.6) / 2.7 = 69.4
    assert fits["public_sector"] == 69.4
    # office_admin: R .1 I .3 A .1 S .3 E .5 C 1.0 (sum 2.3): (25 x 1.0 + 100 x 1.3) / 2.3 = 67.4
    assert fits["office_admin"] == 67.4
    assert result.recommended_fields == ("public_sector", "office_admin", "healthcare")
    assert result.fields[0].field == "public_sector"
    assert "사회형" in result.fields[0].reason_ko or "관습형" in result.fields[0].reason_ko


def test_aptitude_realistic_profile_points_to_manufacturing() -> None:
    answers = {i.item_id: (5 if i.group == "R" else 1) for i in aptitude_items()}
    result = score_aptitude(answers)
    assert result.code.startswith("R")
    assert result.recommended_fields[0] == "manufacturing"


def test_aptitude_flat_profile_recommends_fields_within_margin() -> None:
    result = score_aptitude({i.item_id: 3 for i in aptitude_items()})
    assert result.code == "RIA"
    assert all(f.fit_0_100 == 50.0 for f in result.fields)
    assert len(result.recommended_fields) == 3


# ---------------------------------------------------------------- stress


def _stress(non_reverse: int, reverse: int) -> dict[str, int]:
    return {i.item_id: (reverse if i.reverse else non_reverse) for i in stress_items()}


@pytest.mark.parametrize(
    ("non_reverse", "reverse", "total", "band"),
    [
        (0, 4, 0, "low"),  # never stressed, always coping
        (0, 0, 16, "moderate"),  # never felt able to cope: reverse items add 4 x 4
        (2, 2, 20, "moderate"),
        (4, 1, 36, "high"),  # 6 x 4 + 4 x (4 - 1)
        (2, 4, 12, "low"),
        (3, 2, 26, "moderate"),  # 18 + 8, top of the band
        (3, 1, 30, "high"),
    ],
)
def test_stress_worked_examples(non_reverse: int, reverse: int, total: int, band: str) -> None:
    result = score_stress(_stress(non_reverse, reverse))
    assert result.total_0_40 == total
    assert result.band == band
    assert result.recommend_counselling == (band != "low")


def test_crisis_resources_are_always_returned() -> None:
    for answers in (_stress(0, 4), _stress(4, 0)):
        phones = {r.phone for r in score_stress(answers).crisis_resources}
        assert {"109", "1577-0199", "1388", "112", "119"} <= phones


def test_safety_concern_makes_the_result_urgent_even_with_low_stress() -> None:
    result = score_stress(_stress(0, 4), safety_concern=True)
    assert result.band == "low" and result.urgent and result.recommend_counselling
    assert "109" in result.message_ko and "1577-0199" in result.message_en


def test_stress_scale_is_zero_to_four() -> None:
    with pytest.raises(DomainError):
        score_stress(_stress(5, 0))


# ---------------------------------------------------------------- follow-up


def test_checkins_at_one_three_six_months_with_month_end_clamping() -> None:
    schedule = schedule_checkins(dt.date(2026, 1, 31))
    assert [c.due_on for c in schedule] == [dt.date(2026, 2, 28), dt.date(2026, 4, 30), dt.date(2026, 7, 31)]
    assert [c.months_after_hire for c in schedule] == [1, 3, 6]
    assert add_months(dt.date(2027, 11, 30), 3) == dt.date(2028, 2, 29)


def test_checkin_states() -> None:
    first = schedule_checkins(dt.date(2026, 3, 10))[0]  # due 2026-04-10
    assert checkin_state(first, dt.date(2026, 4, 1)) == "upcoming"
    assert checkin_state(first, dt.date(2026, 4, 3)) == "open"
    assert checkin_state(first, dt.date(2026, 4, 24)) == "open"
    assert checkin_state(first, dt.date(2026, 4, 25)) == "overdue"
    assert checkin_state(first, dt.date(2026, 5, 1), completed_on=dt.date(2026, 4, 12)) == "done"


GOOD = {"fit": 4, "support": 4, "relations": 5, "workload": 4, "contract": 5, "stay": 5, "quit": 1}


def test_followup_settled_in_is_low_risk() -> None:
    result = score_followup(GOOD)
    assert result.adjustment_mean_1_5 == 4.25
    assert result.risk_level == "low" and not result.flag_consultant and result.reasons_ko == ()


@pytest.mark.parametrize(
    ("change", "level"),
    [
        ({"stay": 2}, "high"),
        ({"quit": 4}, "high"),
        ({"contract": 2}, "high"),
        ({"fit": 2, "support": 2, "relations": 3, "workload": 2}, "high"),  # mean 2.25 < 2.5
        ({"stay": 3}, "medium"),
        ({"quit": 3}, "medium"),
        ({"fit": 3, "support": 3, "relations": 4, "workload": 3}, "medium"),  # mean 3.25 < 3.5
        ({"fit": 3, "support": 4, "relations": 4, "workload": 3}, "low"),  # mean 3.5
    ],
)
def test_followup_risk_rule(change: dict[str, int], level: str) -> None:
    result = score_followup({**GOOD, **change})
    assert result.risk_level == level
    assert result.flag_consultant == (level == "high")
    assert (len(result.reasons_ko) > 0) == (level != "low")


def test_retention_summary() -> None:
    today = dt.date(2026, 12, 1)
    hires = [
        HireRecord(dt.date(2026, 1, 5)),  # still employed: retained at 1, 3, 6
        HireRecord(dt.date(2026, 2, 1), left_on=dt.date(2026, 4, 15)),  # left after 2.5 months
        HireRecord(dt.date(2026, 10, 15)),  # only eligible for the 1-month mark
    ]
    one, three, six = summarize_retention(hires, today)
    assert (one.eligible_hires, one.retained, one.rate) == (3, 3, 1.0)
    assert (three.eligible_hires, three.retained, three.rate) == (2, 1, 0.5)
    assert (six.eligible_hires, six.retained, six.rate) == (2, 1, 0.5)
    assert summarize_retention([], today)[0].rate is None
