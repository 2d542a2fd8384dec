"""Keyword search terms for postings and profiles, aware of skill synonyms and Korean morphology.

The DB layer stores `posting_search_terms(...)` per posting (e.g. in a terms table or a
space-separated column) and filters with `query_terms(user_query)`: a search for "JS" finds a
posting that says "자바스크립트", "회계를" finds "회계", and "회계" finds "회계사무원" (Korean
terms are noun lemmas with compounds split, from analysis.morph).
"""

from __future__ import annotations

from collections.abc import Iterable

from server.domain.matching import JobPosting
from server.domain.skills import find_skills_in_text, normalize_skills
from server.domain.text import content_words

__all__ = ["matches_all_terms", "posting_search_terms", "query_terms"]

SKILL_TERM_PREFIX = "skill:"


def _terms(text: str, skill_ids: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for skill_id in (*skill_ids, *find_skills_in_text(text)):
        seen.setdefault(SKILL_TERM_PREFIX + skill_id, None)
    for word in content_words(text):
        seen.setdefault(word, None)
    return tuple(seen)


def posting_search_terms(posting: JobPosting) -> tuple[str, ...]:
    """Canonical skill terms ("skill:python") and content words (noun lemmas) of the title, duties and skills."""
    text = "\n".join([posting.title, posting.duties, *posting.required_skills, *posting.preferred_skills])
    return _terms(text, normalize_skills([*posting.required_skills, *posting.preferred_skills]))


def query_terms(query: str) -> tuple[str, ...]:
    """Terms of a search box query: a skill spelling becomes its canonical skill term only."""
    skills = find_skills_in_text(query)
    skill_terms = tuple(SKILL_TERM_PREFIX + s for s in skills)
    if skills:
        # Words that spelled a skill are already covered by the skill term ("JS" -> skill:javascript).
        covered = {w for w in content_words(query) if find_skills_in_text(w)}
        return skill_terms + tuple(w for w in dict.fromkeys(content_words(query)) if w not in covered)
    return tuple(dict.fromkeys(content_words(query)))


def matches_all_terms(document_terms: Iterable[str], wanted: Iterable[str]) -> bool:
    """AND search: every query term appears in the document's terms (an empty query matches all)."""
    have = set(document_terms)
    return all(term in have for term in wanted)
