"""Skill normalisation, synonyms and the Korean text helpers."""

from __future__ import annotations

import pytest

from server.domain.errors import DomainError
from server.domain.skills import (
    all_skills,
    find_skills_in_text,
    normalize_skill,
    normalize_skills,
    skill_display_name,
    skill_key,
)
from server.domain.text import attach_particle, content_words, has_final_consonant, strip_josa

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("spellings", "skill_id"),
    [
        (["파이썬", "Python", "PYTHON", "python3", "파이선"], "python"),
        (["자바스크립트", "JavaScript", "JS", "java script", "ES6"], "javascript"),
        (["엑셀", "Excel", "MS Excel", "ms-excel", "VLOOKUP"], "excel"),
        (["지게차", "forklift", "지게차운전기능사"], "forklift"),
        (["간호", "간호사", "Nursing", "RN"], "nursing"),
        (["회계", "Accounting", "전산회계", "재무회계"], "accounting"),
        (["Node.js", "nodejs", "노드"], "nodejs"),
        (["C++", "c++", "씨플플"], "cpp"),
        (["C#", "씨샵"], "csharp"),
        (["요양보호사", "caregiver"], "care_work"),
        (["ＰＹＴＨＯＮ"], "python"),  # full-width letters from some Korean keyboards
    ],
)
def test_spelling_variants_share_one_canonical_id(spellings: list[str], skill_id: str) -> None:
    assert {normalize_skill(s) for s in spellings} == {skill_id}


def test_java_and_javascript_stay_different() -> None:
    assert normalize_skill("자바") == "java"
    assert normalize_skill("자바스크립트") == "javascript"


def test_particle_on_a_skill_name_is_ignored() -> None:
    assert normalize_skill("파이썬을") == "python"


def test_unknown_skill_gets_a_stable_custom_id() -> None:
    assert normalize_skill("드론 촬영") == normalize_skill("드론촬영") == "custom:드론촬영"
    assert skill_display_name("custom:드론촬영") == "드론촬영"


def test_empty_skill_name_is_a_typed_error() -> None:
    with pytest.raises(DomainError) as err:
        normalize_skill("  ")
    assert err.value.code == "empty_skill"


def test_normalize_skills_deduplicates_in_order() -> None:
    assert normalize_skills(["Python", "엑셀", "파이썬", "", "excel"]) == ("python", "excel")


def test_dictionary_is_large_and_covers_every_field() -> None:
    skills = all_skills()
    assert len(skills) >= 150
    fields = {s.field for s in skills}
    assert {
        "it_dev",
        "office_admin",
        "sales_service",
        "manufacturing",
        "public_sector",
        "healthcare",
    } <= fields
    for skill in skills:
        assert skill.name_ko and skill.name_en


def test_no_spelling_is_claimed_by_two_skills() -> None:
    owners: dict[str, set[str]] = {}
    for skill in all_skills():
        for name in (skill.skill_id, skill.name_ko, skill.name_en, *skill.aliases):
            owners.setdefault(skill_key(name), set()).add(skill.skill_id)
    clashes = {k: v for k, v in owners.items() if len(v) > 1}
    assert clashes == {}


def test_skills_found_in_korean_and_english_prose() -> None:
    text = "파이썬과 Spring Boot로 API를 개발했고, 자바스크립트를 활용한 웹 개발 경험이 있습니다. 간호사가 아닙니다."
    found = find_skills_in_text(text)
    assert found[:3] == ("python", "spring", "javascript")
    assert "web_dev" in found and "nursing" in found


def test_thank_you_is_not_the_audit_skill() -> None:
    assert "audit" not in find_skills_in_text("면접 기회를 주셔서 감사합니다.")


def test_hangul_compound_matches_by_prefix() -> None:
    assert find_skills_in_text("지게차운전 가능자") == ("forklift",)


def test_strip_josa_keeps_short_stems() -> None:
    assert strip_josa("고객과") == "고객"
    assert strip_josa("데이터베이스를") == "데이터베이스"
    assert strip_josa("관리했습니다") == "관리"
    assert strip_josa("사이") == "사이"  # two syllables would be left with one: not stripped


def test_content_words_drop_stopwords() -> None:
    assert content_words("경력 3년 이상, 엑셀 능숙자 우대 및 회계 업무") == ["엑셀", "회계"]


@pytest.mark.parametrize(
    ("word", "particle", "expected"),
    [
        ("파이썬", "을", "파이썬을"),
        ("자바", "을", "자바를"),
        ("엑셀", "과", "엑셀과"),
        ("SQL", "을", "SQL을"),
        ("AWS", "을", "AWS를"),
        ("Python", "을", "Python을"),
        ("서울", "으로", "서울로"),
        ("부산", "으로", "부산으로"),
        ("재고 관리", "와", "재고 관리와"),
    ],
)
def test_attach_particle_follows_the_final_sound(word: str, particle: str, expected: str) -> None:
    assert attach_particle(word, particle) == expected


def test_has_final_consonant_for_digits() -> None:
    assert has_final_consonant("3") and not has_final_consonant("2")
