"""The pipeline's stage function: one candidate, one posting, the furthest stage the stored rows
show; and the plain-language status the seeker is told (server/domain/pipeline.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from server.domain.pipeline import (
    STAGES,
    CandidateFacts,
    InterviewFact,
    candidate_stage,
    seeker_status,
)

pytestmark = pytest.mark.unit

AT = datetime(2027, 3, 5, 5, 0, tzinfo=UTC)  # 3월 5일 (금) 오후 2:00 in Seoul


def live(invitation_id: int = 1, status: str = "invited", decision: str | None = None) -> InterviewFact:
    return InterviewFact(invitation_id, "live", status, decision, scheduled_at=AT)


def recorded(invitation_id: int = 1, status: str = "invited", decision: str | None = None) -> InterviewFact:
    return InterviewFact(invitation_id, "recorded", status, decision, deadline_at=AT)


def stage_of(**facts: object) -> tuple[str, str | None] | None:
    result = candidate_stage(CandidateFacts(**facts))  # type: ignore[arg-type]
    return (result.stage, result.outcome) if result else None


def test_the_stages_are_in_the_order_the_board_shows_them() -> None:
    assert STAGES == (
        "recommended", "offered", "applied", "screening", "interview_scheduled", "interviewed", "result", "hired"
    )


def test_nothing_known_is_no_card() -> None:
    assert stage_of() is None
    assert stage_of(interviews=(live(status="declined"),)) is None


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"recommended": True}, ("recommended", None)),
        ({"recommended": True, "offer_status": "sent"}, ("offered", None)),
        ({"offer_status": "applied", "application_status": "applied"}, ("applied", None)),
        ({"application_status": "applied"}, ("applied", None)),
        ({"application_status": "reviewing"}, ("screening", None)),
        ({"application_status": "interview"}, ("interview_scheduled", None)),
        ({"application_status": "reviewing", "interviews": (live(),)}, ("interview_scheduled", None)),
        ({"interviews": (live(status="accepted"),)}, ("interview_scheduled", None)),
        ({"interviews": (live(status="reschedule_requested"),)}, ("interview_scheduled", None)),
        ({"interviews": (recorded(status="in_progress"),)}, ("interview_scheduled", None)),
        ({"interviews": (recorded(status="submitted"),)}, ("interviewed", None)),
        ({"interviews": (live(status="held"),)}, ("interviewed", None)),
        ({"interviews": (live(status="under_review"),)}, ("interviewed", None)),
        ({"interviews": (live(status="decided", decision="pass"),)}, ("result", "pass")),
        ({"interviews": (live(status="decided", decision="hold"),)}, ("result", "hold")),
        ({"application_status": "applied", "interviews": (live(status="decided", decision="reject"),)},
         ("result", "reject")),
        ({"application_status": "rejected"}, ("result", "reject")),
        ({"application_status": "hired", "interviews": (live(status="decided", decision="pass"),)}, ("hired", None)),
    ],
)
def test_each_candidate_sits_at_their_furthest_stage(facts: dict[str, object], expected: tuple[str, str | None]) -> None:
    assert stage_of(**facts) == expected


def test_an_application_the_employer_rejected_is_a_rejection_whatever_the_interview_said() -> None:
    assert stage_of(application_status="rejected", interviews=(live(status="decided", decision="pass"),)) == (
        "result", "reject"
    )


def test_a_declined_interview_leaves_the_candidate_where_the_application_put_them() -> None:
    assert stage_of(application_status="reviewing", interviews=(live(status="declined"),)) == ("screening", None)


def test_a_second_round_replaces_the_first_rounds_result() -> None:
    first = live(1, status="decided", decision="pass")
    assert stage_of(interviews=(first, live(2, status="accepted"))) == ("interview_scheduled", None)
    # ...unless the second invitation was declined: the first round's result stands.
    assert stage_of(interviews=(first, live(2, status="declined"))) == ("result", "pass")


def test_a_decided_interview_without_a_decision_counts_as_interviewed() -> None:
    assert stage_of(interviews=(live(status="decided"),)) == ("interviewed", None)


def test_the_stage_remembers_which_interview_placed_the_candidate() -> None:
    result = candidate_stage(CandidateFacts(interviews=(live(1, status="declined"), live(7, status="accepted"))))
    assert result is not None and result.interview is not None and result.interview.invitation_id == 7


@pytest.mark.parametrize(
    ("facts", "key", "when"),
    [
        ({"offer_status": "sent"}, "offered", None),
        ({"application_status": "applied"}, "applied", None),
        ({"application_status": "reviewing"}, "screening", None),
        ({"interviews": (live(status="accepted"),)}, "interview_live", AT),
        ({"interviews": (recorded(status="invited"),)}, "interview_recorded", AT),
        ({"application_status": "interview"}, "interview_scheduled", None),
        ({"interviews": (recorded(status="submitted"),)}, "interviewed", None),
        ({"interviews": (live(status="decided", decision="pass"),)}, "result_pass", None),
        ({"interviews": (live(status="decided", decision="hold"),)}, "result_hold", None),
        ({"application_status": "rejected"}, "result_reject", None),
        ({"application_status": "hired"}, "hired", None),
    ],
)
def test_the_seeker_is_told_their_stage_in_plain_words(facts: dict[str, object], key: str, when: datetime | None) -> None:
    status = seeker_status(candidate_stage(CandidateFacts(**facts)))  # type: ignore[arg-type]
    assert status is not None and (status.key, status.when) == (key, when)


def test_a_recommendation_is_the_employers_alone() -> None:
    assert seeker_status(candidate_stage(CandidateFacts(recommended=True))) is None
    assert seeker_status(None) is None
