"""Companies and job postings: profiles, 탐나는 기업, CRUD with object checks, search and filters."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.core.db import session_scope
from server.models import JobPostingRow
from tests.careers.conftest import create_posting, posting_body

pytestmark = pytest.mark.unit


def test_company_profile_is_edited_by_its_employer_and_curated_by_admins(people) -> None:
    employer = people("employer", "boss@a.kr", company="가나물류")
    response = employer.send_json(
        "PUT",
        "/api/careers/company",
        {
            "industry": "물류",
            "size": "small",
            "region": "경기 성남시",
            "description": "당일 배송",
            "benefits": "통근버스",
        },
    )
    assert response.status_code == 200
    company = response.json()
    assert company["name"] == "가나물류" and company["benefits"] == "통근버스" and not company["promising"]
    assert employer.send_json("PUT", "/api/careers/company", {"size": "huge"}).json()["error"]["code"] == (
        "unknown_company_size"
    )

    admin = people("admin", "admin@centre.kr")
    url = f"/api/careers/admin/companies/{company['id']}/promising"
    assert (
        admin.send_json("PUT", url, {"promising": True}).json()["error"]["code"]
        == "promising_writeup_required"
    )
    marked = admin.send_json(
        "PUT", url, {"promising": True, "writeup": "정규직 전환율 90%, 주 4.5일제"}
    ).json()
    assert marked["promising"] and "주 4.5일제" in marked["promising_writeup"]
    # Employers cannot crown themselves; everyone logged in sees the curated list and page.
    assert employer.send_json("PUT", url, {"promising": True, "writeup": "x"}).status_code == 403
    seeker = people("seeker", "s@a.kr")
    listed = seeker.get("/api/careers/companies?promising=true").json()["companies"]
    assert [c["name"] for c in listed] == ["가나물류"]
    page = seeker.get(f"/companies/{company['id']}", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "탐나는 기업" in page.text and "주 4.5일제" in page.text


def test_posting_crud_stores_normalised_features_and_only_the_owner_company_can_change_it(
    people, app_client
) -> None:
    a = people("employer", "a@a.kr", company="A사")
    b = people("employer", "b@b.kr", company="B사")
    posting = create_posting(a, required_skills=["파이썬", "장고"], preferred_skills=["Amazon Web Services"])
    assert posting["skill_ids"] == {"required": ["python", "django"], "preferred": ["aws"]}
    assert posting["region_id"] == "seoul"
    with app_client.app.state.sessionmaker() as db:
        row = db.scalar(select(JobPostingRow).where(JobPostingRow.id == posting["id"]))
        assert row is not None and row.features["field"] == "it_dev" and len(row.text_ngrams) > 100
        assert " skill:python " in row.search_terms

    url = f"/api/careers/postings/{posting['id']}"
    # Company B's employer: the posting looks like it does not exist.
    assert b.send_json("PUT", url, posting_body(title="가로채기")).status_code == 404
    assert b.send_json("DELETE", url).status_code == 404
    assert b.get(f"{url}/applicants").status_code == 404
    assert a.get(url).json()["title"] == "파이썬 백엔드 개발자"

    updated = a.send_json("PUT", url, posting_body(title="시니어 파이썬 개발자", region="부산")).json()
    assert updated["title"] == "시니어 파이썬 개발자" and updated["region_id"] == "busan"
    assert [p["id"] for p in a.get("/api/careers/employer/postings").json()["postings"]] == [posting["id"]]
    assert b.get("/api/careers/employer/postings").json()["postings"] == []
    assert a.send_json("DELETE", url).status_code == 204
    assert a.get(url).status_code == 404


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"field": "astronaut"}, "unknown_field"),
        ({"education": "phd-ish"}, "unknown_education"),
        ({"employment_type": "forever"}, "unknown_employment_type"),
        ({"salary_min_krw": 60_000_000, "salary_max_krw": 40_000_000}, "invalid_salary_range"),
        ({"min_career_years": 5, "max_career_years": 2}, "invalid_career_range"),
        ({"title": ""}, "invalid_input"),
    ],
)
def test_bad_postings_get_a_typed_error_and_store_nothing(people, change, code) -> None:
    employer = people("employer", "e@e.kr")
    response = employer.send_json("POST", "/api/careers/postings", posting_body(**change))
    assert response.status_code == 422 and response.json()["error"]["code"] == code
    assert employer.get("/api/careers/employer/postings").json()["postings"] == []


def test_search_by_keyword_synonym_field_region_salary_and_career(people) -> None:
    employer = people("employer", "e@e.kr")
    web = create_posting(
        employer, title="프론트엔드 개발자", required_skills=["자바스크립트", "React"], region="서울"
    )
    accounting = create_posting(
        employer,
        title="회계 담당자",
        field="office_admin",
        duties="전표 처리와 세금계산서 발행, 결산 업무",
        required_skills=["엑셀", "전산회계"],
        preferred_skills=[],
        region="부산광역시 해운대구",
        career_level="experienced",
        min_career_years=2,
        salary_min_krw=30_000_000,
        salary_max_krw=34_000_000,
    )
    create_posting(employer, title="마감된 공고", status="closed")
    seeker = people("seeker", "s@s.kr")

    def ids(query: str) -> list[int]:
        response = seeker.get(f"/api/careers/postings?{query}")
        assert response.status_code == 200
        return [p["id"] for p in response.json()["postings"]]

    assert ids("q=JS") == [web["id"]]  # "JS" finds a posting that says 자바스크립트
    assert ids("q=회계를") == [accounting["id"]]  # a Korean particle is stripped
    assert ids("field=office_admin") == [accounting["id"]]
    assert ids("region=부산") == [accounting["id"]]
    assert ids("min_salary_krw=40000000") == [web["id"]]
    assert ids("career=experienced") == [accounting["id"]]
    assert sorted(ids("")) == sorted([web["id"], accounting["id"]])  # closed postings are not listed
    page = seeker.get("/jobs?q=JS", headers={"Accept": "text/html"})
    assert "프론트엔드 개발자" in page.text and "회계 담당자" not in page.text


def test_korean_search_finds_compounds_and_inflected_forms(people) -> None:
    """Search terms are noun lemmas from the tokeniser: a word inside a compound and an inflected
    form are found (the old suffix list found neither "회계" in 회계사무원 nor 분석 in 분석했습니다)."""
    employer = people("employer", "e@e.kr")
    clerk = create_posting(
        employer,
        title="회계사무원",
        field="office_admin",
        duties="거래처 대금을 정산하고 월별 손익을 분석했습니다",
        required_skills=["엑셀"],
        preferred_skills=[],
    )
    java = create_posting(employer, title="웹 개발자", required_skills=["자바스크립트"], preferred_skills=[])
    seeker = people("seeker", "s@s.kr")

    def ids(query: str) -> list[int]:
        response = seeker.get("/api/careers/postings", params={"q": query})
        assert response.status_code == 200
        return [p["id"] for p in response.json()["postings"]]

    assert ids("회계") == [clerk["id"]]
    assert ids("사무원") == [clerk["id"]]
    assert ids("회계 사무원을") == [clerk["id"]]
    assert ids("손익 분석") == [clerk["id"]]
    assert ids("정산을") == [clerk["id"]]
    assert ids("회계 개발자") == []  # AND search: no posting has both
    assert ids("개발자") == [java["id"]]


def test_migration_0405_refeaturises_stored_postings_and_bumps_the_index_version(people, app_client) -> None:
    """Rows written with the old suffix-list terms get the tokeniser's terms, and every process's
    posting index sees a new version (so it reloads)."""
    import importlib.util
    from pathlib import Path

    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    from server.models.careers import PostingIndexVersion

    employer = people("employer", "e@e.kr")
    posting = create_posting(employer, title="회계사무원", field="office_admin", required_skills=["엑셀"])
    factory = app_client.app.state.sessionmaker
    with session_scope(factory) as db:
        row = db.get(JobPostingRow, posting["id"])
        assert row is not None
        fresh_terms, fresh_ngrams = row.search_terms, bytes(row.text_ngrams)
        row.search_terms, row.text_ngrams = " 회계사무원 ", b""  # what the old rules stored
        before = db.scalar(select(PostingIndexVersion.version))
    seeker = people("seeker", "s@s.kr")
    assert seeker.get("/api/careers/postings", params={"q": "회계"}).json()["postings"] == []

    path = Path(__file__).resolve().parents[2] / "server/migrations/versions/0405_careers_refeaturize_korean_tokeniser.py"
    spec = importlib.util.spec_from_file_location("migration_0405", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    engine = factory.kw["bind"]
    with engine.begin() as connection, Operations.context(MigrationContext.configure(connection)):
        module.upgrade()

    with factory() as db:
        row = db.get(JobPostingRow, posting["id"])
        assert row is not None and row.search_terms == fresh_terms and bytes(row.text_ngrams) == fresh_ngrams
        assert db.scalar(select(PostingIndexVersion.version)) == before + 1
    assert [p["id"] for p in seeker.get("/api/careers/postings", params={"q": "회계"}).json()["postings"]] == [
        posting["id"]
    ]
