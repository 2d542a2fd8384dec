"""Mentor matching (journey step 6): rank volunteer mentors for a seeker on field and region."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from server.domain.questions import field_display_name
from server.domain.regions import normalize_region, region_display_name, region_fit

__all__ = ["MentorMatch", "MentorProfile", "rank_mentors"]

# Field matters more than place: most mentoring happens by message or video.
FIELD_WEIGHT = 0.7
REGION_WEIGHT = 0.3
APTITUDE_FIELD_FIT = 0.6


@dataclass(frozen=True)
class MentorProfile:
    mentor_id: str
    fields: tuple[str, ...]
    region: str
    active_mentees: int = 0
    max_mentees: int = 3
    accepting: bool = True


@dataclass(frozen=True)
class MentorMatch:
    mentor_id: str
    score_0_100: float
    reason_ko: str
    reason_en: str


def rank_mentors(
    desired_fields: Sequence[str],
    desired_regions: Sequence[str],
    mentors: Sequence[MentorProfile],
    *,
    aptitude_fields: Sequence[str] = (),
    limit: int = 5,
) -> tuple[MentorMatch, ...]:
    """Mentors with free capacity, best first: 0.7 x field fit + 0.3 x region fit; ties go to the
    mentor with fewer mentees, then the id. Mentors sharing no field at all are left out."""
    region_ids = tuple(r for r in (normalize_region(x) for x in desired_regions) if r)
    scored = []
    for mentor in mentors:
        if not mentor.accepting or mentor.active_mentees >= mentor.max_mentees:
            continue
        shared = [f for f in mentor.fields if f in desired_fields]
        suggested = [f for f in mentor.fields if f in aptitude_fields]
        field_fit = 1.0 if shared else APTITUDE_FIELD_FIT if suggested else 0.0
        if field_fit == 0.0:
            continue
        mentor_region = normalize_region(mentor.region)
        place_fit = region_fit(region_ids, mentor_region) if region_ids else 1.0
        score = round(100 * (FIELD_WEIGHT * field_fit + REGION_WEIGHT * place_fit), 1)
        field = (shared or suggested)[0]
        reason_ko = (
            f"분야: {field_display_name(field, 'ko')}, 지역: {region_display_name(mentor_region, 'ko')}"
        )
        reason_en = (
            f"Field: {field_display_name(field, 'en')}, region: {region_display_name(mentor_region, 'en')}"
        )
        scored.append(
            (
                -score,
                mentor.active_mentees,
                mentor.mentor_id,
                MentorMatch(mentor.mentor_id, score, reason_ko, reason_en),
            )
        )
    scored.sort(key=lambda item: item[:3])
    return tuple(item[3] for item in scored[:limit])
