"""Where one candidate stands for one posting: the hiring pipeline's stage, derived from the rows
that already exist (a recommendation, the employer's offer to apply, the application and its
status, the interview invitations and their decisions), and the plain-language status the
seeker sees of their own application.

One function decides the stage for both sides, so the employer's board and the seeker's
"/applications" can never disagree. A seeker's own hire report is not an input: only the
employer's confirmed ``hired`` status moves a candidate to 입사.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Stage = Literal[
    "recommended", "offered", "applied", "screening", "interview_scheduled", "interviewed", "result", "hired"
]
Outcome = Literal["pass", "hold", "reject"]

# In order: a candidate is shown once per posting, at the furthest of these they reached.
STAGES: tuple[Stage, ...] = (
    "recommended",
    "offered",
    "applied",
    "screening",
    "interview_scheduled",
    "interviewed",
    "result",
    "hired",
)
OUTCOMES: tuple[Outcome, ...] = ("pass", "hold", "reject")

# Interview invitation statuses (server/models/interviews.py) by the stage they stand for.
# "declined" stands for none: the candidate stays where the other rows put them.
INTERVIEW_PENDING = frozenset({"invited", "accepted", "reschedule_requested", "in_progress"})
INTERVIEW_DONE = frozenset({"submitted", "held", "under_review"})
INTERVIEW_DECIDED = "decided"

APPLICATION_STAGE: dict[str, Stage] = {
    "applied": "applied",
    "reviewing": "screening",
    "interview": "interview_scheduled",
    "rejected": "result",
    "hired": "hired",
}


@dataclass(frozen=True)
class InterviewFact:
    invitation_id: int
    kind: str  # live | recorded
    status: str
    decision: str | None = None
    scheduled_at: datetime | None = None  # live, UTC
    deadline_at: datetime | None = None  # recorded, UTC


@dataclass(frozen=True)
class CandidateFacts:
    """Everything known about one seeker and one posting, as stored."""

    recommended: bool = False
    offer_status: str | None = None  # the employer's offer to apply (JobInvitation): sent | applied
    application_status: str | None = None  # applied | reviewing | interview | rejected | hired
    interviews: tuple[InterviewFact, ...] = ()


@dataclass(frozen=True)
class CandidateStage:
    stage: Stage
    outcome: Outcome | None = None  # set when stage is "result"
    interview: InterviewFact | None = None  # the interview that counts (the latest not declined)

    @property
    def position(self) -> int:
        return STAGES.index(self.stage)


def current_interview(interviews: tuple[InterviewFact, ...]) -> InterviewFact | None:
    """The latest invitation the seeker did not decline: a second round replaces the first."""
    live = [i for i in interviews if i.status != "declined"]
    return max(live, key=lambda i: i.invitation_id) if live else None


def _interview_stage(interview: InterviewFact) -> CandidateStage | None:
    if interview.status == INTERVIEW_DECIDED and interview.decision in OUTCOMES:
        return CandidateStage("result", interview.decision, interview)  # type: ignore[arg-type]
    if interview.status in INTERVIEW_DONE or interview.status == INTERVIEW_DECIDED:
        return CandidateStage("interviewed", None, interview)
    if interview.status in INTERVIEW_PENDING:
        return CandidateStage("interview_scheduled", None, interview)
    return None


def candidate_stage(facts: CandidateFacts) -> CandidateStage | None:
    """The furthest stage the facts show; None when there is nothing to show.

    - 입사 only from the employer's ``hired`` application status.
    - An application the employer ``rejected`` is a 결과: 불합격, whatever an interview says.
    - Otherwise the current interview (the latest not declined) places the candidate: pending →
      면접 예정, submitted/held/under review → 면접 완료, decided → 결과 with its decision.
    - Then the application (지원, 서류 = reviewing, 면접 예정 = the employer's "interview"), the offer
      to apply (제안), and last a recommendation (추천) nobody has acted on.
    """
    candidates: list[CandidateStage] = []
    interview = current_interview(facts.interviews)
    if facts.application_status == "hired":
        return CandidateStage("hired", None, interview)
    if facts.application_status == "rejected":
        return CandidateStage("result", "reject", interview)
    if interview is not None:
        placed = _interview_stage(interview)
        if placed is not None:
            candidates.append(placed)
    if facts.application_status in APPLICATION_STAGE:
        candidates.append(CandidateStage(APPLICATION_STAGE[facts.application_status], None, interview))
    if facts.offer_status is not None:
        candidates.append(CandidateStage("applied" if facts.offer_status == "applied" else "offered"))
    if facts.recommended:
        candidates.append(CandidateStage("recommended"))
    if not candidates:
        return None
    return max(candidates, key=lambda c: c.position)


SeekerStatusKey = Literal[
    "offered",
    "applied",
    "screening",
    "interview_live",
    "interview_recorded",
    "interview_scheduled",
    "interviewed",
    "result_pass",
    "result_hold",
    "result_reject",
    "hired",
]


@dataclass(frozen=True)
class SeekerStatus:
    """What the seeker is told: a message key and, for an interview, the time it is about."""

    key: SeekerStatusKey
    when: datetime | None = None


def seeker_status(stage: CandidateStage | None) -> SeekerStatus | None:
    """The seeker's plain-language status for a stage. A recommendation is the employer's own
    view (the seeker has not been contacted), so it has none; neither has "nothing"."""
    if stage is None or stage.stage == "recommended":
        return None
    if stage.stage == "interview_scheduled":
        interview = stage.interview
        if interview is not None and interview.status in INTERVIEW_PENDING:
            if interview.kind == "live" and interview.scheduled_at is not None:
                return SeekerStatus("interview_live", interview.scheduled_at)
            if interview.kind == "recorded" and interview.deadline_at is not None:
                return SeekerStatus("interview_recorded", interview.deadline_at)
        return SeekerStatus("interview_scheduled")
    if stage.stage == "result":
        return SeekerStatus(f"result_{stage.outcome or 'hold'}")  # type: ignore[arg-type]
    return SeekerStatus(stage.stage)  # type: ignore[arg-type]
