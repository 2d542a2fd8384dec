"""Practice question bank and questions from a posting."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from server.domain.errors import DomainError
from server.domain.questions import (
    JOB_FIELDS,
    build_practice_set,
    extract_posting_keywords,
    get_question,
    list_questions,
    questions_from_posting,
)

pytestmark = pytest.mark.unit

HANGUL = re.compile(r"[가-힣]")

BACKEND_POSTING = (
    "[주요업무] 파이썬과 Django를 이용한 백엔드 API 개발, PostgreSQL 데이터베이스 설계 및 운영.\n"
    "[자격요건] 파이썬 3년 이상, REST API 설계 경험, Git 사용 능숙.\n[우대사항] AWS, Docker 경험"
)


def test_bank_has_six_fields_of_ten_and_common_questions() -> None:
    counts = Counter(q.field for q in list_questions())
    for field in JOB_FIELDS:
        assert counts[field] >= 10, field
    assert counts["common"] >= 10
    assert len(JOB_FIELDS) >= 6


def test_every_question_is_bilingual_with_keywords_and_timing() -> None:
    ids = [q.question_id for q in list_questions()]
    assert len(ids) == len(set(ids))
    for q in list_questions():
        assert HANGUL.search(q.text_ko), q.question_id
        assert not HANGUL.search(q.text_en) and q.text_en.strip(), q.question_id
        assert len(q.keywords_ko) >= 4 and len(q.keywords_en) >= 4
        assert 10 <= q.think_time_s <= 120 and 30 <= q.answer_limit_s <= 180


def test_common_questions_cover_the_classics() -> None:
    texts = " ".join(q.text_ko for q in list_questions("common"))
    for topic in ("자기소개", "지원", "강점", "약점", "갈등", "실패"):
        assert topic in texts


def test_practice_set_starts_with_self_introduction() -> None:
    chosen = build_practice_set("healthcare", field_count=3, common_count=2)
    assert [q.question_id for q in chosen] == [
        "common-01",
        "common-02",
        "health-01",
        "health-02",
        "health-03",
    ]


def test_unknown_question_and_field_are_typed_errors() -> None:
    with pytest.raises(DomainError) as err:
        get_question("nope")
    assert err.value.code == "unknown_question"
    with pytest.raises(DomainError):
        list_questions("astronaut")


def test_posting_keywords_put_skills_first_by_mentions() -> None:
    keywords = extract_posting_keywords(BACKEND_POSTING, limit=5)
    assert keywords[0].skill_id == "python" and keywords[0].mentions == 2
    assert {k.skill_id for k in keywords} >= {"python", "django", "postgresql"}


def test_questions_from_posting_are_deterministic_and_use_the_posting() -> None:
    first = questions_from_posting("백엔드 개발자", BACKEND_POSTING, count=5)
    again = questions_from_posting("백엔드 개발자", BACKEND_POSTING, count=5)
    assert first == again
    assert len(first) == 5
    assert "백엔드 개발자" in first[0].text_ko
    assert first[1].text_ko.startswith("파이썬 경험을")
    assert "Python" in first[1].text_en
    assert all(q.question_id.startswith("posting-") and q.source == "posting" for q in first)
    assert len({q.question_id for q in first}) == 5


def test_questions_from_english_posting_pick_the_right_particle() -> None:
    text = "Warehouse associate. Duties: forklift operation, inventory counts. Forklift licence required."
    questions = questions_from_posting("Warehouse associate", text, count=4)
    joined = " ".join(q.text_ko for q in questions)
    assert "지게차" in joined
    assert "재고 관리와 관련해" in joined  # 관리 ends in a vowel: 와, not 과


def test_questions_from_empty_posting_is_an_error() -> None:
    with pytest.raises(DomainError) as err:
        questions_from_posting(" ", "  ")
    assert err.value.code == "empty_posting"
