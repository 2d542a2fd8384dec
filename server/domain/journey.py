"""The 9-step employment support journey: steps, status from plain facts, and what to do next."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from server.domain.errors import DomainError

__all__ = [
    "STEPS",
    "JourneyFacts",
    "JourneyStep",
    "JourneyView",
    "StepCounts",
    "StepRecommendation",
    "StepStatus",
    "compute_journey",
    "get_step",
    "summarize_journeys",
]

Status = Literal["not_started", "in_progress", "done"]


@dataclass(frozen=True)
class JourneyStep:
    number: int
    step_id: str
    name_ko: str
    name_en: str
    description_ko: str
    description_en: str


STEPS: tuple[JourneyStep, ...] = (
    JourneyStep(1, "diagnosis", "역량 진단", "Competency diagnosis",
                "구직 준비도, 역량, 서류, 면접, 스트레스를 스스로 점검합니다.",
                "Check your job-search readiness, skills, documents, interview readiness and stress."),
    JourneyStep(2, "cover_letter", "자기소개서 컨설팅", "Cover-letter consulting",
                "자기소개서를 제출하고 자동 피드백과 상담사 첨삭을 받습니다.",
                "Submit a cover letter and get automatic feedback and a consultant's review."),
    JourneyStep(3, "aptitude", "직업 적성 검사", "Aptitude test",
                "흥미 유형 검사로 나에게 맞는 직무 분야를 찾습니다.",
                "Find job fields that suit you with an interest inventory."),
    JourneyStep(4, "interview_practice", "AI 면접 연습", "AI interview practice",
                "웹캠으로 모의 면접을 연습하고 분석 리포트를 받습니다.",
                "Practise mock interviews on your webcam and get an analysed report."),
    JourneyStep(5, "counselling", "심리 상담", "Psychological counselling",
                "스트레스 자가 점검을 하고 상담사와 상담을 예약합니다.",
                "Take a stress self-check and book a session with a counsellor."),
    JourneyStep(6, "mentoring", "멘토링", "Mentoring",
                "희망 분야에서 일하는 멘토에게 조언을 받습니다.",
                "Get advice from a mentor who works in your field."),
    JourneyStep(7, "recommendation", "일자리·인재 추천", "Job and talent recommendation",
                "나에게 맞는 채용공고를 추천받고 지원합니다.",
                "See job postings recommended for you and apply."),
    JourneyStep(8, "online_interview", "온라인 면접", "Online interview",
                "기업과 실시간 화상 면접 또는 녹화 면접을 봅니다.",
                "Take a live video or recorded interview with an employer."),
    JourneyStep(9, "follow_up", "취업 후 사후관리", "Post-hire follow-up",
                "입사 1·3·6개월에 적응 상황을 점검합니다.",
                "Check in on how you are settling in at 1, 3 and 6 months after starting."),
)  # fmt: skip
_BY_ID = {s.step_id: s for s in STEPS}
FOLLOWUP_CHECKINS_FOR_DONE = 3
MAX_RECOMMENDATIONS = 3


def get_step(step_id: str) -> JourneyStep:
    step = _BY_ID.get(step_id)
    if step is None:
        raise DomainError("unknown_step", step=step_id)
    return step


@dataclass(frozen=True)
class JourneyFacts:
    """What the DB knows about one seeker, as plain counts and dates."""

    diagnosis_started: bool = False
    diagnosis_completed_on: dt.date | None = None
    cover_letters_submitted: int = 0
    cover_letter_reviews_received: int = 0  # consultant comments or revisions
    aptitude_completed_on: dt.date | None = None
    practice_sessions_started: int = 0
    practice_sessions_completed: int = 0
    stress_checks_completed: int = 0
    latest_stress_band: str | None = None  # "low" | "moderate" | "high"
    counselling_sessions_booked: int = 0
    counselling_sessions_completed: int = 0
    mentor_requests: int = 0
    mentoring_sessions_completed: int = 0
    recommendations_viewed: int = 0
    applications_submitted: int = 0
    interviews_scheduled: int = 0
    interviews_completed: int = 0
    hired_on: dt.date | None = None
    followup_checkins_completed: int = 0
    # Latest activity per step id, shown next to the status on the dashboard.
    last_activity_on: Mapping[str, dt.date] = field(default_factory=dict)


@dataclass(frozen=True)
class StepStatus:
    step: JourneyStep
    status: Status
    last_activity_on: dt.date | None


@dataclass(frozen=True)
class StepRecommendation:
    step_id: str
    step_number: int
    reason_ko: str
    reason_en: str


@dataclass(frozen=True)
class JourneyView:
    steps: tuple[StepStatus, ...]
    recommended_next: tuple[StepRecommendation, ...]

    def status_of(self, step_id: str) -> Status:
        return next(s.status for s in self.steps if s.step.step_id == step_id)


def _status(started: bool, done: bool) -> Status:
    if done:
        return "done"
    return "in_progress" if started else "not_started"


def _statuses(f: JourneyFacts) -> dict[str, Status]:
    hired = f.hired_on is not None
    return {
        "diagnosis": _status(f.diagnosis_started, f.diagnosis_completed_on is not None),
        # Automatic feedback is instant; the step is done once a consultant has reviewed a letter.
        "cover_letter": _status(f.cover_letters_submitted > 0, f.cover_letter_reviews_received > 0),
        "aptitude": _status(False, f.aptitude_completed_on is not None),
        "interview_practice": _status(f.practice_sessions_started > 0, f.practice_sessions_completed > 0),
        "counselling": _status(
            f.stress_checks_completed > 0 or f.counselling_sessions_booked > 0,
            f.counselling_sessions_completed > 0,
        ),
        "mentoring": _status(f.mentor_requests > 0, f.mentoring_sessions_completed > 0),
        "recommendation": _status(f.recommendations_viewed > 0, f.applications_submitted > 0),
        "online_interview": _status(f.interviews_scheduled > 0, f.interviews_completed > 0 or hired),
        "follow_up": _status(hired, f.followup_checkins_completed >= FOLLOWUP_CHECKINS_FOR_DONE),
    }


_DEFAULT_REASONS: dict[str, tuple[str, str]] = {
    "diagnosis": ("먼저 역량 진단으로 현재 상태를 점검하면 필요한 단계를 추천해 드릴 수 있습니다.",
                  "Start with the competency diagnosis so we can recommend the steps you need."),
    "aptitude": ("적성 검사 결과는 일자리 추천에 반영됩니다.", "Aptitude results feed into your job recommendations."),
    "cover_letter": ("지원 전에 자기소개서 피드백을 받아 보세요.", "Get feedback on your cover letter before applying."),
    "interview_practice": ("실제 면접 전에 AI 모의 면접으로 연습해 보세요.", "Practise with an AI mock interview before the real one."),
    "recommendation": ("추천 일자리를 확인하고 지원해 보세요.", "Look at your recommended jobs and apply."),
    "online_interview": ("지원한 기업의 면접 일정을 확인하세요.", "Check the interview schedule of the companies you applied to."),
    "counselling": ("스트레스 점검 결과가 높게 나왔습니다. 상담사와 이야기해 보세요.",
                    "Your stress check came out high. Consider talking to a counsellor."),
    "follow_up": ("취업을 축하합니다! 입사 후 적응 점검에 응답해 주세요.",
                  "Congratulations on your new job! Please answer the settling-in check-ins."),
    "mentoring": ("현직자 멘토에게 조언을 받아 보세요.", "Ask a mentor working in your field for advice."),
}  # fmt: skip
# After the diagnosis, the usual path when the diagnosis did not ask for anything specific.
_DEFAULT_ORDER = ("aptitude", "cover_letter", "interview_practice", "recommendation")


def compute_journey(
    facts: JourneyFacts, diagnosis_recommendations: Sequence[StepRecommendation] = ()
) -> JourneyView:
    """Status of all 9 steps and up to three recommended next steps, with reasons.

    Order of recommendations: after a hire only follow-up; otherwise the
    diagnosis first if it is not done, then a high stress band (counselling),
    then the diagnosis's own recommendations (already ordered by need), then
    the default path; steps already done are skipped.
    """
    statuses = _statuses(facts)
    steps = tuple(StepStatus(s, statuses[s.step_id], facts.last_activity_on.get(s.step_id)) for s in STEPS)
    picks: dict[str, StepRecommendation] = {}

    def add(step_id: str, reason: tuple[str, str] | None = None) -> None:
        if step_id in picks or statuses[step_id] == "done":
            return
        ko, en = reason or _DEFAULT_REASONS[step_id]
        picks[step_id] = StepRecommendation(step_id, _BY_ID[step_id].number, ko, en)

    if facts.hired_on is not None:
        add("follow_up")
    else:
        add("diagnosis")
        if facts.latest_stress_band == "high":
            add("counselling")
        for rec in diagnosis_recommendations:
            add(rec.step_id, (rec.reason_ko, rec.reason_en))
        for step_id in _DEFAULT_ORDER:
            add(step_id)
        if facts.applications_submitted > 0:
            add("online_interview")
    return JourneyView(steps, tuple(picks.values())[:MAX_RECOMMENDATIONS])


@dataclass(frozen=True)
class StepCounts:
    step_id: str
    started: int  # in progress or done
    finished: int


def summarize_journeys(
    views: Iterable[JourneyView], hired_flags: Iterable[bool]
) -> tuple[tuple[StepCounts, ...], int]:
    """Admin numbers per step (how many started, how many finished) and how many were hired."""
    started = dict.fromkeys(_BY_ID, 0)
    finished = dict.fromkeys(_BY_ID, 0)
    for view in views:
        for status in view.steps:
            if status.status != "not_started":
                started[status.step.step_id] += 1
            if status.status == "done":
                finished[status.step.step_id] += 1
    counts = tuple(StepCounts(s.step_id, started[s.step_id], finished[s.step_id]) for s in STEPS)
    return counts, sum(1 for h in hired_flags if h)
