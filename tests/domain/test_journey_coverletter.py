"""Journey status and recommendations; cover-letter feedback."""

from __future__ import annotations

import datetime as dt

import pytest

from server.domain.coverletter import count_characters, review_cover_letter
from server.domain.diagnosis import diagnosis_items, score_diagnosis
from server.domain.errors import DomainError
from server.domain.journey import STEPS, JourneyFacts, compute_journey, summarize_journeys

pytestmark = pytest.mark.unit


def test_nine_steps_in_order() -> None:
    assert [s.number for s in STEPS] == list(range(1, 10))
    assert [s.step_id for s in STEPS][:4] == ["diagnosis", "cover_letter", "aptitude", "interview_practice"]
    assert STEPS[8].name_ko == "취업 후 사후관리"


def test_new_seeker_starts_with_the_diagnosis() -> None:
    view = compute_journey(JourneyFacts())
    assert {s.status for s in view.steps} == {"not_started"}
    assert [r.step_id for r in view.recommended_next] == ["diagnosis", "aptitude", "cover_letter"]


def test_statuses_follow_the_facts() -> None:
    facts = JourneyFacts(
        diagnosis_completed_on=dt.date(2026, 11, 1),
        cover_letters_submitted=1,
        aptitude_completed_on=dt.date(2026, 11, 2),
        practice_sessions_started=2,
        practice_sessions_completed=1,
        stress_checks_completed=1,
        mentor_requests=1,
        recommendations_viewed=3,
        interviews_scheduled=1,
        last_activity_on={"aptitude": dt.date(2026, 11, 2)},
    )
    view = compute_journey(facts)
    assert [s.status for s in view.steps] == [
        "done",  # diagnosis
        "in_progress",  # cover letter submitted, no consultant review yet
        "done",  # aptitude
        "done",  # one practice session completed
        "in_progress",  # stress check taken, no session yet
        "in_progress",  # mentor requested
        "in_progress",  # recommendations seen, no application
        "in_progress",  # interview scheduled
        "not_started",  # not hired
    ]
    assert view.steps[2].last_activity_on == dt.date(2026, 11, 2)
    assert [r.step_id for r in view.recommended_next] == ["cover_letter", "recommendation"]


def test_diagnosis_recommendations_drive_the_next_steps() -> None:
    answers = {i.item_id: 3 for i in diagnosis_items()}
    answers.update(wb1=5, wb2=5)  # wellbeing 30
    diagnosis = score_diagnosis(answers)
    view = compute_journey(
        JourneyFacts(diagnosis_completed_on=dt.date(2026, 11, 1)), diagnosis.recommendations
    )
    assert view.recommended_next[0].step_id == "counselling"
    assert "30점" in view.recommended_next[0].reason_ko
    assert len(view.recommended_next) == 3


def test_high_stress_band_recommends_counselling() -> None:
    facts = JourneyFacts(diagnosis_completed_on=dt.date(2026, 11, 1), latest_stress_band="high")
    assert compute_journey(facts).recommended_next[0].step_id == "counselling"


def test_after_a_hire_only_follow_up_is_recommended() -> None:
    facts = JourneyFacts(hired_on=dt.date(2026, 10, 1), followup_checkins_completed=1, interviews_scheduled=1)
    view = compute_journey(facts)
    assert view.status_of("follow_up") == "in_progress"
    assert view.status_of("online_interview") == "done"
    assert [r.step_id for r in view.recommended_next] == ["follow_up"]
    done = compute_journey(dataclass_replace(facts, followup_checkins_completed=3))
    assert done.status_of("follow_up") == "done" and done.recommended_next == ()


def dataclass_replace(facts: JourneyFacts, **changes: object) -> JourneyFacts:
    import dataclasses

    return dataclasses.replace(facts, **changes)  # type: ignore[arg-type]


def test_admin_summary_counts_started_finished_and_hired() -> None:
    views = [
        compute_journey(JourneyFacts()),
        compute_journey(JourneyFacts(diagnosis_started=True)),
        compute_journey(
            JourneyFacts(diagnosis_completed_on=dt.date(2026, 1, 1), hired_on=dt.date(2026, 2, 1))
        ),
    ]
    counts, hired = summarize_journeys(views, [False, False, True])
    diagnosis = next(c for c in counts if c.step_id == "diagnosis")
    assert (diagnosis.started, diagnosis.finished) == (2, 1)
    assert hired == 1


# ---------------------------------------------------------------- cover letter


def test_character_counts_like_korean_job_sites() -> None:
    counts = count_characters("안녕 하세요\r\n반갑습니다")
    assert counts.with_spaces == 12  # 10 Hangul + 1 space + 1 line break
    assert counts.without_spaces == 10
    assert counts.utf8_bytes == 32
    assert counts.legacy_bytes == 22


LETTER = """[지원 동기]
저는 화목한 가정에서 태어나 성실함을 배웠습니다. 귀사에 지원한 이유는 열정 때문입니다.

[경험]
물류 회사에서 근무하던 당시 재고 오류를 줄이는 과제를 맡았습니다. 바코드 입출고 관리를 직접 도입했고, 그 결과 재고 오차가 30% 감소했습니다.

[포부]
입사 후 지게차 운전과 재고 관리 경험으로 기여하겠습니다. 최선을 다하겠습니다."""
POSTING = "물류센터 재고 관리 및 지게차 운전. 엑셀 활용 가능자 우대. WMS 경험자 우대."


def test_cover_letter_feedback_worked_example() -> None:
    feedback = review_cover_letter(LETTER, limit_chars=500, posting_text=POSTING)
    assert feedback.characters.with_spaces == 197
    assert feedback.length_verdict == "too_short" and feedback.length_ratio == pytest.approx(0.394)
    assert feedback.paragraphs == 3 and feedback.has_headings
    assert feedback.has_opening and feedback.has_closing
    assert {"재고 관리", "지게차"} <= set(feedback.keywords_covered)
    assert "엑셀" in feedback.keywords_missing
    labels = {c.label for c in feedback.cliches}
    assert {"저는 ~ 가정에서 태어나", "열정", "성실", "최선을 다하겠습니다", "귀사"} <= labels
    assert all(feedback.star[p] for p in ("situation", "task", "action", "result"))
    assert feedback.quantified_results == ("30%",)
    codes = {f.code for f in feedback.findings}
    assert {"too_short", "missing_keywords", "cliches"} <= codes
    assert "star_incomplete" not in codes and "no_numbers" not in codes


def test_cover_letter_over_the_limit_without_spaces() -> None:
    text = "가" * 90 + " " * 20
    feedback = review_cover_letter(text, limit_chars=80, limit_counts_spaces=False)
    assert feedback.length_verdict == "over_limit"
    assert "10자" in next(f.message_ko for f in feedback.findings if f.code == "over_limit")
    assert review_cover_letter(text, limit_chars=100, limit_counts_spaces=False).length_verdict == "good"


def test_english_cover_letter_cliches_and_missing_star() -> None:
    text = "To whom it may concern,\nI am a passionate, hard-working team player.\nI would love to join."
    feedback = review_cover_letter(text)
    assert {c.phrase_id for c in feedback.cliches} >= {
        "en-whom-it-may-concern",
        "en-passionate",
        "en-hard-working",
        "en-team-player",
    }
    assert feedback.length_verdict == "no_limit"
    codes = {f.code for f in feedback.findings}
    assert "star_incomplete" in codes and "no_numbers" in codes


def test_empty_cover_letter_is_a_typed_error() -> None:
    with pytest.raises(DomainError) as err:
        review_cover_letter("   ")
    assert err.value.code == "empty_cover_letter"
