"""Aptitude test (journey step 3): a RIASEC-style interest inventory with 48 items (8 per type).

Scoring (docs/journey.md):
- answers 1-5 ("dislike a lot" .. "like a lot"); type score = (sum - 8) / 32 x 100;
- the 3-letter code is the three highest types, ties broken in R-I-A-S-E-C order;
- field fit = affinity-weighted mean of the type scores,
  sum_t score_t x affinity[t][field] / sum_t affinity[t][field],
  with the affinity table in data/aptitude.json; recommended fields are the
  top ones (at most 3) whose fit is within 10 points of the best and >= 40.
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
    validate_answers,
)
from server.domain.questions import JOB_FIELDS, field_display_name

__all__ = [
    "RIASEC_TYPES",
    "AptitudeResult",
    "FieldFit",
    "TypeScore",
    "aptitude_items",
    "aptitude_scale",
    "score_aptitude",
]

RIASEC_TYPES: tuple[str, ...] = ("R", "I", "A", "S", "E", "C")
FIELD_FIT_MARGIN = 10.0
FIELD_FIT_MINIMUM = 40.0
MAX_RECOMMENDED_FIELDS = 3


@dataclass(frozen=True)
class TypeScore:
    type_code: str
    name_ko: str
    name_en: str
    score_0_100: float


@dataclass(frozen=True)
class FieldFit:
    field: str
    name_ko: str
    name_en: str
    fit_0_100: float
    reason_ko: str
    reason_en: str


@dataclass(frozen=True)
class AptitudeResult:
    types: tuple[TypeScore, ...]  # in R-I-A-S-E-C order, for the profile chart
    code: str  # e.g. "SEC"
    fields: tuple[FieldFit, ...]  # all six, best first
    recommended_fields: tuple[str, ...]  # feeds SeekerProfile.aptitude_fields


@lru_cache(maxsize=1)
def aptitude_items() -> tuple[LikertItem, ...]:
    raw = load_questionnaire("aptitude")
    return tuple(LikertItem(i["id"], i["type"], i["text_ko"], i["text_en"]) for i in raw["items"])


def aptitude_scale() -> LikertScale:
    return scale_from(load_questionnaire("aptitude")["scale"])


def score_aptitude(answers: Mapping[str, int]) -> AptitudeResult:
    items = aptitude_items()
    scale = aptitude_scale()
    clean = validate_answers(answers, items, scale)
    raw = load_questionnaire("aptitude")
    type_scores: dict[str, float] = {}
    for code in RIASEC_TYPES:
        values = [clean[i.item_id] for i in items if i.group == code]
        lowest, highest = scale.min_value * len(values), scale.max_value * len(values)
        type_scores[code] = round((sum(values) - lowest) / (highest - lowest) * 100, 1)
    types = tuple(
        TypeScore(c, raw["types"][c]["ko"], raw["types"][c]["en"], type_scores[c]) for c in RIASEC_TYPES
    )
    ranked_types = sorted(RIASEC_TYPES, key=lambda c: (-type_scores[c], RIASEC_TYPES.index(c)))
    code = "".join(ranked_types[:3])

    affinity = raw["field_affinity"]
    fits = []
    for field in JOB_FIELDS:
        weights = {c: float(affinity[c][field]) for c in RIASEC_TYPES}
        fit = round(sum(type_scores[c] * w for c, w in weights.items()) / sum(weights.values()), 1)
        # The type that contributes most explains the fit.
        lead = max(RIASEC_TYPES, key=lambda c: (type_scores[c] * weights[c], -RIASEC_TYPES.index(c)))
        lead_ko, lead_en = raw["types"][lead]["ko"], raw["types"][lead]["en"]
        fits.append(
            FieldFit(
                field,
                field_display_name(field, "ko"),
                field_display_name(field, "en"),
                fit,
                f"{lead_ko}({lead}) 점수 {type_scores[lead]:.0f}점이 이 분야와 잘 맞습니다.",
                f"Your {lead_en} ({lead}) score of {type_scores[lead]:.0f} suits this field.",
            )
        )
    fits.sort(key=lambda f: (-f.fit_0_100, JOB_FIELDS.index(f.field)))
    best = fits[0].fit_0_100
    recommended = tuple(
        f.field for f in fits if f.fit_0_100 >= max(FIELD_FIT_MINIMUM, best - FIELD_FIT_MARGIN)
    )[:MAX_RECOMMENDED_FIELDS]
    return AptitudeResult(types, code, tuple(fits), recommended)
