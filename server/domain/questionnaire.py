"""Shared pieces of the journey questionnaires: Likert items, scales, loading and answer validation."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from server.domain.errors import DomainError
from server.domain.text import Language

__all__ = ["LikertItem", "LikertScale", "load_questionnaire", "validate_answers"]


@dataclass(frozen=True)
class LikertScale:
    min_value: int
    max_value: int
    labels_ko: tuple[str, ...]
    labels_en: tuple[str, ...]

    def labels(self, language: Language = "ko") -> tuple[str, ...]:
        return self.labels_ko if language == "ko" else self.labels_en


@dataclass(frozen=True)
class LikertItem:
    item_id: str
    group: str  # area, RIASEC type or item kind, depending on the questionnaire
    text_ko: str
    text_en: str
    reverse: bool = False

    def text(self, language: Language = "ko") -> str:
        return self.text_ko if language == "ko" else self.text_en


@lru_cache(maxsize=8)
def load_questionnaire(name: str) -> dict[str, Any]:
    """Raw JSON of a packaged questionnaire (server/domain/data/<name>.json)."""
    return json.loads(resources.files("server.domain").joinpath(f"data/{name}.json").read_text("utf-8"))  # type: ignore[no-any-return]


def scale_from(raw: Mapping[str, Any]) -> LikertScale:
    return LikertScale(int(raw["min"]), int(raw["max"]), tuple(raw["labels_ko"]), tuple(raw["labels_en"]))


def validate_answers(
    answers: Mapping[str, int], items: Sequence[LikertItem], scale: LikertScale
) -> dict[str, int]:
    """Every item answered once, with an integer on the scale; anything else is a typed error."""
    known = {item.item_id for item in items}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise DomainError("unknown_items", items=', '.join(unknown))
    missing = [item.item_id for item in items if item.item_id not in answers]
    if missing:
        raise DomainError("missing_answers", count=len(missing), items=', '.join(missing))
    clean: dict[str, int] = {}
    for item in items:
        value = answers[item.item_id]
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not scale.min_value <= value <= scale.max_value
        ):
            raise DomainError("answer_out_of_range", item=item.item_id, min=scale.min_value, max=scale.max_value)
        clean[item.item_id] = value
    return clean


def scored_value(item: LikertItem, value: int, scale: LikertScale) -> int:
    """The answer with reverse-scored items flipped (min + max - value)."""
    return scale.min_value + scale.max_value - value if item.reverse else value
