"""Stress self-check (journey step 5): 10 items in the style of a perceived-stress scale.

Not a validated instrument and not a diagnosis. Scoring (docs/journey.md):
answers 0-4 over the last month; items ps4, ps5, ps7 and ps8 are positively
worded and reverse-scored (4 - answer); total 0-40; bands low 0-13,
moderate 14-26, high 27-40. Crisis resources are returned with every result,
whatever the score, and an optional safety question, answered yes, marks the
result urgent regardless of the total.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from server.domain.questionnaire import (
    LikertItem,
    LikertScale,
    load_questionnaire,
    scale_from,
    scored_value,
    validate_answers,
)

__all__ = [
    "CrisisResource",
    "StressResult",
    "crisis_resources",
    "score_stress",
    "stress_items",
    "stress_scale",
]


@dataclass(frozen=True)
class CrisisResource:
    resource_id: str
    phone: str
    label_ko: str
    label_en: str


@dataclass(frozen=True)
class StressResult:
    total_0_40: int
    band: str  # "low" | "moderate" | "high"
    band_ko: str
    band_en: str
    urgent: bool  # the safety question was answered yes
    recommend_counselling: bool
    message_ko: str
    message_en: str
    crisis_resources: tuple[CrisisResource, ...]


@lru_cache(maxsize=1)
def stress_items() -> tuple[LikertItem, ...]:
    raw = load_questionnaire("stress")
    return tuple(
        LikertItem(i["id"], "stress", i["text_ko"], i["text_en"], bool(i["reverse"])) for i in raw["items"]
    )


def stress_scale() -> LikertScale:
    return scale_from(load_questionnaire("stress")["scale"])


def crisis_resources() -> tuple[CrisisResource, ...]:
    return tuple(
        CrisisResource(r["id"], r["phone"], r["ko"], r["en"])
        for r in load_questionnaire("stress")["crisis_resources"]
    )


_MESSAGES = {
    "low": ("최근 스트레스 수준이 낮은 편입니다. 지금처럼 자신을 돌보는 시간을 유지하세요.",
            "Your recent stress level is on the low side. Keep making time to look after yourself."),
    "moderate": ("스트레스가 어느 정도 쌓여 있습니다. 상담사와 이야기를 나누면 도움이 될 수 있습니다.",
                 "Some stress has built up. Talking with a counsellor may help."),
    "high": ("스트레스가 높은 수준입니다. 상담 예약을 권해 드리며, 힘들 때는 아래 상담전화로 바로 연락하세요.",
             "Your stress level is high. We recommend booking a counselling session, and you can call the lines below at any time."),
}  # fmt: skip
_URGENT_MESSAGE = (
    "지금 많이 힘드시군요. 혼자 견디지 마시고 자살예방상담전화 109 또는 정신건강위기상담전화 1577-0199로 바로 연락해 주세요. "
    "위급한 상황이면 112 또는 119에 전화하세요.",
    "It sounds like things are very hard right now. Please do not stay alone with this: call 109 (suicide prevention) or "
    "1577-0199 (mental health crisis) now, and 112 or 119 in an emergency.",
)


def score_stress(answers: Mapping[str, int], *, safety_concern: bool | None = None) -> StressResult:
    """Total, band and advice; `safety_concern` is the optional safety question (True = yes)."""
    items = stress_items()
    scale = stress_scale()
    clean = validate_answers(answers, items, scale)
    total = sum(scored_value(i, clean[i.item_id], scale) for i in items)
    band = next(b for b in load_questionnaire("stress")["bands"] if b["min"] <= total <= b["max"])
    urgent = bool(safety_concern)
    message_ko, message_en = _URGENT_MESSAGE if urgent else _MESSAGES[band["id"]]
    return StressResult(
        total_0_40=total,
        band=band["id"],
        band_ko=band["ko"],
        band_en=band["en"],
        urgent=urgent,
        recommend_counselling=urgent or band["id"] != "low",
        message_ko=message_ko,
        message_en=message_en,
        crisis_resources=crisis_resources(),
    )
