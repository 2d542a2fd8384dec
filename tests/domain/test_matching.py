"""Matching: worked examples, synonyms, ordering, determinism, explanations, consent and visibility."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from server.domain.errors import DomainError
from server.domain.matching import (
    JobPosting,
    MatchWeights,
    PostingFeatures,
    PostingIndex,
    SeekerIndex,
    SeekerProfile,
    featurize_posting,
    featurize_seeker,
    rank_postings_for_seeker,
    rank_seekers_for_posting,
    score_match,
)

pytestmark = pytest.mark.unit

NO_TEXT = MatchWeights(text=0.0)

SEEKER = SeekerProfile(
    seeker_id="s-1",
    desired_fields=("it_dev",),
    desired_regions=("서울",),
    desired_salary_krw_per_year=40_000_000,
    career_years=3,
    education="bachelor",
    skills=("파이썬", "SQL", "Git"),
    practice_score_0_100=80,
    practice_score_consent=True,
)
POSTING = JobPosting(
    posting_id="p-1",
    title="백엔드 개발자",
    field="it_dev",
    duties="Python/Django 기반 API 개발",
    required_skills=("Python", "Django", "AWS"),
    preferred_skills=("Docker", "git"),
    min_career_years=2,
    education="bachelor",
    region="서울특별시 강남구",
    salary_min_krw_per_year=38_000_000,
    salary_max_krw_per_year=50_000_000,
)


def component(result, name):  # type: ignore[no-untyped-def]
    return next(c for c in result.components if c.name == name)


def test_worked_example_without_text() -> None:
    # skills = 0.8 x 1/3 (python of python/django/aws) + 0.2 x 1/2 (git of docker/git) = 0.36667
    # field, region, career, education, salary = 1; employment type unknown (left out); practice 0.8
    # total = (.35 x .36667 + .15 + .10 + .10 + .05 + .05 + .05 x .8) / .85 = 0.72745
    result = score_match(SEEKER, POSTING, NO_TEXT)
    assert result.score_0_100 == 72.7
    assert component(result, "skills").score_0_1 == pytest.approx(0.3667, abs=1e-4)
    assert component(result, "employment_type").weight_used == 0.0
    assert component(result, "practice").score_0_1 == pytest.approx(0.8)
    assert sum(c.weight_used for c in result.components) == pytest.approx(1.0, abs=1e-3)
    assert sum(c.points_0_100 for c in result.components) == pytest.approx(result.score_0_100, abs=0.1)


def test_practice_score_counts_only_with_consent() -> None:
    # Without consent the practice component is left out: (.35 x .36667 + .45) / .80 = 0.72292
    no_consent = dataclasses.replace(SEEKER, practice_score_consent=False)
    result = score_match(no_consent, POSTING, NO_TEXT)
    assert result.score_0_100 == 72.3
    assert component(result, "practice").weight_used == 0.0
    assert "연습" not in result.summary_ko


def test_career_and_salary_shortfalls() -> None:
    junior = dataclasses.replace(SEEKER, career_years=1, desired_salary_krw_per_year=60_000_000)
    result = score_match(junior, POSTING, NO_TEXT)
    # One year short of two: 1 - 1/2. Wants 60M, posting pays up to 50M: 1 - (10/60)/0.3.
    assert component(result, "career").score_0_1 == pytest.approx(0.5)
    assert component(result, "salary").score_0_1 == pytest.approx(1 - (10 / 60) / 0.3, abs=1e-4)
    assert "1년 부족" in result.summary_ko
    assert "salary" in result.summary_en


def test_synonyms_score_the_same_as_exact_spelling() -> None:
    english = dataclasses.replace(SEEKER, skills=("Python", "sql", "GitHub"))
    assert score_match(english, POSTING).score_0_100 == score_match(SEEKER, POSTING).score_0_100
    assert score_match(english, POSTING).matched_required_skills == ("python",)


def test_explanation_names_matched_and_missing_skills() -> None:
    result = score_match(SEEKER, POSTING)
    assert result.matched_required_skills == ("python",)
    assert result.missing_required_skills == ("django", "aws")
    assert result.matched_preferred_skills == ("git",)
    assert "부족한 필수 기술: Django, AWS" in result.summary_ko
    assert "Missing required skills: Django, AWS" in result.summary_en
    assert "희망 지역 근무" in result.summary_ko
    assert "서울" in component(result, "region").detail_ko
    assert "4,000만 원" in component(result, "salary").detail_ko


def test_skill_mentioned_only_in_prose_gets_half_credit() -> None:
    prose = dataclasses.replace(
        SEEKER, skills=("파이썬",), career_history_text="장고로 사내 시스템을 개발했습니다."
    )
    listed = dataclasses.replace(SEEKER, skills=("파이썬", "Django"))
    weights = MatchWeights(
        **{
            n: 0.0
            for n in (
                "field",
                "text",
                "region",
                "career",
                "education",
                "salary",
                "employment_type",
                "practice",
            )
        }
    )
    # required 3: python 1 + django 0.5 -> 0.5 coverage; preferred: none held -> 0.8 x 0.5 = 0.4
    assert score_match(prose, POSTING, weights).score_0_100 == 40.0
    # listed django: 2/3 -> 0.8 x 2/3 = 0.5333
    assert score_match(listed, POSTING, weights).score_0_100 == 53.3


def _posting(pid: str, **changes: object) -> JobPosting:
    return dataclasses.replace(POSTING, posting_id=pid, **changes)  # type: ignore[arg-type]


def test_ranking_orders_by_fit_and_breaks_ties_by_id() -> None:
    postings = [
        _posting("p-c", region="부산"),  # outside desired region
        _posting("p-b"),
        _posting("p-a"),  # identical to p-b: tie, id order decides
        _posting(
            "p-d",
            field="healthcare",
            title="간호사",
            duties="병동 간호",
            required_skills=("간호",),
            preferred_skills=(),
        ),
    ]
    ranked = rank_postings_for_seeker(SEEKER, postings, limit=4)
    assert [r.posting_id for r in ranked] == ["p-a", "p-b", "p-c", "p-d"]
    assert ranked[0].score_0_100 == ranked[1].score_0_100 > ranked[2].score_0_100 > ranked[3].score_0_100
    # Same input in another order gives the same ranking.
    assert rank_postings_for_seeker(SEEKER, list(reversed(postings)), limit=4) == ranked


def test_limit_and_ranking_against_a_prebuilt_index() -> None:
    postings = [_posting(f"p-{i:02d}", min_career_years=i % 5) for i in range(20)]
    index = PostingIndex.from_postings(postings)
    top = rank_postings_for_seeker(SEEKER, index, limit=3)
    assert len(top) == 3
    everything = index.rank(featurize_seeker(SEEKER), limit=100)
    assert [r.posting_id for r in everything[:3]] == [r.posting_id for r in top]
    scores = [r.score_0_100 for r in everything]
    assert scores == sorted(scores, reverse=True)


def test_single_posting_ranking_equals_score_match() -> None:
    (only,) = rank_postings_for_seeker(SEEKER, [POSTING])
    assert only == score_match(SEEKER, POSTING)


def test_expired_and_filled_postings_are_not_recommended() -> None:
    postings = [
        _posting("p-old", deadline=dt.date(2026, 1, 31)),
        _posting("p-full", openings=0),
        _posting("p-open", deadline=dt.date(2026, 12, 31)),
    ]
    ranked = rank_postings_for_seeker(SEEKER, postings, today=dt.date(2026, 6, 1))
    assert [r.posting_id for r in ranked] == ["p-open"]


def test_aptitude_fields_get_partial_field_credit() -> None:
    seeker = dataclasses.replace(SEEKER, desired_fields=(), aptitude_fields=("it_dev",))
    assert component(score_match(seeker, POSTING), "field").score_0_1 == pytest.approx(0.6)


def test_neighbouring_region_gets_partial_credit() -> None:
    assert component(
        score_match(SEEKER, _posting("p", region="경기도 성남시")), "region"
    ).score_0_1 == pytest.approx(0.6)
    assert component(score_match(SEEKER, _posting("p", region="재택")), "region").score_0_1 == 1.0


def test_rank_seekers_skips_hidden_profiles() -> None:
    visible = dataclasses.replace(SEEKER, seeker_id="s-visible")
    hidden = dataclasses.replace(
        SEEKER, seeker_id="s-hidden", discoverable=False, skills=("Python", "Django", "AWS")
    )
    weaker = dataclasses.replace(SEEKER, seeker_id="s-weaker", skills=("엑셀",))
    ranked = rank_seekers_for_posting(POSTING, [hidden, weaker, visible])
    assert [r.seeker_id for r in ranked] == ["s-visible", "s-weaker"]
    assert ranked[0].matched_required_skills == ("python",)


def test_seeker_index_is_deterministic() -> None:
    profiles = [dataclasses.replace(SEEKER, seeker_id=f"s-{i}") for i in range(5)]
    index = SeekerIndex.from_profiles(profiles)
    first = index.rank(featurize_posting(POSTING), limit=5)
    assert [r.seeker_id for r in first] == [f"s-{i}" for i in range(5)]  # all tied: id order
    assert index.rank(featurize_posting(POSTING), limit=5) == first


def test_features_round_trip_through_a_dict() -> None:
    features = featurize_posting(POSTING)
    assert PostingFeatures.from_dict(features.to_dict()) == features
    assert features.required_skill_ids == ("python", "django", "aws")
    assert features.region_id == "seoul"


def test_text_similarity_prefers_the_related_posting() -> None:
    seeker = dataclasses.replace(
        SEEKER, skills=(), career_history_text="요양원에서 어르신 돌봄과 식사 보조, 활력징후 측정을 했습니다."
    )
    care = _posting("p-care", title="요양보호사", field="healthcare", duties="어르신 돌봄, 식사 보조, 활력징후 측정",
                    required_skills=(), preferred_skills=())  # fmt: skip
    dev = _posting("p-dev", required_skills=(), preferred_skills=())
    index = PostingIndex.from_postings([care, dev])
    text_only = MatchWeights(
        **{
            n: 0.0
            for n in (
                "skills",
                "field",
                "region",
                "career",
                "education",
                "salary",
                "employment_type",
                "practice",
            )
        },
        text=1.0,
    )
    ranked = index.rank(featurize_seeker(seeker), text_only)
    assert ranked[0].posting_id == "p-care"
    assert ranked[0].score_0_100 > 50 > ranked[1].score_0_100


@pytest.mark.parametrize(
    "bad",
    [
        lambda: MatchWeights(skills=-1),
        lambda: MatchWeights(
            **{
                n: 0.0
                for n in (
                    "skills",
                    "field",
                    "text",
                    "region",
                    "career",
                    "education",
                    "salary",
                    "employment_type",
                    "practice",
                )
            }
        ),
        lambda: featurize_posting(_posting("p", education="astronaut")),
        lambda: featurize_posting(_posting("p", salary_min_krw_per_year=60_000_000)),
        lambda: featurize_posting(_posting("p", title=" ")),
        lambda: PostingIndex.from_postings([POSTING, POSTING]),
    ],
)
def test_bad_input_is_a_typed_error(bad) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError):
        bad()


def test_korean_education_and_employment_names_are_accepted() -> None:
    features = featurize_posting(_posting("p", education="대졸", employment_type="계약직"))
    assert features.education_rank == 3 and features.employment_type == "contract"


def test_an_unstated_education_is_left_out_not_assumed() -> None:
    unstated = dataclasses.replace(SEEKER, education="unspecified")
    assert SeekerProfile(seeker_id="new").education == "unspecified"  # no 고졸 default
    result = score_match(unstated, POSTING, NO_TEXT)
    education = component(result, "education")
    # Left out like an unknown salary: the other components share its weight.
    assert education.weight_used == 0.0 and education.points_0_100 == 0.0
    assert education.detail_ko == "판단할 정보가 없어 점수에서 제외했습니다."
    assert sum(c.weight_used for c in result.components) == pytest.approx(1.0, abs=1e-3)
    stated = score_match(dataclasses.replace(SEEKER, education="high_school"), POSTING, NO_TEXT)
    assert component(stated, "education").score_0_1 == 0.0 and result.score_0_100 > stated.score_0_100
    # 학력 무관 fits everyone, stated or not.
    open_posting = score_match(unstated, _posting("p-any", education="none"), NO_TEXT)
    assert component(open_posting, "education").score_0_1 == 1.0
    assert component(open_posting, "education").weight_used > 0
    assert component(open_posting, "education").detail_ko == "요구 학력 학력 무관, 보유 학력 미입력"
    # Postings cannot be "unspecified": they say 학력 무관.
    with pytest.raises(DomainError):
        featurize_posting(_posting("p", education="unspecified"))
    # The prebuilt index scores it the same way as the single match.
    [ranked] = rank_postings_for_seeker(unstated, [POSTING], weights=NO_TEXT)
    assert ranked.score_0_100 == result.score_0_100
