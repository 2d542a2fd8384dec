"""Mentor ranking (the domain's import boundary is in tests/foundation/test_layering.py)."""

from __future__ import annotations

import pytest

from server.domain.mentoring import MentorProfile, rank_mentors

pytestmark = pytest.mark.unit

MENTORS = [
    MentorProfile("m-busan-it", ("it_dev",), "부산"),
    MentorProfile("m-seoul-it", ("it_dev", "office_admin"), "서울", active_mentees=1),
    MentorProfile("m-gyeonggi-it", ("it_dev",), "경기도 수원시"),
    MentorProfile("m-seoul-it-full", ("it_dev",), "서울", active_mentees=3, max_mentees=3),
    MentorProfile("m-seoul-health", ("healthcare",), "서울"),
    MentorProfile("m-seoul-office", ("office_admin",), "서울"),
]


def test_mentors_ranked_by_field_then_region() -> None:
    ranked = rank_mentors(["it_dev"], ["서울"], MENTORS, aptitude_fields=["office_admin"])
    # it_dev in Seoul: 0.7 + 0.3 = 100; Gyeonggi (same area): 0.7 + 0.18 = 88; Busan: 70;
    # office (aptitude field) in Seoul: 0.7 x 0.6 + 0.3 = 72. Full and unrelated mentors are left out.
    assert [(m.mentor_id, m.score_0_100) for m in ranked] == [
        ("m-seoul-it", 100.0),
        ("m-gyeonggi-it", 88.0),
        ("m-seoul-office", 72.0),
        ("m-busan-it", 70.0),
    ]
    assert ranked[0].reason_ko == "분야: IT·개발, 지역: 서울"


def test_mentor_ties_go_to_fewer_mentees_then_id() -> None:
    mentors = [
        MentorProfile("b", ("healthcare",), "서울", 1),
        MentorProfile("c", ("healthcare",), "서울"),
        MentorProfile("a", ("healthcare",), "서울", 1),
    ]
    assert [m.mentor_id for m in rank_mentors(["healthcare"], [], mentors)] == ["c", "a", "b"]


def test_keyword_search_understands_synonyms_and_particles() -> None:
    from server.domain.matching import JobPosting
    from server.domain.search import matches_all_terms, posting_search_terms, query_terms

    posting = JobPosting(
        "p", "프론트엔드 개발자", "it_dev", duties="자바스크립트와 React로 회계 시스템 화면 개발"
    )
    terms = posting_search_terms(posting)
    assert "skill:javascript" in terms and "skill:react" in terms
    assert query_terms("JS 개발자") == ("skill:javascript", "개발자")
    assert matches_all_terms(terms, query_terms("JS"))
    assert matches_all_terms(terms, query_terms("회계를"))  # 회계 is also a skill: accounting
    assert not matches_all_terms(terms, query_terms("간호사"))
    assert matches_all_terms(terms, ())


@pytest.mark.parametrize(
    ("text", "region_id"),
    [
        ("서울특별시 강남구", "seoul"),
        ("Seoul", "seoul"),
        ("경기도 성남시 분당구", "gyeonggi"),
        ("수원시 영통구", "gyeonggi"),
        ("창원시 의창구", "gyeongnam"),
        ("전북특별자치도 전주시", "jeonbuk"),
        ("재택근무", "remote"),
        ("지역무관", "nationwide"),
        ("해외", "other:해외"),
    ],
)
def test_region_normalisation(text: str, region_id: str) -> None:
    from server.domain.regions import normalize_region

    assert normalize_region(text) == region_id
