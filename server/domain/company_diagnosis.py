"""기업 진단 (company hiring diagnosis): ten short items, each answered on a 1–5 agreement scale,
scored into five hiring-difficulty types, plus the services to recommend for each type.

The items were written for Untact (see docs/careers.md); they are a conversation starter for a
consultant and an employer, not a validated instrument. Every item points at one or two types:
agreeing with it (5) means that type makes hiring hard for this company. A type's score is the
mean of its items' difficulty on 0..1; the highest score is the company's type, ties going to the
type listed first in `DIFFICULTY_TYPES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from server.domain.errors import DomainError

DIFFICULTY_TYPES = ("wages_conditions", "low_awareness", "skills_shortage", "location", "work_environment")
SCALE_MIN, SCALE_MAX = 1, 5


@dataclass(frozen=True)
class DiagnosisItem:
    item_id: str
    text_ko: str
    text_en: str
    types: tuple[str, ...]  # the difficulty types that agreeing with the item points to


ITEMS: tuple[DiagnosisItem, ...] = (
    DiagnosisItem("cd1", "지원자가 제시한 임금 수준이 낮다는 이유로 입사를 포기한 적이 있다.",
                  "Applicants have turned us down because the pay we offer is too low.", ("wages_conditions",)),
    DiagnosisItem("cd2", "근로시간·교대근무·휴일 조건 때문에 채용이 어렵다.",
                  "Working hours, shifts or days off make it hard to hire.", ("wages_conditions", "work_environment")),
    DiagnosisItem("cd3", "구직자들이 우리 회사 이름을 잘 모른다.",
                  "Job seekers rarely know our company's name.", ("low_awareness",)),
    DiagnosisItem("cd4", "채용공고를 내도 지원자 수가 적다.",
                  "Our job postings draw few applicants.", ("low_awareness",)),
    DiagnosisItem("cd5", "지원자는 있지만 필요한 기술·자격을 갖춘 사람이 드물다.",
                  "We get applicants, but few have the skills or certificates we need.", ("skills_shortage",)),
    DiagnosisItem("cd6", "신규 입사자를 교육할 여력(시간·담당자)이 부족하다.",
                  "We lack the time or staff to train new hires.", ("skills_shortage",)),
    DiagnosisItem("cd7", "사업장이 대중교통으로 오기 어려운 곳에 있다.",
                  "Our workplace is hard to reach by public transport.", ("location",)),
    DiagnosisItem("cd8", "출퇴근 거리 때문에 입사를 포기하거나 일찍 퇴사하는 사람이 있다.",
                  "People decline or leave early because of the commute.", ("location",)),
    DiagnosisItem("cd9", "작업 환경(소음·안전·시설)이나 복리후생이 구직자에게 불리하게 보인다.",
                  "Our working conditions (noise, safety, facilities) or benefits look unattractive.",
                  ("work_environment",)),
    DiagnosisItem("cd10", "입사 후 1년 안에 그만두는 직원이 많다.",
                  "Many new hires leave within their first year.", ("work_environment", "wages_conditions")),
)

# What a consultant would offer for each type, in the order to offer it.
SERVICES = ("promising_company", "matched_talent", "training_support", "hr_consulting", "event_participation")
RECOMMENDATIONS: dict[str, tuple[str, ...]] = {
    "wages_conditions": ("hr_consulting", "promising_company", "matched_talent"),
    "low_awareness": ("promising_company", "event_participation", "matched_talent"),
    "skills_shortage": ("training_support", "matched_talent", "event_participation"),
    "location": ("matched_talent", "event_participation", "hr_consulting"),
    "work_environment": ("hr_consulting", "promising_company", "training_support"),
}


@dataclass(frozen=True)
class CompanyDiagnosisResult:
    difficulty_type: str
    scores: dict[str, float]  # type -> 0..1 (1 = this makes hiring very hard)
    recommendations: tuple[str, ...]


def score_company_diagnosis(answers: Mapping[str, int]) -> CompanyDiagnosisResult:
    """The company's hiring-difficulty type from a full set of answers (1..5 per item)."""
    missing = [item.item_id for item in ITEMS if item.item_id not in answers]
    if missing:
        raise DomainError("diagnosis_incomplete", items=', '.join(missing))
    unknown = sorted(set(answers) - {item.item_id for item in ITEMS})
    if unknown:
        raise DomainError("diagnosis_unknown_item", items=', '.join(unknown))
    sums = dict.fromkeys(DIFFICULTY_TYPES, 0.0)
    counts = dict.fromkeys(DIFFICULTY_TYPES, 0)
    for item in ITEMS:
        value = answers[item.item_id]
        if isinstance(value, bool) or not isinstance(value, int) or not SCALE_MIN <= value <= SCALE_MAX:
            raise DomainError("diagnosis_out_of_scale", min=SCALE_MIN, max=SCALE_MAX)
        difficulty = (value - SCALE_MIN) / (SCALE_MAX - SCALE_MIN)
        for kind in item.types:
            sums[kind] += difficulty
            counts[kind] += 1
    scores = {kind: round(sums[kind] / counts[kind], 3) for kind in DIFFICULTY_TYPES}
    top = max(DIFFICULTY_TYPES, key=lambda kind: (scores[kind], -DIFFICULTY_TYPES.index(kind)))
    return CompanyDiagnosisResult(top, scores, RECOMMENDATIONS[top])
