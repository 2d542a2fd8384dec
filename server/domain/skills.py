"""Skill dictionary: Korean and English skill names, synonyms, and extraction from free text."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from server.domain.errors import DomainError
from server.domain.text import Language, normalize_text, strip_josa, tokenize

__all__ = [
    "CUSTOM_SKILL_PREFIX",
    "Skill",
    "all_skills",
    "find_skills_in_text",
    "get_skill",
    "normalize_skill",
    "normalize_skills",
    "skill_display_name",
]

CUSTOM_SKILL_PREFIX = "custom:"

_KEY_DROP_RE = re.compile(r"[\s\-_./·・,()\[\]'\"]+")
# Free-text scanning looks at up to this many consecutive tokens, so "spring boot"
# and "머신 러닝" are found as one skill.
_MAX_WINDOW_TOKENS = 3
_GRADE_SUFFIX_RE = re.compile(r"(?:[0-9]+급|[일이삼]급|level[0-9]+)$")
_CREDENTIAL_SUFFIX_RE = re.compile(r"(?:자격증|자격|면허증|면허|취득|보유)$")


@dataclass(frozen=True)
class Skill:
    skill_id: str
    field: str
    name_ko: str
    name_en: str
    aliases: tuple[str, ...]


def skill_key(name: str) -> str:
    """Spelling-insensitive lookup key: NFKC, case-folded, without spaces, hyphens, dots or slashes."""
    return _KEY_DROP_RE.sub("", unicodedata.normalize("NFKC", name).casefold())


@dataclass(frozen=True)
class _Dictionary:
    skills: dict[str, Skill]
    by_key: dict[str, str]
    # Keys of two characters or more: one-letter keys (c, r) are too ambiguous in prose.
    text_keys: frozenset[str]
    hangul_prefix_keys: tuple[str, ...]


@lru_cache(maxsize=1)
def _dictionary() -> _Dictionary:
    raw = json.loads(resources.files("server.domain").joinpath("data/skills.json").read_text("utf-8"))
    skills: dict[str, Skill] = {}
    by_key: dict[str, str] = {}
    for skill_id, field, name_ko, name_en, aliases in raw["rows"]:
        skill = Skill(skill_id, field, name_ko, name_en, tuple(aliases))
        skills[skill_id] = skill
        for name in (skill_id, name_ko, name_en, *aliases):
            key = skill_key(name)
            # First writer wins so a later row's alias cannot silently steal a display name.
            by_key.setdefault(key, skill_id)
    text_keys = frozenset(k for k in by_key if len(k) >= 2)
    hangul_keys = tuple(
        sorted((k for k in text_keys if all("가" <= ch <= "힣" for ch in k)), key=len, reverse=True)
    )
    return _Dictionary(skills, by_key, text_keys, hangul_keys)


def normalize_skill(name: str) -> str:
    """Canonical skill id for a Korean or English skill name ("파이썬" and "Python" give "python").

    Unknown names get a stable "custom:<key>" id, so two seekers who both wrote
    "드론 촬영" still match each other.
    """
    key = skill_key(name)
    if not key:
        raise DomainError("empty_skill")
    table = _dictionary().by_key
    if key in table:
        return table[key]
    stripped = skill_key(strip_josa(normalize_text(name.strip())))
    if stripped in table:
        return table[stripped]
    # Certificates are usually written with their grade ("컴활 2급", "워드프로세서1급");
    # the grade does not change which skill it is.
    ungraded = _GRADE_SUFFIX_RE.sub("", key)
    if ungraded != key and ungraded in table:
        return table[ungraded]
    # People add what the paper is ("간호조무사 자격증", "물리치료사 면허", "지게차 자격증 1급").
    bare = _GRADE_SUFFIX_RE.sub("", _CREDENTIAL_SUFFIX_RE.sub("", _GRADE_SUFFIX_RE.sub("", key)))
    if bare != key and bare in table:
        return table[bare]
    return CUSTOM_SKILL_PREFIX + key


def normalize_skills(names: Iterable[str]) -> tuple[str, ...]:
    """Canonical ids for a list of names, de-duplicated, in first-seen order; blank names are skipped."""
    seen: dict[str, None] = {}
    for name in names:
        if name.strip():
            seen.setdefault(normalize_skill(name), None)
    return tuple(seen)


def get_skill(skill_id: str) -> Skill | None:
    return _dictionary().skills.get(skill_id)


def skill_display_name(skill_id: str, language: Language = "ko") -> str:
    """The name to show users; custom skills show the key they were typed as."""
    skill = get_skill(skill_id)
    if skill is None:
        return skill_id.removeprefix(CUSTOM_SKILL_PREFIX)
    return skill.name_ko if language == "ko" else skill.name_en


def all_skills() -> tuple[Skill, ...]:
    return tuple(_dictionary().skills.values())


def find_skills_in_text(text: str) -> tuple[str, ...]:
    """Skill ids mentioned in free text, in order of first mention.

    Greedy longest match over windows of up to three tokens (after stripping
    particles), then a prefix match for Hangul compounds such as "파이썬개발자".
    """
    dictionary = _dictionary()
    tokens = [strip_josa(t) if "가" <= t[0] <= "힣" else t for t in tokenize(text)]
    found: dict[str, None] = {}
    i = 0
    while i < len(tokens):
        matched_len = 0
        for width in range(min(_MAX_WINDOW_TOKENS, len(tokens) - i), 0, -1):
            key = skill_key("".join(tokens[i : i + width]))
            if key in dictionary.text_keys:
                found.setdefault(dictionary.by_key[key], None)
                matched_len = width
                break
        if matched_len == 0:
            token = tokens[i]
            if "가" <= token[0] <= "힣" and len(token) >= 3:
                for key in dictionary.hangul_prefix_keys:
                    if len(key) < len(token) and token.startswith(key):
                        found.setdefault(dictionary.by_key[key], None)
                        break
            matched_len = 1
        i += matched_len
    return tuple(found)
