"""Competency diagnosis (journey step 1): 25 Likert items over 5 areas, scored, with next-step advice.

Scoring (documented in docs/journey.md):
- each answer is 1-5; reverse-worded items count as 6 - answer;
- area score = (mean scored answer - 1) / 4 x 100, so 0-100;
- bands: below 50 "needs_support", 50 to below 70 "developing", 70+ "ready";
- each area below 70 recommends its step(s); areas are ordered by need
  (lowest score first), except that a wellbeing score below 50 always comes first;
- two single items add a specific reason: no clear target field (rd1 <= 2) suggests
  the aptitude test, no video-interview setup (iv3 <= 2) suggests interview practice;
- if every area is 70 or more, the seeker is pointed to job recommendations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from server.domain.journey import StepRecommendation, get_step
from server.domain.questionnaire import (
    LikertItem,
    LikertScale,
    load_questionnaire,
    scale_from,
    scored_value,
    validate_answers,
)

__all__ = ["AREAS", "AreaScore", "DiagnosisResult", "diagnosis_items", "diagnosis_scale", "score_diagnosis"]

AREAS: tuple[str, ...] = ("readiness", "skills", "documents", "interview", "wellbeing")
READY_THRESHOLD = 70.0
SUPPORT_THRESHOLD = 50.0


@dataclass(frozen=True)
class AreaScore:
    area: str
    name_ko: str
    name_en: str
    score_0_100: float
    band: str  # "needs_support" | "developing" | "ready"


@dataclass(frozen=True)
class DiagnosisResult:
    areas: tuple[AreaScore, ...]
    overall_0_100: float
    recommendations: tuple[StepRecommendation, ...]

    def area(self, area: str) -> AreaScore:
        return next(a for a in self.areas if a.area == area)


@lru_cache(maxsize=1)
def diagnosis_items() -> tuple[LikertItem, ...]:
    raw = load_questionnaire("diagnosis")
    return tuple(
        LikertItem(i["id"], i["area"], i["text_ko"], i["text_en"], bool(i["reverse"])) for i in raw["items"]
    )


def diagnosis_scale() -> LikertScale:
    return scale_from(load_questionnaire("diagnosis")["scale"])


# Which steps help with a weak area, and why (ko, en); {score} is filled in.
_AREA_STEPS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "wellbeing": (("counselling",
                   "스트레스·마음 건강 점수가 {score:.0f}점입니다. 구직 스트레스를 혼자 견디지 말고 상담을 받아 보세요.",
                   "Your stress and wellbeing score is {score:.0f}. You do not have to carry job-search stress alone; consider counselling."),),
    "documents": (("cover_letter",
                   "서류 준비 점수가 {score:.0f}점입니다. 자기소개서 피드백과 상담사 첨삭을 받아 보세요.",
                   "Your application-documents score is {score:.0f}. Get feedback on your cover letter from the tool and a consultant."),),
    "interview": (("interview_practice",
                   "면접 준비 점수가 {score:.0f}점입니다. AI 모의 면접으로 답변과 시선, 말 속도를 연습해 보세요.",
                   "Your interview-readiness score is {score:.0f}. Practise answers, eye contact and pace with an AI mock interview."),),
    "skills": (("mentoring",
                "직무 역량 점수가 {score:.0f}점입니다. 현직자 멘토에게 필요한 역량과 준비 방법을 물어보세요.",
                "Your job-skills score is {score:.0f}. Ask a mentor working in the field which skills matter and how to build them."),),
    "readiness": (("aptitude",
                   "구직 준비도 점수가 {score:.0f}점입니다. 적성 검사로 맞는 분야를 찾고 목표를 정해 보세요.",
                   "Your job-search readiness score is {score:.0f}. An aptitude test can help you find a field and set a goal."),
                  ("mentoring",
                   "구직 준비도 점수가 {score:.0f}점입니다. 멘토와 함께 구직 계획을 세워 보세요.",
                   "Your job-search readiness score is {score:.0f}. A mentor can help you plan your search.")),
}  # fmt: skip

_ITEM_TRIGGERS: dict[str, tuple[str, str, str]] = {
    "rd1": ("aptitude", "희망 직무가 아직 분명하지 않다고 답하셨습니다. 적성 검사로 나에게 맞는 분야를 찾아보세요.",
            "You said your target job is not clear yet. The aptitude test can suggest fields that suit you."),
    "iv3": ("interview_practice", "화상 면접 환경이 준비되지 않았다고 답하셨습니다. AI 면접 연습의 장치 점검으로 카메라와 마이크를 확인해 보세요.",
            "You said you are not set up for video interviews. The device check in AI interview practice tests your camera and microphone."),
}  # fmt: skip
_ITEM_TRIGGER_MAX_ANSWER = 2


def _band(score: float) -> str:
    if score < SUPPORT_THRESHOLD:
        return "needs_support"
    return "developing" if score < READY_THRESHOLD else "ready"


def score_diagnosis(answers: Mapping[str, int]) -> DiagnosisResult:
    """Score a complete set of answers (item id -> 1..5) and recommend next steps."""
    items = diagnosis_items()
    scale = diagnosis_scale()
    clean = validate_answers(answers, items, scale)
    names = load_questionnaire("diagnosis")["areas"]
    span = scale.max_value - scale.min_value
    area_scores = []
    for area in AREAS:
        values = [scored_value(i, clean[i.item_id], scale) for i in items if i.group == area]
        score = round((sum(values) / len(values) - scale.min_value) / span * 100, 1)
        area_scores.append(AreaScore(area, names[area]["ko"], names[area]["en"], score, _band(score)))
    overall = round(sum(a.score_0_100 for a in area_scores) / len(area_scores), 1)

    weak = [a for a in area_scores if a.score_0_100 < READY_THRESHOLD]
    weak.sort(
        key=lambda a: (
            0 if a.area == "wellbeing" and a.score_0_100 < SUPPORT_THRESHOLD else 1,
            a.score_0_100,
            AREAS.index(a.area),
        )
    )
    picks: dict[str, StepRecommendation] = {}

    def add(step_id: str, reason_ko: str, reason_en: str) -> None:
        if step_id not in picks:
            picks[step_id] = StepRecommendation(step_id, get_step(step_id).number, reason_ko, reason_en)

    for weak_area in weak:
        for step_id, ko, en in _AREA_STEPS[weak_area.area]:
            add(step_id, ko.format(score=weak_area.score_0_100), en.format(score=weak_area.score_0_100))
    for item_id, (step_id, ko, en) in _ITEM_TRIGGERS.items():
        if clean[item_id] <= _ITEM_TRIGGER_MAX_ANSWER:
            add(step_id, ko, en)
    if not weak:
        add(
            "recommendation",
            "모든 영역이 양호합니다. 추천 일자리를 확인하고 지원해 보세요.",
            "All areas look good. Check your recommended jobs and apply.",
        )
    return DiagnosisResult(tuple(area_scores), overall, tuple(picks.values()))
