"""Job matching (step 7): score a seeker against postings and rank both ways, with explanations.

Scoring is a weighted mean of components in [0, 1] (see docs/matching.md):
skills, field, text similarity, region, career, education, salary,
employment type and, only with the seeker's consent, practice scores. A
component that cannot be judged for a pair (say, no salary given) is left out
and the remaining weights are renormalised, so missing data neither rewards nor
punishes.

Everything is vectorised over precomputed features so one seeker can be ranked
against 100,000 postings in well under 200 ms; `PostingFeatures` is what the
DB layer stores per posting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields

import numpy as np
import numpy.typing as npt

from server.domain.errors import DomainError
from server.domain.questions import JOB_FIELDS, field_display_name
from server.domain.regions import normalize_region, region_display_name, region_fit
from server.domain.skills import find_skills_in_text, get_skill, normalize_skills, skill_display_name
from server.domain.textsim import (
    SparseRows,
    build_tfidf_rows,
    compute_idf,
    encode_ngram_counts,
    text_ngram_counts,
    tfidf_query_vector,
)

__all__ = [
    "EDUCATION_LEVELS",
    "EMPLOYMENT_TYPES",
    "SEEKER_EDUCATION_LEVELS",
    "UNSPECIFIED_EDUCATION",
    "ComponentScore",
    "JobPosting",
    "MatchResult",
    "MatchWeights",
    "PostingFeatures",
    "PostingIndex",
    "SeekerFeatures",
    "SeekerIndex",
    "SeekerProfile",
    "featurize_posting",
    "featurize_seeker",
    "rank_postings_for_seeker",
    "rank_seekers_for_posting",
    "score_match",
]

EDUCATION_LEVELS: tuple[str, ...] = ("none", "high_school", "college", "bachelor", "master", "doctorate")
# A seeker who has not said: the education component is then left out of their match (as an
# unknown salary is), rather than assumed. Postings say "none" (학력 무관) instead.
UNSPECIFIED_EDUCATION = "unspecified"
SEEKER_EDUCATION_LEVELS: tuple[str, ...] = (UNSPECIFIED_EDUCATION, *EDUCATION_LEVELS)
_EDUCATION_ALIASES = {
    "무관": "none",
    "학력무관": "none",
    "고졸": "high_school",
    "고등학교": "high_school",
    "초대졸": "college",
    "전문대": "college",
    "전문대졸": "college",
    "대졸": "bachelor",
    "학사": "bachelor",
    "대학교": "bachelor",
    "석사": "master",
    "박사": "doctorate",
}
EMPLOYMENT_TYPES: tuple[str, ...] = ("full_time", "contract", "part_time", "intern", "temporary")
_EMPLOYMENT_ALIASES = {
    "정규직": "full_time",
    "계약직": "contract",
    "파트타임": "part_time",
    "아르바이트": "part_time",
    "시간제": "part_time",
    "인턴": "intern",
    "일용직": "temporary",
    "임시직": "temporary",
}
_EDUCATION_NAMES = {
    UNSPECIFIED_EDUCATION: ("미입력", "not given"),
    "none": ("학력 무관", "any education"),
    "high_school": ("고졸", "high school"),
    "college": ("초대졸(2·3년제)", "2-3 year college"),
    "bachelor": ("대졸(4년제)", "bachelor's degree"),
    "master": ("석사", "master's degree"),
    "doctorate": ("박사", "doctorate"),
}
_EMPLOYMENT_NAMES = {
    "full_time": ("정규직", "full-time"),
    "contract": ("계약직", "contract"),
    "part_time": ("시간제", "part-time"),
    "intern": ("인턴", "internship"),
    "temporary": ("일용·임시직", "temporary"),
}
CAREER_LEVELS: tuple[str, ...] = ("entry", "experienced", "any")
# A posting marked 신입 (entry) without an explicit ceiling is treated as open to up to 2 years.
ENTRY_LEVEL_DEFAULT_MAX_YEARS = 2.0
COMPONENTS: tuple[str, ...] = (
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
_TEXT_SKILL_CREDIT = 0.5  # a skill only mentioned in the seeker's prose counts half of a listed one
_SCORE_DECIMALS_FOR_TIES = 4


def _education_rank(level: str, *, seeker: bool = False) -> int:
    """The level's place in EDUCATION_LEVELS; -1 for a seeker who has not said."""
    key = level.strip().lower().replace(" ", "_")
    key = _EDUCATION_ALIASES.get(level.strip(), key)
    if seeker and key in ("", UNSPECIFIED_EDUCATION):
        return -1
    if key not in EDUCATION_LEVELS:
        raise DomainError("unknown_education", value=level)
    return EDUCATION_LEVELS.index(key)


def _employment_type(value: str) -> str:
    key = _EMPLOYMENT_ALIASES.get(value.strip(), value.strip().lower().replace("-", "_").replace(" ", "_"))
    if key not in EMPLOYMENT_TYPES:
        raise DomainError("unknown_employment_type", value=value)
    return key


@dataclass(frozen=True)
class SeekerProfile:
    seeker_id: str
    desired_fields: tuple[str, ...] = ()
    # Fields recommended by the aptitude test (step 3); weaker evidence than a stated wish.
    aptitude_fields: tuple[str, ...] = ()
    desired_regions: tuple[str, ...] = ()
    desired_salary_krw_per_year: int | None = None
    desired_employment_types: tuple[str, ...] = ()
    career_years: float = 0.0
    education: str = UNSPECIFIED_EDUCATION
    skills: tuple[str, ...] = ()
    certificates: tuple[str, ...] = ()
    career_history_text: str = ""
    cover_letter_text: str = ""
    practice_score_0_100: float | None = None
    practice_score_consent: bool = False
    discoverable: bool = True  # the seeker lets employers find the profile


@dataclass(frozen=True)
class JobPosting:
    posting_id: str
    title: str
    field: str
    duties: str = ""
    required_skills: tuple[str, ...] = ()
    preferred_skills: tuple[str, ...] = ()
    career_level: str = "any"
    min_career_years: float = 0.0
    max_career_years: float | None = None
    education: str = "none"
    employment_type: str = "full_time"
    region: str = ""
    salary_min_krw_per_year: int | None = None
    salary_max_krw_per_year: int | None = None
    deadline: dt.date | None = None
    openings: int = 1


@dataclass(frozen=True)
class MatchWeights:
    """Component weights (renormalised over the components available for each pair) and two shape knobs."""

    skills: float = 0.35
    field: float = 0.15
    text: float = 0.15
    region: float = 0.10
    career: float = 0.10
    education: float = 0.05
    salary: float = 0.05
    employment_type: float = 0.05
    practice: float = 0.05
    # Share of the skills component given to required (vs preferred) skills.
    required_skill_share: float = 0.8
    # Profile-vs-posting cosines rarely exceed ~0.5 even for a perfect fit, so
    # this cosine already earns the full text score.
    text_cosine_for_full_score: float = 0.5
    # Without a stated field, infer one from skills and history and let the region count only
    # within it (False: the field is left out and the region leads, as before).
    infer_missing_field: bool = True

    def __post_init__(self) -> None:
        values = [getattr(self, name) for name in COMPONENTS]
        if any(v < 0 for v in values) or sum(values) <= 0:
            raise DomainError("invalid_weights")
        if not 0.0 <= self.required_skill_share <= 1.0 or self.text_cosine_for_full_score <= 0:
            raise DomainError("invalid_weights")

    def component_weights(self) -> npt.NDArray[np.float32]:
        return np.array([getattr(self, name) for name in COMPONENTS], dtype=np.float32)


DEFAULT_WEIGHTS = MatchWeights()


@dataclass(frozen=True)
class ComponentScore:
    name: str
    score_0_1: float
    weight_used: float  # renormalised weight; 0 when the component could not be judged
    points_0_100: float  # this component's share of the total score
    detail_ko: str
    detail_en: str


@dataclass(frozen=True)
class MatchResult:
    seeker_id: str
    posting_id: str
    score_0_100: float
    components: tuple[ComponentScore, ...]
    matched_required_skills: tuple[str, ...]
    matched_preferred_skills: tuple[str, ...]
    missing_required_skills: tuple[str, ...]
    summary_ko: str
    summary_en: str


@dataclass(frozen=True)
class PostingFeatures:
    """Everything matching needs from a posting, precomputed once; the DB layer can store it as a row."""

    posting_id: str
    field: str
    region_id: str
    required_skill_ids: tuple[str, ...]
    preferred_skill_ids: tuple[str, ...]
    min_career_years: float
    max_career_years: float | None
    education_rank: int
    employment_type: str
    salary_min_krw_per_year: int | None
    salary_max_krw_per_year: int | None
    deadline_ordinal: int | None
    openings: int
    text_ngrams: bytes  # see textsim.encode_ngram_counts

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> PostingFeatures:
        values = {f.name: data[f.name] for f in fields(cls)}
        for name in ("required_skill_ids", "preferred_skill_ids"):
            values[name] = tuple(values[name])  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class SeekerFeatures:
    seeker_id: str
    desired_fields: tuple[str, ...]
    aptitude_fields: tuple[str, ...]
    desired_region_ids: tuple[str, ...]
    desired_salary_krw_per_year: int | None
    desired_employment_types: tuple[str, ...]
    career_years: float
    education_rank: int
    listed_skill_ids: tuple[str, ...]
    text_only_skill_ids: tuple[str, ...]
    practice_score_0_100: float | None  # None unless the seeker consented
    discoverable: bool
    text_ngrams: bytes
    # Fields the listed (1.0) and prose-only (0.5) skills belong to, scaled so the strongest is 1.0;
    # used only when the seeker states no field (see PostingIndex._field_weights).
    skill_fields: tuple[tuple[str, float], ...] = ()

    @property
    def states_field(self) -> bool:
        return bool(self.desired_fields or self.aptitude_fields)


def featurize_posting(posting: JobPosting) -> PostingFeatures:
    if not posting.title.strip():
        raise DomainError("empty_title")
    if posting.career_level not in CAREER_LEVELS:
        raise DomainError("unknown_career_level", value=posting.career_level)
    low, high = posting.salary_min_krw_per_year, posting.salary_max_krw_per_year
    if low is not None and high is not None and low > high:
        raise DomainError("invalid_salary_range")
    required = normalize_skills(posting.required_skills)
    preferred = tuple(s for s in normalize_skills(posting.preferred_skills) if s not in required)
    max_years = posting.max_career_years
    if max_years is None and posting.career_level == "entry":
        max_years = ENTRY_LEVEL_DEFAULT_MAX_YEARS
    # Skill lists enter the text as canonical ids, so "Python" and "파이썬" give the same n-grams.
    text = "\n".join([posting.title, posting.title, posting.duties])
    mentioned = find_skills_in_text(posting.duties)
    counts = text_ngram_counts(text, extra_terms=[*required, *preferred, *mentioned])
    return PostingFeatures(
        posting_id=posting.posting_id,
        field=posting.field,
        region_id=normalize_region(posting.region),
        required_skill_ids=required,
        preferred_skill_ids=preferred,
        min_career_years=float(posting.min_career_years),
        max_career_years=None if max_years is None else float(max_years),
        education_rank=_education_rank(posting.education),
        employment_type=_employment_type(posting.employment_type),
        salary_min_krw_per_year=low,
        salary_max_krw_per_year=high if high is not None else low,
        deadline_ordinal=posting.deadline.toordinal() if posting.deadline else None,
        openings=posting.openings,
        text_ngrams=encode_ngram_counts(counts),
    )


def featurize_seeker(profile: SeekerProfile) -> SeekerFeatures:
    listed = normalize_skills([*profile.skills, *profile.certificates])
    prose = "\n".join([profile.career_history_text, profile.cover_letter_text])
    text_only = tuple(s for s in find_skills_in_text(prose) if s not in listed)
    counts = text_ngram_counts(prose, extra_terms=[*listed, *text_only])
    consented_score = profile.practice_score_0_100 if profile.practice_score_consent else None
    evidence: dict[str, float] = {}
    for skill_id, credit in [*((s, 1.0) for s in listed), *((s, _TEXT_SKILL_CREDIT) for s in text_only)]:
        skill = get_skill(skill_id)
        if skill is not None and skill.field in JOB_FIELDS:
            evidence[skill.field] = evidence.get(skill.field, 0.0) + credit
    top = max(evidence.values(), default=0.0)
    skill_fields = tuple(
        sorted(((f, round(v / top, 4)) for f, v in evidence.items()), key=lambda fv: (-fv[1], fv[0]))
    )
    return SeekerFeatures(
        seeker_id=profile.seeker_id,
        desired_fields=tuple(profile.desired_fields),
        aptitude_fields=tuple(profile.aptitude_fields),
        desired_region_ids=tuple(r for r in (normalize_region(x) for x in profile.desired_regions) if r),
        desired_salary_krw_per_year=profile.desired_salary_krw_per_year,
        desired_employment_types=tuple(_employment_type(t) for t in profile.desired_employment_types),
        career_years=float(profile.career_years),
        education_rank=_education_rank(profile.education, seeker=True),
        listed_skill_ids=listed,
        text_only_skill_ids=text_only,
        practice_score_0_100=consented_score,
        discoverable=profile.discoverable,
        text_ngrams=encode_ngram_counts(counts),
        skill_fields=skill_fields,
    )


# ---------------------------------------------------------------------------
# Vectorised component scores. Each argument is an array over candidates or a
# scalar; the result is (scores, available), both shaped (n, len(COMPONENTS)).


@dataclass(frozen=True)
class _PairArrays:
    n_required: npt.NDArray[np.float32]
    matched_required: npt.NDArray[np.float32]
    n_preferred: npt.NDArray[np.float32]
    matched_preferred: npt.NDArray[np.float32]
    field_fit: npt.NDArray[np.float32]
    field_known: npt.NDArray[np.bool_]
    region_fit: npt.NDArray[np.float32]
    region_known: npt.NDArray[np.bool_]
    seeker_years: npt.NDArray[np.float32]
    min_years: npt.NDArray[np.float32]
    max_years: npt.NDArray[np.float32]  # inf when open-ended
    seeker_education: npt.NDArray[np.float32]
    required_education: npt.NDArray[np.float32]
    desired_salary: npt.NDArray[np.float64]  # nan when unknown
    salary_max: npt.NDArray[np.float64]  # nan when unknown
    employment_fit: npt.NDArray[np.float32]
    employment_known: npt.NDArray[np.bool_]
    cosine: npt.NDArray[np.float32]
    text_known: npt.NDArray[np.bool_]
    practice: npt.NDArray[np.float32]  # nan without consent


def _component_matrix(
    n: int, a: _PairArrays, weights: MatchWeights
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.bool_]]:
    def full(x: object, dtype: type = np.float32) -> npt.NDArray:  # type: ignore[type-arg]
        return np.broadcast_to(np.asarray(x, dtype=dtype), (n,))

    scores = np.zeros((n, len(COMPONENTS)), dtype=np.float32)
    known = np.zeros((n, len(COMPONENTS)), dtype=bool)

    n_req, n_pref = full(a.n_required), full(a.n_preferred)
    with np.errstate(divide="ignore", invalid="ignore"):
        req_cov = np.where(n_req > 0, full(a.matched_required) / np.maximum(n_req, 1), 0.0)
        pref_cov = np.where(n_pref > 0, full(a.matched_preferred) / np.maximum(n_pref, 1), 0.0)
    share = weights.required_skill_share
    skills = np.where(
        (n_req > 0) & (n_pref > 0),
        share * req_cov + (1 - share) * pref_cov,
        np.where(n_req > 0, req_cov, pref_cov),
    )
    scores[:, 0], known[:, 0] = skills, (n_req + n_pref) > 0
    scores[:, 1], known[:, 1] = full(a.field_fit), full(a.field_known, bool)
    scores[:, 2] = np.clip(full(a.cosine) / weights.text_cosine_for_full_score, 0.0, 1.0)
    known[:, 2] = full(a.text_known, bool)
    scores[:, 3], known[:, 3] = full(a.region_fit), full(a.region_known, bool)

    years, low, high = full(a.seeker_years), full(a.min_years), full(a.max_years)
    # One year short of the minimum halves the career score, two years zero it;
    # over-qualification costs little (at most half) because it is often fine.
    short = np.clip(1.0 - (low - years) / 2.0, 0.0, 1.0)
    over = np.maximum(0.5, 1.0 - (years - high) / 10.0)
    scores[:, 4] = np.where(years < low, short, np.where(years > high, over, 1.0))
    known[:, 4] = True

    seeker_edu, required_edu = full(a.seeker_education), full(a.required_education)
    edu_gap = seeker_edu - required_edu
    any_education = required_edu == 0  # 학력 무관 fits everyone, stated or not
    scores[:, 5] = np.where(any_education | (edu_gap >= 0), 1.0, np.where(edu_gap >= -1, 0.5, 0.0))
    known[:, 5] = any_education | (seeker_edu >= 0)

    desired, top = full(a.desired_salary, np.float64), full(a.salary_max, np.float64)
    salary_known = ~np.isnan(desired) & ~np.isnan(top)
    with np.errstate(invalid="ignore", divide="ignore"):
        # Full score when the posting can pay what is asked; 30% short is zero.
        shortfall = np.where(salary_known, (desired - top) / np.where(desired > 0, desired, 1.0), 0.0)
    scores[:, 6] = np.where(shortfall <= 0, 1.0, np.clip(1.0 - shortfall / 0.3, 0.0, 1.0))
    known[:, 6] = salary_known

    scores[:, 7], known[:, 7] = full(a.employment_fit), full(a.employment_known, bool)
    practice = full(a.practice)
    known[:, 8] = ~np.isnan(practice)
    scores[:, 8] = np.where(known[:, 8], np.clip(np.nan_to_num(practice) / 100.0, 0.0, 1.0), 0.0)
    return scores, known


def _totals(
    scores: npt.NDArray[np.float32], known: npt.NDArray[np.bool_], weights: MatchWeights
) -> npt.NDArray[np.float32]:
    w = weights.component_weights()
    used = known * w
    denominator = used.sum(axis=1)
    total = (scores * used).sum(axis=1) / np.where(denominator > 0, denominator, 1.0)
    return total.astype(np.float32)


def _top_rows(
    totals: npt.NDArray[np.float32],
    id_rank: npt.NDArray[np.int64],
    eligible: npt.NDArray[np.bool_],
    limit: int,
) -> npt.NDArray[np.int64]:
    """Best rows by score, ties by id ascending; only the candidates around the cut are fully sorted."""
    keys = np.where(eligible, np.round(totals.astype(np.float64), _SCORE_DECIMALS_FOR_TIES), -np.inf)
    n_eligible = int(eligible.sum())
    limit = min(limit, n_eligible)
    if limit <= 0:
        return np.zeros(0, dtype=np.int64)
    if limit < len(keys):
        threshold = -np.partition(-keys, limit - 1)[limit - 1]
        candidates = np.nonzero(keys >= threshold)[0]
    else:
        candidates = np.nonzero(eligible)[0]
    order = np.lexsort((id_rank[candidates], -keys[candidates]))
    return candidates[order][:limit].astype(np.int64)


def _id_ranks(ids: Sequence[str]) -> npt.NDArray[np.int64]:
    ranks = np.empty(len(ids), dtype=np.int64)
    ranks[sorted(range(len(ids)), key=ids.__getitem__)] = np.arange(len(ids))
    return ranks


def _skill_rows(skill_lists: Sequence[Sequence[tuple[str, float]]], vocabulary: dict[str, int]) -> SparseRows:
    rows = []
    for skills in skill_lists:
        cols = np.array([vocabulary[s] for s, _ in skills], dtype=np.int32)
        rows.append((cols, np.array([v for _, v in skills], dtype=np.float32)))
    return SparseRows.from_rows(rows)


def _seeker_skill_credit(seeker: SeekerFeatures) -> dict[str, float]:
    credit = {s: _TEXT_SKILL_CREDIT for s in seeker.text_only_skill_ids}
    credit.update({s: 1.0 for s in seeker.listed_skill_ids})
    return credit


class PostingIndex:
    """Column arrays over many postings, built once (e.g. at startup or after a change) and ranked many times."""

    def __init__(
        self, postings: Sequence[PostingFeatures], idf: npt.NDArray[np.float32] | None = None
    ) -> None:
        self.postings = tuple(postings)
        self._row_by_id = {p.posting_id: i for i, p in enumerate(self.postings)}
        if len(self._row_by_id) != len(self.postings):
            raise DomainError("duplicate_posting_id")
        documents = [p.text_ngrams for p in self.postings]
        self.idf = compute_idf(documents) if idf is None else idf
        self._text = build_tfidf_rows(documents, self.idf)
        self._skill_vocabulary: dict[str, int] = {}
        for p in self.postings:
            for s in (*p.required_skill_ids, *p.preferred_skill_ids):
                self._skill_vocabulary.setdefault(s, len(self._skill_vocabulary))
        self._required = _skill_rows(
            [[(s, 1.0) for s in p.required_skill_ids] for p in self.postings], self._skill_vocabulary
        )
        self._preferred = _skill_rows(
            [[(s, 1.0) for s in p.preferred_skill_ids] for p in self.postings], self._skill_vocabulary
        )
        self._n_required = np.array([len(p.required_skill_ids) for p in self.postings], dtype=np.float32)
        self._n_preferred = np.array([len(p.preferred_skill_ids) for p in self.postings], dtype=np.float32)
        self._field_codes, self._field_vocabulary = _encode([p.field for p in self.postings])
        self._region_codes, self._region_vocabulary = _encode([p.region_id for p in self.postings])
        self._employment_codes, self._employment_vocabulary = _encode(
            [p.employment_type for p in self.postings]
        )
        self._min_years = np.array([p.min_career_years for p in self.postings], dtype=np.float32)
        self._max_years = np.array(
            [np.inf if p.max_career_years is None else p.max_career_years for p in self.postings],
            dtype=np.float32,
        )
        self._education = np.array([p.education_rank for p in self.postings], dtype=np.float32)
        self._salary_max = np.array(
            [
                np.nan if p.salary_max_krw_per_year is None else p.salary_max_krw_per_year
                for p in self.postings
            ],
            dtype=np.float64,
        )
        self._deadline = np.array(
            [
                np.iinfo(np.int64).max if p.deadline_ordinal is None else p.deadline_ordinal
                for p in self.postings
            ],
            dtype=np.int64,
        )
        self._open = np.array([p.openings > 0 for p in self.postings], dtype=bool)
        self._id_rank = _id_ranks([p.posting_id for p in self.postings])

    def __len__(self) -> int:
        return len(self.postings)

    @classmethod
    def from_postings(cls, postings: Sequence[JobPosting]) -> PostingIndex:
        return cls([featurize_posting(p) for p in postings])

    def _pair_arrays(self, seeker: SeekerFeatures, weights: MatchWeights) -> _PairArrays:
        credit = _seeker_skill_credit(seeker)
        skill_vector = np.zeros(max(1, len(self._skill_vocabulary)), dtype=np.float32)
        for skill_id, value in credit.items():
            col = self._skill_vocabulary.get(skill_id)
            if col is not None:
                skill_vector[col] = value
        query = tfidf_query_vector(seeker.text_ngrams, self.idf)
        cosine = self._text.dot(query)
        if seeker.states_field:
            field_table = (
                np.array([_field_fit(seeker, f) for f in self._field_vocabulary], dtype=np.float32)
                if self._field_vocabulary
                else np.zeros(1, dtype=np.float32)
            )
            field_known = bool(seeker.desired_fields or seeker.aptitude_fields)
        else:
            inferred = self._inferred_field_weights(seeker, cosine) if weights.infer_missing_field else {}
            field_table = np.array(
                [INFERRED_FIELD_FIT * inferred.get(f, 0.0) for f in self._field_vocabulary] or [0.0],
                dtype=np.float32,
            )
            field_known = bool(inferred)
        region_table = (
            np.array(
                [region_fit(seeker.desired_region_ids, r) for r in self._region_vocabulary], dtype=np.float32
            )
            if self._region_vocabulary
            else np.zeros(1, dtype=np.float32)
        )
        region_known_table = np.array([bool(r) for r in self._region_vocabulary] or [False], dtype=bool)
        employment_table = np.array(
            [_employment_fit(seeker, e) for e in self._employment_vocabulary] or [0.0], dtype=np.float32
        )
        field_fit = field_table[self._field_codes]
        region = region_table[self._region_codes]
        if not seeker.states_field and field_known:
            # Without a stated field the region refines rather than leads: a nearby posting in a
            # field the profile does not point to earns no region credit.
            region = region * np.clip(field_fit / INFERRED_FIELD_FIT, 0.0, 1.0)
        return _PairArrays(
            n_required=self._n_required,
            matched_required=self._required.dot(skill_vector),
            n_preferred=self._n_preferred,
            matched_preferred=self._preferred.dot(skill_vector),
            field_fit=field_fit,
            field_known=np.asarray(field_known),
            region_fit=region,
            region_known=region_known_table[self._region_codes] & bool(seeker.desired_region_ids),
            seeker_years=np.asarray(seeker.career_years, dtype=np.float32),
            min_years=self._min_years,
            max_years=self._max_years,
            seeker_education=np.asarray(seeker.education_rank, dtype=np.float32),
            required_education=self._education,
            desired_salary=np.asarray(
                np.nan if seeker.desired_salary_krw_per_year is None else seeker.desired_salary_krw_per_year
            ),
            salary_max=self._salary_max,
            employment_fit=employment_table[self._employment_codes],
            employment_known=np.asarray(bool(seeker.desired_employment_types)),
            cosine=cosine,
            text_known=np.asarray(bool(seeker.text_ngrams)),
            practice=np.asarray(
                np.nan if seeker.practice_score_0_100 is None else seeker.practice_score_0_100
            ),
        )

    def _inferred_field_weights(
        self, seeker: SeekerFeatures, cosine: npt.NDArray[np.float32]
    ) -> dict[str, float]:
        """Likely fields of a seeker who stated none, 0-1 (the likeliest is 1).

        Two kinds of evidence: the fields of the skills and certificates (``skill_fields``), and
        the postings themselves, which carry a field: for each field, the mean of the
        ``_FIELD_TEXT_TOP_K`` best text cosines between the profile and that field's postings.
        Each is scaled to a maximum of 1 and they are averaged (text alone when no skill is known).
        """
        text: dict[str, float] = {}
        for code, field in enumerate(self._field_vocabulary):
            values = cosine[self._field_codes == code]
            if values.size:
                best = np.sort(values)[-_FIELD_TEXT_TOP_K:]
                text[field] = float(best.mean())
        top = max(text.values(), default=0.0)
        text = {f: v / top for f, v in text.items()} if top > 0 else {}
        skills = dict(seeker.skill_fields)
        if not skills:
            return {f: v for f, v in text.items() if v > 0}
        fields = set(text) | set(skills)
        combined = {f: 0.5 * skills.get(f, 0.0) + 0.5 * text.get(f, 0.0) for f in fields}
        top = max(combined.values(), default=0.0)
        return {f: v / top for f, v in combined.items() if v > 0} if top > 0 else {}

    def score_all(
        self, seeker: SeekerFeatures, weights: MatchWeights = DEFAULT_WEIGHTS
    ) -> npt.NDArray[np.float32]:
        """Scores in [0, 1] for every posting, in index order (for evaluation and benchmarks)."""
        scores, known = _component_matrix(len(self), self._pair_arrays(seeker, weights), weights)
        return _totals(scores, known, weights)

    def rank(
        self,
        seeker: SeekerFeatures,
        weights: MatchWeights = DEFAULT_WEIGHTS,
        *,
        limit: int = 10,
        today: dt.date | None = None,
    ) -> tuple[MatchResult, ...]:
        n = len(self)
        arrays = self._pair_arrays(seeker, weights)
        scores, known = _component_matrix(n, arrays, weights)
        totals = _totals(scores, known, weights)
        eligible = self._open.copy()
        if today is not None:
            eligible &= self._deadline >= today.toordinal()
        rows = _top_rows(totals, self._id_rank, eligible, limit)
        return tuple(
            _explain(
                seeker,
                self.postings[r],
                scores[r],
                known[r],
                float(totals[r]),
                float(arrays.cosine[r]),
                weights,
            )
            for r in rows
        )

    def score(
        self, seeker: SeekerFeatures, posting_id: str, weights: MatchWeights = DEFAULT_WEIGHTS
    ) -> MatchResult:
        row = self._row_by_id.get(posting_id)
        if row is None:
            raise DomainError("unknown_posting", posting_id=posting_id)
        arrays = self._pair_arrays(seeker, weights)
        scores, known = _component_matrix(len(self), arrays, weights)
        totals = _totals(scores, known, weights)
        return _explain(
            seeker,
            self.postings[row],
            scores[row],
            known[row],
            float(totals[row]),
            float(arrays.cosine[row]),
            weights,
        )


class SeekerIndex:
    """The mirror of PostingIndex: many seekers, ranked for one posting (employers' recommended talent)."""

    def __init__(self, seekers: Sequence[SeekerFeatures], idf: npt.NDArray[np.float32] | None = None) -> None:
        self.seekers = tuple(seekers)
        documents = [s.text_ngrams for s in self.seekers]
        self.idf = compute_idf(documents) if idf is None else idf
        self._text = build_tfidf_rows(documents, self.idf)
        self._skill_vocabulary: dict[str, int] = {}
        credits = [_seeker_skill_credit(s) for s in self.seekers]
        for credit in credits:
            for skill_id in credit:
                self._skill_vocabulary.setdefault(skill_id, len(self._skill_vocabulary))
        self._skills = _skill_rows([sorted(c.items()) for c in credits], self._skill_vocabulary)
        self._years = np.array([s.career_years for s in self.seekers], dtype=np.float32)
        self._education = np.array([s.education_rank for s in self.seekers], dtype=np.float32)
        self._salary = np.array(
            [
                np.nan if s.desired_salary_krw_per_year is None else s.desired_salary_krw_per_year
                for s in self.seekers
            ],
            dtype=np.float64,
        )
        self._practice = np.array(
            [np.nan if s.practice_score_0_100 is None else s.practice_score_0_100 for s in self.seekers],
            dtype=np.float32,
        )
        self._field_known = np.array(
            [s.states_field or bool(s.skill_fields) for s in self.seekers], dtype=bool
        )
        self._field_inferred = np.array([not s.states_field for s in self.seekers], dtype=bool)
        self._region_known = np.array([bool(s.desired_region_ids) for s in self.seekers], dtype=bool)
        self._employment_known = np.array(
            [bool(s.desired_employment_types) for s in self.seekers], dtype=bool
        )
        self._text_known = np.array([bool(s.text_ngrams) for s in self.seekers], dtype=bool)
        self._discoverable = np.array([s.discoverable for s in self.seekers], dtype=bool)
        self._id_rank = _id_ranks([s.seeker_id for s in self.seekers])

    def __len__(self) -> int:
        return len(self.seekers)

    @classmethod
    def from_profiles(cls, profiles: Sequence[SeekerProfile]) -> SeekerIndex:
        return cls([featurize_seeker(p) for p in profiles])

    def rank(
        self, posting: PostingFeatures, weights: MatchWeights = DEFAULT_WEIGHTS, *, limit: int = 10
    ) -> tuple[MatchResult, ...]:
        """Best discoverable seekers for a posting; hidden profiles are never returned."""
        n = len(self)
        required = np.zeros(max(1, len(self._skill_vocabulary)), dtype=np.float32)
        preferred = np.zeros_like(required)
        for skill_id in posting.required_skill_ids:
            if skill_id in self._skill_vocabulary:
                required[self._skill_vocabulary[skill_id]] = 1.0
        for skill_id in posting.preferred_skill_ids:
            if skill_id in self._skill_vocabulary:
                preferred[self._skill_vocabulary[skill_id]] = 1.0
        cosine = self._text.dot(tfidf_query_vector(posting.text_ngrams, self.idf))
        field_fit = np.array([_field_fit(s, posting.field) for s in self.seekers], dtype=np.float32)
        field_known = self._field_known
        inferred = self._field_inferred
        if not weights.infer_missing_field:
            field_known, inferred = field_known & ~inferred, np.zeros_like(inferred)
        region = np.array(
            [region_fit(s.desired_region_ids, posting.region_id) for s in self.seekers], dtype=np.float32
        )
        # As for postings: for a seeker who stated no field, the region counts only as far as the
        # skills point to this posting's field.
        region = np.where(
            self._field_inferred, region * np.clip(field_fit / INFERRED_FIELD_FIT, 0.0, 1.0), region
        )
        arrays = _PairArrays(
            n_required=np.asarray(len(posting.required_skill_ids), dtype=np.float32),
            matched_required=self._skills.dot(required),
            n_preferred=np.asarray(len(posting.preferred_skill_ids), dtype=np.float32),
            matched_preferred=self._skills.dot(preferred),
            field_fit=field_fit,
            field_known=field_known,
            region_fit=region,
            region_known=self._region_known & bool(posting.region_id),
            seeker_years=self._years,
            min_years=np.asarray(posting.min_career_years, dtype=np.float32),
            max_years=np.asarray(np.inf if posting.max_career_years is None else posting.max_career_years),
            seeker_education=self._education,
            required_education=np.asarray(posting.education_rank, dtype=np.float32),
            desired_salary=self._salary,
            salary_max=np.asarray(
                np.nan if posting.salary_max_krw_per_year is None else posting.salary_max_krw_per_year
            ),
            employment_fit=np.array(
                [_employment_fit(s, posting.employment_type) for s in self.seekers], dtype=np.float32
            ),
            employment_known=self._employment_known,
            cosine=cosine,
            text_known=self._text_known,
            practice=self._practice,
        )
        scores, known = _component_matrix(n, arrays, weights)
        totals = _totals(scores, known, weights)
        rows = _top_rows(totals, self._id_rank, self._discoverable, limit)
        return tuple(
            _explain(
                self.seekers[r], posting, scores[r], known[r], float(totals[r]), float(cosine[r]), weights
            )
            for r in rows
        )


def _encode(values: Sequence[str]) -> tuple[npt.NDArray[np.int64], list[str]]:
    vocabulary: dict[str, int] = {}
    codes = np.array([vocabulary.setdefault(v, len(vocabulary)) for v in values], dtype=np.int64)
    return codes, list(vocabulary)


# A field the aptitude test recommends is weaker evidence than a field the seeker asked for.
APTITUDE_FIELD_FIT = 0.6
# A field inferred from skills and history (no field stated) is weaker still than a stated one.
INFERRED_FIELD_FIT = 0.8
_FIELD_TEXT_TOP_K = 3
# Seekers who asked for another employment type may still accept this one.
OTHER_EMPLOYMENT_TYPE_FIT = 0.3


def _field_fit(seeker: SeekerFeatures, field: str) -> float:
    """Stated fields first; without one, the fields of the seeker's skills (PostingIndex also
    weighs the profile text against each field's postings, see `_inferred_field_weights`)."""
    if not seeker.states_field:
        return INFERRED_FIELD_FIT * dict(seeker.skill_fields).get(field, 0.0)
    if field in seeker.desired_fields:
        return 1.0
    if field in seeker.aptitude_fields:
        return APTITUDE_FIELD_FIT
    return 0.0


def _employment_fit(seeker: SeekerFeatures, employment_type: str) -> float:
    if not seeker.desired_employment_types or employment_type in seeker.desired_employment_types:
        return 1.0
    return OTHER_EMPLOYMENT_TYPE_FIT


# ---------------------------------------------------------------------------
# Explanations


def _skill_names(skill_ids: Sequence[str], language: str) -> str:
    return ", ".join(skill_display_name(s, "ko" if language == "ko" else "en") for s in skill_ids)


def _manwon(krw: float) -> str:
    return f"{round(krw / 10_000):,}만 원"


def _field_name(field: str, language: str) -> str:
    try:
        return field_display_name(field, "ko" if language == "ko" else "en")
    except DomainError:
        return field


def _explain(
    seeker: SeekerFeatures,
    posting: PostingFeatures,
    scores: npt.NDArray[np.float32],
    known: npt.NDArray[np.bool_],
    total: float,
    cosine: float,
    weights: MatchWeights,
) -> MatchResult:
    credit = _seeker_skill_credit(seeker)
    matched_required = tuple(s for s in posting.required_skill_ids if s in credit)
    missing_required = tuple(s for s in posting.required_skill_ids if s not in credit)
    matched_preferred = tuple(s for s in posting.preferred_skill_ids if s in credit)
    w = weights.component_weights() * known
    w_sum = float(w.sum()) or 1.0
    details = _component_details(
        seeker, posting, matched_required, missing_required, matched_preferred, cosine, float(scores[1])
    )
    components = tuple(
        ComponentScore(
            name=name,
            score_0_1=round(float(scores[i]), 4),
            weight_used=round(float(w[i]) / w_sum, 4),
            points_0_100=round(100.0 * float(w[i]) * float(scores[i]) / w_sum, 2),
            detail_ko=details[name][0] if known[i] else "판단할 정보가 없어 점수에서 제외했습니다.",
            detail_en=details[name][1] if known[i] else "Not enough information; left out of the score.",
        )
        for i, name in enumerate(COMPONENTS)
    )
    summary_ko, summary_en = _summary(
        seeker, posting, matched_required, missing_required, matched_preferred, scores, known
    )
    return MatchResult(
        seeker_id=seeker.seeker_id,
        posting_id=posting.posting_id,
        score_0_100=round(100.0 * total, 1),
        components=components,
        matched_required_skills=matched_required,
        matched_preferred_skills=matched_preferred,
        missing_required_skills=missing_required,
        summary_ko=summary_ko,
        summary_en=summary_en,
    )


def _component_details(
    seeker: SeekerFeatures,
    posting: PostingFeatures,
    matched_required: tuple[str, ...],
    missing_required: tuple[str, ...],
    matched_preferred: tuple[str, ...],
    cosine: float,
    field_score: float,
) -> dict[str, tuple[str, str]]:
    n_req, n_pref = len(posting.required_skill_ids), len(posting.preferred_skill_ids)
    skills_ko = f"필수 기술 {n_req}개 중 {len(matched_required)}개, 우대 기술 {n_pref}개 중 {len(matched_preferred)}개 보유"
    skills_en = f"Has {len(matched_required)} of {n_req} required and {len(matched_preferred)} of {n_pref} preferred skills"
    if missing_required:
        skills_ko += f" (부족: {_skill_names(missing_required, 'ko')})"
        skills_en += f" (missing: {_skill_names(missing_required, 'en')})"
    field_fit = _field_fit(seeker, posting.field)
    field_ko_name, field_en_name = _field_name(posting.field, "ko"), _field_name(posting.field, "en")
    if not seeker.states_field:
        field = (
            (
                f"경력·기술로 추정한 분야({field_ko_name})",
                f"A field inferred from skills and history ({field_en_name})",
            )
            if field_score > 0
            else (
                f"경력·기술과 다른 분야({field_ko_name})",
                f"Not a field the skills and history point to ({field_en_name})",
            )
        )
    elif field_fit == 1.0:
        field = (f"희망 분야({field_ko_name})와 일치", f"Matches the desired field ({field_en_name})")
    elif field_fit > 0:
        field = (
            f"적성검사 추천 분야({field_ko_name})",
            f"A field recommended by the aptitude test ({field_en_name})",
        )
    else:
        field = (f"희망 분야가 아님({field_ko_name})", f"Not a desired field ({field_en_name})")
    region_ko, region_en = (
        region_display_name(posting.region_id, "ko"),
        region_display_name(posting.region_id, "en"),
    )
    fit = region_fit(seeker.desired_region_ids, posting.region_id)
    if fit == 1.0:
        region = (f"근무지 {region_ko}: 희망 지역과 맞음", f"Location {region_en} fits the desired regions")
    elif fit > 0:
        region = (
            f"근무지 {region_ko}: 희망 지역과 같은 생활권",
            f"Location {region_en} is in the same area as a desired region",
        )
    else:
        region = (f"근무지 {region_ko}: 희망 지역 밖", f"Location {region_en} is outside the desired regions")
    high = "" if posting.max_career_years is None else f"~{posting.max_career_years:g}"
    career = (
        f"요구 경력 {posting.min_career_years:g}{high}년, 보유 경력 {seeker.career_years:g}년",
        f"Asks for {posting.min_career_years:g}{high} years; has {seeker.career_years:g}",
    )
    required_edu = _EDUCATION_NAMES[EDUCATION_LEVELS[posting.education_rank]]
    seeker_edu = _EDUCATION_NAMES[SEEKER_EDUCATION_LEVELS[seeker.education_rank + 1]]  # -1: not given
    education = (
        f"요구 학력 {required_edu[0]}, 보유 학력 {seeker_edu[0]}",
        f"Requires {required_edu[1]}; has {seeker_edu[1]}",
    )
    if seeker.desired_salary_krw_per_year is not None and posting.salary_max_krw_per_year is not None:
        salary = (
            f"희망 연봉 {_manwon(seeker.desired_salary_krw_per_year)}, 공고 최대 {_manwon(posting.salary_max_krw_per_year)}",
            f"Wants KRW {seeker.desired_salary_krw_per_year:,}/year; posting pays up to "
            f"KRW {posting.salary_max_krw_per_year:,}",
        )
    else:
        salary = ("", "")
    employment_ko, employment_en = _EMPLOYMENT_NAMES[posting.employment_type]
    if _employment_fit(seeker, posting.employment_type) == 1.0:
        employment = (
            f"고용 형태({employment_ko}) 희망과 일치",
            f"Employment type ({employment_en}) as desired",
        )
    else:
        employment = (
            f"고용 형태({employment_ko})가 희망과 다름",
            f"Employment type ({employment_en}) differs from the wish",
        )
    text = (
        f"이력·자기소개서와 공고 내용의 유사도 {cosine:.2f}",
        f"Profile-posting text similarity {cosine:.2f}",
    )
    practice = (
        (
            f"면접 연습 점수 {seeker.practice_score_0_100:.0f}점 (본인 동의)",
            f"Practice score {seeker.practice_score_0_100:.0f} (shared with consent)",
        )
        if seeker.practice_score_0_100 is not None
        else ("", "")
    )
    return {
        "skills": (skills_ko, skills_en),
        "field": field,
        "text": text,
        "region": region,
        "career": career,
        "education": education,
        "salary": salary,
        "employment_type": employment,
        "practice": practice,
    }


def _summary(
    seeker: SeekerFeatures,
    posting: PostingFeatures,
    matched_required: tuple[str, ...],
    missing_required: tuple[str, ...],
    matched_preferred: tuple[str, ...],
    scores: npt.NDArray[np.float32],
    known: npt.NDArray[np.bool_],
) -> tuple[str, str]:
    ko: list[str] = []
    en: list[str] = []
    matched = matched_required + matched_preferred
    if matched:
        ko.append(f"보유 기술 일치: {_skill_names(matched, 'ko')}")
        en.append(f"Matching skills: {_skill_names(matched, 'en')}")
    if missing_required:
        ko.append(f"부족한 필수 기술: {_skill_names(missing_required, 'ko')}")
        en.append(f"Missing required skills: {_skill_names(missing_required, 'en')}")
    index = {name: i for i, name in enumerate(COMPONENTS)}
    if known[index["field"]] and scores[index["field"]] >= 1.0:
        ko.append("희망 분야 일치")
        en.append("desired field")
    if known[index["region"]]:
        if scores[index["region"]] >= 1.0:
            ko.append("희망 지역 근무")
            en.append("desired region")
        elif scores[index["region"]] == 0:
            ko.append("희망 지역 밖")
            en.append("outside desired regions")
    career_score = scores[index["career"]]
    if career_score >= 1.0:
        ko.append("경력 조건 충족")
        en.append("meets the career requirement")
    elif seeker.career_years < posting.min_career_years:
        ko.append(f"요구 경력보다 {posting.min_career_years - seeker.career_years:g}년 부족")
        en.append(f"{posting.min_career_years - seeker.career_years:g} years short of the required career")
    if known[index["salary"]] and scores[index["salary"]] < 1.0:
        ko.append("희망 연봉이 공고 급여보다 높음")
        en.append("desired salary above the posting's range")
    if known[index["practice"]]:
        ko.append("면접 연습 점수 반영(동의함)")
        en.append("practice score included (consented)")
    english = "; ".join(en)
    return " · ".join(ko), english[:1].upper() + english[1:]


def score_match(
    seeker: SeekerProfile, posting: JobPosting, weights: MatchWeights = DEFAULT_WEIGHTS
) -> MatchResult:
    """Score one seeker-posting pair. Text IDF here comes from this one posting; rankings use the corpus IDF."""
    index = PostingIndex([featurize_posting(posting)])
    return index.score(featurize_seeker(seeker), posting.posting_id, weights)


def rank_postings_for_seeker(
    seeker: SeekerProfile,
    postings: Sequence[JobPosting] | PostingIndex,
    weights: MatchWeights = DEFAULT_WEIGHTS,
    limit: int = 10,
    *,
    today: dt.date | None = None,
) -> tuple[MatchResult, ...]:
    """Recommended postings for a seeker, best first, ties by posting id; closed or expired postings are skipped."""
    index = postings if isinstance(postings, PostingIndex) else PostingIndex.from_postings(postings)
    return index.rank(featurize_seeker(seeker), weights, limit=limit, today=today)


def rank_seekers_for_posting(
    posting: JobPosting,
    seekers: Sequence[SeekerProfile] | SeekerIndex,
    weights: MatchWeights = DEFAULT_WEIGHTS,
    limit: int = 10,
) -> tuple[MatchResult, ...]:
    """Recommended talent for a posting, best first, ties by seeker id; only discoverable profiles."""
    index = seekers if isinstance(seekers, SeekerIndex) else SeekerIndex.from_profiles(seekers)
    return index.rank(featurize_posting(posting), weights, limit=limit)
