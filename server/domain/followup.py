"""Post-hire follow-up (journey step 9): check-ins at 1, 3 and 6 months, a short survey and a risk flag.

Risk rule (docs/journey.md), on 1-5 answers:
- high if intent to stay (stay) <= 2, or thoughts of quitting (quit) >= 4,
  or contract terms not kept (contract) <= 2, or the adjustment mean
  (fit, support, relations, workload) < 2.5;
- otherwise medium if stay == 3, quit == 3 or the adjustment mean < 3.5;
- otherwise low.
High risk is flagged to the seeker's consultant; medium is shown as "watch".
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from server.domain.errors import DomainError
from server.domain.questionnaire import (
    LikertItem,
    LikertScale,
    load_questionnaire,
    scale_from,
    validate_answers,
)

__all__ = [
    "CHECKIN_MONTHS",
    "Checkin",
    "FollowupResult",
    "HireRecord",
    "RetentionSummary",
    "add_months",
    "checkin_state",
    "followup_items",
    "followup_scale",
    "schedule_checkins",
    "score_followup",
    "summarize_retention",
]

CHECKIN_MONTHS: tuple[int, ...] = (1, 3, 6)
# A check-in can be answered from a week before its date; after two weeks it counts as overdue.
CHECKIN_OPENS_DAYS_BEFORE = 7
CHECKIN_OVERDUE_AFTER_DAYS = 14


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day of the month `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Checkin:
    number: int  # 1, 2, 3
    months_after_hire: int
    due_on: dt.date


def schedule_checkins(hired_on: dt.date) -> tuple[Checkin, ...]:
    return tuple(Checkin(i + 1, m, add_months(hired_on, m)) for i, m in enumerate(CHECKIN_MONTHS))


def checkin_state(checkin: Checkin, today: dt.date, completed_on: dt.date | None = None) -> str:
    """ "done", "upcoming" (not open yet), "open" or "overdue"."""
    if completed_on is not None:
        return "done"
    if today < checkin.due_on - dt.timedelta(days=CHECKIN_OPENS_DAYS_BEFORE):
        return "upcoming"
    if today > checkin.due_on + dt.timedelta(days=CHECKIN_OVERDUE_AFTER_DAYS):
        return "overdue"
    return "open"


@lru_cache(maxsize=1)
def followup_items() -> tuple[LikertItem, ...]:
    raw = load_questionnaire("followup")
    return tuple(LikertItem(i["id"], i["kind"], i["text_ko"], i["text_en"]) for i in raw["items"])


def followup_scale() -> LikertScale:
    return scale_from(load_questionnaire("followup")["scale"])


@dataclass(frozen=True)
class FollowupResult:
    adjustment_mean_1_5: float
    risk_level: str  # "low" | "medium" | "high"
    flag_consultant: bool
    reasons_ko: tuple[str, ...]
    reasons_en: tuple[str, ...]


def score_followup(answers: Mapping[str, int]) -> FollowupResult:
    clean = validate_answers(answers, followup_items(), followup_scale())
    adjustment = round(sum(clean[k] for k in ("fit", "support", "relations", "workload")) / 4, 2)
    high: list[tuple[str, str]] = []
    medium: list[tuple[str, str]] = []
    if clean["stay"] <= 2:
        high.append(("6개월 뒤에도 근무할 것 같지 않다고 응답", "Does not expect to stay six months"))
    elif clean["stay"] == 3:
        medium.append(("계속 근무할지 확신이 없음", "Unsure about staying"))
    if clean["quit"] >= 4:
        high.append(("최근 퇴사를 진지하게 고민함", "Has seriously considered quitting"))
    elif clean["quit"] == 3:
        medium.append(("퇴사를 어느 정도 고민함", "Has somewhat considered quitting"))
    if clean["contract"] <= 2:
        high.append(("근로계약 조건이 지켜지지 않는다고 응답(노동 상담 연계 필요)",
                     "Says contract terms are not kept (refer to labour advice)"))  # fmt: skip
    if adjustment < 2.5:
        high.append(
            (f"직장 적응 점수가 낮음({adjustment:.2f}/5)", f"Low adjustment score ({adjustment:.2f}/5)")
        )
    elif adjustment < 3.5:
        medium.append(
            (
                f"직장 적응 점수가 보통 이하({adjustment:.2f}/5)",
                f"Middling adjustment score ({adjustment:.2f}/5)",
            )
        )
    level = "high" if high else "medium" if medium else "low"
    reasons = high + medium
    return FollowupResult(
        adjustment_mean_1_5=adjustment,
        risk_level=level,
        flag_consultant=level == "high",
        reasons_ko=tuple(r[0] for r in reasons),
        reasons_en=tuple(r[1] for r in reasons),
    )


@dataclass(frozen=True)
class HireRecord:
    hired_on: dt.date
    left_on: dt.date | None = None


@dataclass(frozen=True)
class RetentionSummary:
    months: int
    eligible_hires: int  # hired at least `months` ago
    retained: int
    rate: float | None  # None when nobody is eligible yet


def summarize_retention(hires: Iterable[HireRecord], today: dt.date) -> tuple[RetentionSummary, ...]:
    """Retention at 1, 3 and 6 months for a centre: of hires old enough, the share still employed then."""
    records = list(hires)
    for record in records:
        if record.left_on is not None and record.left_on < record.hired_on:
            raise DomainError("invalid_hire_record")
    summaries = []
    for months in CHECKIN_MONTHS:
        eligible = [r for r in records if add_months(r.hired_on, months) <= today]
        retained = [r for r in eligible if r.left_on is None or r.left_on >= add_months(r.hired_on, months)]
        rate = round(len(retained) / len(eligible), 4) if eligible else None
        summaries.append(RetentionSummary(months, len(eligible), len(retained), rate))
    return tuple(summaries)
