"""Who a target-group programme may suggest (issue 15 item 4): pure rules, no database.

The groups and the rules (docs/outreach.md has the laws):

- `youth` 청년: 만 15–34세 (청년고용촉진 특별법 시행령 제2조: 15–29세, and 15–34세 for the
  public bodies' youth hiring duty, the range most youth employment programmes use).
- `middle_aged` 중장년: 만 40–64세 (the 중장년내일센터 serve people of 40 and over; 65 and over
  are 노인 under 노인복지법, served by senior job programmes).
- `older` 고령자: 만 55세 이상 (고령자고용법 시행령 제2조제1항).
- `career_break_women` 경력단절여성 and `disabled` 장애인: only when the seeker said so
  themselves. Nothing else is read; no one is guessed into a group.

Only a birth year is asked, so someone's 만 나이 today is one of two numbers (before or after
their birthday). A seeker is suggested only when both numbers are inside the range; the years
at the edges are left to the consultant, who can enrol anyone by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = ["TARGET_GROUPS", "SeekerFacts", "Suggestion", "age_range_on", "suggest"]

TARGET_GROUPS = ("youth", "career_break_women", "middle_aged", "older", "disabled")
AGE_RULES: dict[str, tuple[int, int | None]] = {"youth": (15, 34), "middle_aged": (40, 64), "older": (55, None)}
MIN_BIRTH_YEAR = 1900


@dataclass(frozen=True)
class SeekerFacts:
    """What the seeker told (None: not told)."""

    birth_year: int | None = None
    career_break: bool | None = None
    disability: bool | None = None


@dataclass(frozen=True)
class Suggestion:
    """Why a seeker fits: `reason` is a catalog key, `low`/`high` the 만 나이 range if by age."""

    reason: str
    low: int | None = None
    high: int | None = None


def age_range_on(birth_year: int, today: date) -> tuple[int, int]:
    """The two 만 나이 a person born in `birth_year` can have on `today` (before, after the birthday)."""
    return today.year - birth_year - 1, today.year - birth_year


def suggest(group: str, facts: SeekerFacts, today: date) -> Suggestion | None:
    """The reason this seeker fits the group for sure, or None (not told, outside, or at an edge)."""
    if group not in TARGET_GROUPS:
        raise ValueError(f"unknown target group {group!r}")
    if group == "career_break_women":
        return Suggestion("outreach.reason_career_break") if facts.career_break else None
    if group == "disabled":
        return Suggestion("outreach.reason_disability") if facts.disability else None
    if facts.birth_year is None:
        return None
    low, high = age_range_on(facts.birth_year, today)
    first, last = AGE_RULES[group]
    if low >= first and (last is None or high <= last):
        return Suggestion("outreach.reason_age", low, high)
    return None
