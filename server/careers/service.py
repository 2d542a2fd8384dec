"""Companies, postings, seeker profiles, matching, applications and invitations (the DB side of step 7).

Object rules live here, on top of the role table in server/accounts/access.py:
- an employer touches only postings of their own company (another company's looks like 404);
- a seeker's profile is theirs alone; employers see it only when it is discoverable, or when
  the seeker applied to one of the employer's postings (applying shares the profile with them);
- hidden profiles never appear in recommended talent, talent search or invitations.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from server.core.db import get_or_404, utcnow
from server.core.errors import Conflict, InvalidInput, NotFound
from server.core.limits import Id
from server.core.safe_urls import WebUrl
from server.domain.errors import DomainError
from server.domain.matching import (
    UNSPECIFIED_EDUCATION,
    MatchResult,
    PostingFeatures,
    PostingIndex,
    SeekerIndex,
    SeekerProfile,
    featurize_posting,
    featurize_seeker,
)
from server.domain.matching import JobPosting as DomainPosting
from server.domain.money import parse_krw_amount
from server.domain.questions import JOB_FIELDS
from server.domain.regions import normalize_region
from server.domain.search import posting_search_terms, query_terms
from server.domain.skills import find_skills_in_text, normalize_skill
from server.domain.text import content_words
from server.models import (
    CareersActivity,
    Company,
    CompanyProfile,
    JobApplication,
    JobInvitation,
    JobPostingRow,
    PracticeAnswer,
    PracticeSession,
    Role,
    SeekerProfileRow,
    User,
)
from server.models.careers import Hire, PostingIndexVersion
from server.notifications.service import notify

log = logging.getLogger("untact.careers")

COMPANY_SIZES = ("micro", "small", "medium", "large")
# Up to this many open postings the ranking index is rebuilt inside the request that notices a
# change (well under a second); above it, in the background while the old index serves.
SYNC_REBUILD_MAX_POSTINGS = 20_000
MAX_LIST_ITEMS = 30


def _clean_list(values: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        text = value.strip()
        if text:
            seen.setdefault(text[:100], None)
    return list(seen)[:MAX_LIST_ITEMS]


def _check_fields(values: list[str]) -> list[str]:
    for value in values:
        if value not in JOB_FIELDS:
            raise InvalidInput("unknown_field", field=value)
    return values


def today_kst() -> dt.date:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=9)).date()


# --------------------------------------------------------------------------- companies


class CompanyProfileIn(BaseModel):
    industry: str = Field(default="", max_length=100)
    size: str = Field(default="", max_length=16)
    region: str = Field(default="", max_length=100)
    description: str = Field(default="", max_length=5000)
    benefits: str = Field(default="", max_length=3000)
    website: WebUrl = ""


class PromisingIn(BaseModel):
    promising: bool
    writeup: str = Field(default="", max_length=3000)


def employer_company(db: Session, user: User) -> Company:
    company = db.get(Company, user.company_id) if user.company_id else None
    if company is None:
        raise NotFound("company_not_found")
    return company


def company_profile(db: Session, company_id: int) -> CompanyProfile:
    """The profile row, created empty on first use so every company has one."""
    if db.get(Company, company_id) is None:
        raise NotFound("company_not_found")
    profile = db.get(CompanyProfile, company_id)
    if profile is None:
        profile = CompanyProfile(company_id=company_id)
        db.add(profile)
        db.flush()
    return profile


def update_company_profile(db: Session, user: User, data: CompanyProfileIn) -> CompanyProfile:
    company = employer_company(db, user)
    if data.size and data.size not in COMPANY_SIZES:
        raise InvalidInput("unknown_company_size")
    profile = company_profile(db, company.id)
    for name, value in data.model_dump().items():
        setattr(profile, name, value.strip())
    profile.region_id = normalize_region(data.region)
    profile.updated_at = utcnow()
    return profile


def set_promising(db: Session, company_id: int, data: PromisingIn) -> CompanyProfile:
    profile = company_profile(db, company_id)
    if data.promising and not data.writeup.strip():
        raise InvalidInput("promising_writeup_required")
    if data.promising and not profile.promising:
        profile.promising_since = utcnow()
    profile.promising = data.promising
    profile.promising_writeup = data.writeup.strip() if data.promising else ""
    if not data.promising:
        profile.promising_since = None
    return profile


def company_public(db: Session, company: Company) -> dict[str, Any]:
    profile = company_profile(db, company.id)
    open_count = db.scalar(
        select(func.count(JobPostingRow.id)).where(
            JobPostingRow.company_id == company.id, JobPostingRow.status == "open"
        )
    )
    return {
        "id": company.id,
        "name": company.name,
        "industry": profile.industry,
        "size": profile.size,
        "region": profile.region,
        "description": profile.description,
        "benefits": profile.benefits,
        "website": profile.website,
        "promising": profile.promising,
        "promising_writeup": profile.promising_writeup,
        "open_postings": int(open_count or 0),
    }


def list_companies(db: Session, *, promising_only: bool = False) -> list[dict[str, Any]]:
    query = select(Company).order_by(Company.id)
    companies = db.scalars(query).all()
    rows = [company_public(db, c) for c in companies]
    if promising_only:
        rows = [r for r in rows if r["promising"]]
    rows.sort(key=lambda r: (not r["promising"], r["name"]))
    return rows


# --------------------------------------------------------------------------- postings


def _krw_amount(value: object) -> int | None:
    try:
        return parse_krw_amount(value)  # type: ignore[arg-type]
    except DomainError as exc:
        raise PydanticCustomError("invalid_money", "the amount could not be read") from exc


# A salary as the API sends it (won) or as a person types it in a form ("3,600", "3600만원").
KrwAmount = Annotated[int | None, BeforeValidator(_krw_amount)]


class PostingIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    field: str
    duties: str = Field(default="", max_length=10_000)
    required_skills: list[str] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    preferred_skills: list[str] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    career_level: str = "any"
    min_career_years: float = Field(default=0.0, ge=0, le=50)
    max_career_years: float | None = Field(default=None, ge=0, le=50)
    education: str = "none"
    employment_type: str = "full_time"
    region: str = Field(default="", max_length=100)
    salary_min_krw: KrwAmount = None
    salary_max_krw: KrwAmount = None
    deadline: dt.date | None = None
    openings: int = Field(default=1, ge=0, le=10_000)
    status: str = Field(default="open", pattern="^(open|closed)$")

    @field_validator("required_skills", "preferred_skills")
    @classmethod
    def _skills(cls, value: list[str]) -> list[str]:
        return _clean_list(value)


def posting_to_domain(row: JobPostingRow) -> DomainPosting:
    return DomainPosting(
        posting_id=str(row.id),
        title=row.title,
        field=row.field,
        duties=row.duties,
        required_skills=tuple(row.required_skills),
        preferred_skills=tuple(row.preferred_skills),
        career_level=row.career_level,
        min_career_years=row.min_career_years,
        max_career_years=row.max_career_years,
        education=row.education,
        employment_type=row.employment_type,
        region=row.region,
        salary_min_krw_per_year=row.salary_min_krw,
        salary_max_krw_per_year=row.salary_max_krw,
        deadline=row.deadline,
        openings=row.openings,
    )


def stored_features(features: dict[str, Any], text_ngrams: bytes) -> PostingFeatures:
    return PostingFeatures.from_dict({**features, "text_ngrams": bytes(text_ngrams)})


def bump_index_version(db: Session) -> None:
    """Tell every process's PostingIndexCache that postings changed (same transaction as the write)."""
    db.execute(
        update(PostingIndexVersion)
        .where(PostingIndexVersion.id == 1)
        .values(version=PostingIndexVersion.version + 1)
    )


def stored_posting_columns(domain: DomainPosting) -> dict[str, Any]:
    """The derived columns of a posting row: features (JSON), text n-grams, search terms, region id.

    Also used by migration 0405 to re-featurise stored postings when the tokeniser changes."""
    features = featurize_posting(domain).to_dict()
    ngrams = features.pop("text_ngrams")
    return {
        "features": features,
        "text_ngrams": ngrams,
        "search_terms": " " + " ".join(posting_search_terms(domain)) + " ",
        "region_id": features["region_id"],
    }


def _refresh_features(row: JobPostingRow) -> None:
    """Featurise once on write (about 1 ms) so ranking only loads stored numbers."""
    for name, value in stored_posting_columns(posting_to_domain(row)).items():
        setattr(row, name, value)
    row.updated_at = utcnow()


def _apply_posting(row: JobPostingRow, data: PostingIn) -> None:
    _check_fields([data.field])
    if data.max_career_years is not None and data.max_career_years < data.min_career_years:
        raise InvalidInput("invalid_career_range")
    for name, value in data.model_dump().items():
        setattr(row, name, value.strip() if isinstance(value, str) else value)


def create_posting(db: Session, user: User, data: PostingIn) -> JobPostingRow:
    return add_posting(db, employer_company(db, user).id, user.id, data)


def add_posting(
    db: Session, company_id: int, created_by: int, data: PostingIn, *, status: str | None = None
) -> JobPostingRow:
    """A posting of this company; `status="draft"` keeps it off /jobs and matching (a
    consultant's posting for a company that has not claimed it yet)."""
    row = JobPostingRow(company_id=company_id, created_by=created_by)
    _apply_posting(row, data)
    if status is not None:
        row.status = status
    # Validate before writing anything (a DomainError here leaves no half-made row).
    featurize_posting(posting_to_domain(row))
    db.add(row)
    db.flush()
    _refresh_features(row)
    bump_index_version(db)
    db.flush()
    return row


def owned_posting(db: Session, user: User, posting_id: int) -> JobPostingRow:
    row = db.get(JobPostingRow, posting_id)
    if row is None or user.company_id is None or row.company_id != user.company_id:
        raise NotFound("posting_not_found")
    return row


def visible_posting(db: Session, posting_id: int, viewer: User | None = None) -> JobPostingRow:
    """A posting anyone may look at; a draft only to its own company's people."""
    row = db.get(JobPostingRow, posting_id)
    if row is None or (row.status == "draft" and (viewer is None or viewer.company_id != row.company_id)):
        raise NotFound("posting_not_found")
    return row


def update_posting(db: Session, user: User, posting_id: int, data: PostingIn) -> JobPostingRow:
    row = owned_posting(db, user, posting_id)
    _apply_posting(row, data)
    _refresh_features(row)  # raises DomainError before commit on bad input; the route rolls back
    bump_index_version(db)
    return row


def delete_posting(db: Session, user: User, posting_id: int) -> None:
    row = owned_posting(db, user, posting_id)
    db.delete(row)
    bump_index_version(db)


def posting_public(row: JobPostingRow, company_name: str = "") -> dict[str, Any]:
    return {
        "id": row.id,
        "company_id": row.company_id,
        "company_name": company_name,
        "title": row.title,
        "field": row.field,
        "duties": row.duties,
        "required_skills": row.required_skills,
        "preferred_skills": row.preferred_skills,
        "career_level": row.career_level,
        "min_career_years": row.min_career_years,
        "max_career_years": row.max_career_years,
        "education": row.education,
        "employment_type": row.employment_type,
        "region": row.region,
        "region_id": row.region_id,
        "salary_min_krw": row.salary_min_krw,
        "salary_max_krw": row.salary_max_krw,
        "deadline": row.deadline.isoformat() if row.deadline else None,
        "openings": row.openings,
        "status": row.status,
        "skill_ids": {
            "required": row.features.get("required_skill_ids", []),
            "preferred": row.features.get("preferred_skill_ids", []),
        },
    }


@dataclass(frozen=True)
class PostingFilter:
    q: str = ""
    field: str = ""
    region: str = ""
    min_salary_krw: int | None = None
    career: str = ""  # entry | experienced | any
    company_id: Id | None = None
    include_closed: bool = False


def _filtered(query: Any, f: PostingFilter, today: dt.date) -> Any:
    if not f.include_closed:
        query = query.where(JobPostingRow.status == "open").where(
            or_(JobPostingRow.deadline.is_(None), JobPostingRow.deadline >= today)
        )
    if f.field:
        query = query.where(JobPostingRow.field == f.field)
    if f.region:
        region_id = normalize_region(f.region)
        query = query.where(JobPostingRow.region_id == region_id)
    if f.min_salary_krw is not None:
        # A posting whose range reaches the wanted salary (or that does not state one).
        query = query.where(
            or_(JobPostingRow.salary_max_krw.is_(None), JobPostingRow.salary_max_krw >= f.min_salary_krw)
        )
    if f.career in ("entry", "experienced"):
        query = query.where(JobPostingRow.career_level.in_((f.career, "any")))
    if f.company_id is not None:
        query = query.where(JobPostingRow.company_id == f.company_id)
    for term in query_terms(f.q)[:8]:
        query = query.where(JobPostingRow.search_terms.contains(f" {term} "))
    return query


def search_postings(
    db: Session, f: PostingFilter, *, limit: int = 50, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    today = today_kst()
    base = _filtered(select(JobPostingRow, Company.name).join(Company), f, today)
    total = db.scalar(_filtered(select(func.count(JobPostingRow.id)), f, today)) or 0
    rows = db.execute(
        base.order_by(JobPostingRow.updated_at.desc(), JobPostingRow.id.desc()).limit(limit).offset(offset)
    ).all()
    return [posting_public(row, name) for row, name in rows], int(total)


# --------------------------------------------------------------------------- the posting index cache


class PostingIndexCache:
    """The `PostingIndex` of all open postings, rebuilt when a posting changes.

    Lives on `app.state` (no module globals). Each request reads the version counter that
    every posting write bumps in its own transaction (a primary-key read; several server
    processes stay in step through the database); only a change reloads the stored features
    (no featurising) and rebuilds the column arrays.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[Any, ...] | None = None
        self._index: PostingIndex | None = None
        self._rebuilding = False

    @staticmethod
    def fingerprint(db: Session) -> tuple[Any, ...]:
        """The posting-index version: a primary-key read, bumped by every posting write."""
        return (db.scalar(select(PostingIndexVersion.version).where(PostingIndexVersion.id == 1)),)

    @staticmethod
    def load(db: Session) -> PostingIndex:
        rows = db.execute(
            select(JobPostingRow.features, JobPostingRow.text_ngrams).where(JobPostingRow.status == "open")
        ).all()
        return PostingIndex([stored_features(features, ngrams) for features, ngrams in rows])

    def get(self, db: Session) -> PostingIndex:
        """The current index. A small catalogue is rebuilt at once, so a new posting shows up in
        the very next request; past `SYNC_REBUILD_MAX_POSTINGS` the previous index keeps serving
        while one background thread rebuilds (seconds at 100,000 postings)."""
        key = self.fingerprint(db)
        with self._lock:
            index = self._index
            if index is not None and key == self._key:
                return index
            if index is not None and len(index) > SYNC_REBUILD_MAX_POSTINGS:
                if not self._rebuilding:
                    self._rebuilding = True
                    threading.Thread(
                        target=self._rebuild_in_background,
                        args=(db.get_bind(),),
                        name="posting-index",
                        daemon=True,
                    ).start()
                return index
        fresh = self.load(db)
        with self._lock:
            self._index, self._key = fresh, key
        return fresh

    def _rebuild_in_background(self, bind: Any) -> None:
        try:
            with Session(bind=bind) as db:
                key = self.fingerprint(db)
                fresh = self.load(db)
            with self._lock:
                self._index, self._key = fresh, key
        except Exception:
            log.exception("posting index rebuild failed; the previous index keeps serving")
        finally:
            with self._lock:
                self._rebuilding = False


# --------------------------------------------------------------------------- seeker profiles


class SeekerProfileIn(BaseModel):
    headline: str = Field(default="", max_length=200)
    desired_fields: list[str] = Field(default_factory=list, max_length=6)
    desired_regions: list[str] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    desired_salary_krw: KrwAmount = None
    desired_employment_types: list[str] = Field(default_factory=list, max_length=5)
    career_years: float = Field(default=0.0, ge=0, le=60)
    education: str = UNSPECIFIED_EDUCATION
    skills: list[str] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    certificates: list[str] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    career_history: str = Field(default="", max_length=10_000)
    cover_letter: str = Field(default="", max_length=20_000)
    discoverable: bool = False
    practice_score_consent: bool = False

    @field_validator(
        "desired_regions", "skills", "certificates", "desired_fields", "desired_employment_types"
    )
    @classmethod
    def _lists(cls, value: list[str]) -> list[str]:
        return _clean_list(value)


def get_profile(db: Session, user: User) -> SeekerProfileRow:
    profile = db.get(SeekerProfileRow, user.id)
    if profile is None:
        profile = SeekerProfileRow(user_id=user.id)
        db.add(profile)
        db.flush()
    return profile


def profile_search_terms(headline: str, career_history: str, skills: list[str], certificates: list[str]) -> str:
    """" term term " for talent search: canonical skill terms, then the noun lemmas of the text."""
    text = "\n".join([headline, career_history, *skills, *certificates])
    skill_ids = {normalize_skill(s) for s in [*skills, *certificates] if s.strip()}
    skill_ids.update(find_skills_in_text(text))
    terms = [f"skill:{s}" for s in sorted(skill_ids)] + list(dict.fromkeys(content_words(text)))
    return " " + " ".join(terms) + " "


def _profile_search_terms(profile: SeekerProfileRow) -> str:
    return profile_search_terms(profile.headline, profile.career_history, profile.skills, profile.certificates)


def save_profile(db: Session, user: User, data: SeekerProfileIn) -> SeekerProfileRow:
    _check_fields(data.desired_fields)
    profile = get_profile(db, user)
    for name, value in data.model_dump().items():
        setattr(profile, name, value.strip() if isinstance(value, str) else value)
    # Validates education and employment types (DomainError -> 422) before the commit.
    featurize_seeker(seeker_domain_profile(db, profile))
    profile.search_terms = _profile_search_terms(profile)
    profile.updated_at = utcnow()
    return profile


def practice_average(db: Session, seeker_id: int) -> float | None:
    """Mean overall score of the seeker's analysed practice answers (read only; used with consent)."""
    value = db.scalar(
        select(func.avg(PracticeAnswer.overall_score))
        .join(PracticeSession, PracticeAnswer.session_id == PracticeSession.id)
        .where(PracticeSession.seeker_id == seeker_id, PracticeAnswer.overall_score.is_not(None))
    )
    return None if value is None else round(float(value), 1)


def seeker_domain_profile(db: Session, profile: SeekerProfileRow) -> SeekerProfile:
    consent = profile.practice_score_consent
    return SeekerProfile(
        seeker_id=str(profile.user_id),
        desired_fields=tuple(profile.desired_fields),
        aptitude_fields=tuple(profile.aptitude_fields),
        desired_regions=tuple(profile.desired_regions),
        desired_salary_krw_per_year=profile.desired_salary_krw,
        desired_employment_types=tuple(profile.desired_employment_types),
        career_years=profile.career_years,
        education=profile.education,
        skills=tuple(profile.skills),
        certificates=tuple(profile.certificates),
        career_history_text=profile.career_history,
        cover_letter_text=profile.cover_letter,
        # Without consent the practice scores are not read at all.
        practice_score_0_100=practice_average(db, profile.user_id) if consent else None,
        practice_score_consent=consent,
        discoverable=profile.discoverable,
    )


def profile_public(profile: SeekerProfileRow, user: User | None = None) -> dict[str, Any]:
    data = {
        name: getattr(profile, name)
        for name in (
            "headline",
            "desired_fields",
            "aptitude_fields",
            "desired_regions",
            "desired_salary_krw",
            "desired_employment_types",
            "career_years",
            "education",
            "skills",
            "certificates",
            "career_history",
            "cover_letter",
            "discoverable",
            "practice_score_consent",
        )
    }
    data["seeker_id"] = profile.user_id
    if user is not None:
        data["display_name"] = user.display_name
    return data


# --------------------------------------------------------------------------- matching


def match_public(result: MatchResult, locale: str) -> dict[str, Any]:
    en = locale == "en"
    return {
        "score": result.score_0_100,
        "summary": result.summary_en if en else result.summary_ko,
        "matched_required_skills": list(result.matched_required_skills),
        "matched_preferred_skills": list(result.matched_preferred_skills),
        "missing_required_skills": list(result.missing_required_skills),
        "components": [
            {
                "name": c.name,
                "score": c.score_0_1,
                "weight": c.weight_used,
                "points": c.points_0_100,
                "detail": c.detail_en if en else c.detail_ko,
            }
            for c in result.components
        ],
    }


def record_activity(db: Session, seeker_id: int, kind: str) -> None:
    db.add(CareersActivity(seeker_id=seeker_id, kind=kind))


def recommend_postings(
    db: Session, cache: PostingIndexCache, user: User, *, limit: int = 10, record_view: bool = True
) -> list[tuple[MatchResult, JobPostingRow, str]]:
    profile = get_profile(db, user)
    index = cache.get(db)
    if len(index) == 0:
        return []
    results = index.rank(featurize_seeker(seeker_domain_profile(db, profile)), limit=limit, today=today_kst())
    ids = [int(r.posting_id) for r in results]
    rows = {
        row.id: (row, name)
        for row, name in db.execute(
            select(JobPostingRow, Company.name).join(Company).where(JobPostingRow.id.in_(ids))
        ).all()
    }
    if record_view:
        record_activity(db, user.id, "recommendations_viewed")
    return [(r, *rows[int(r.posting_id)]) for r in results if int(r.posting_id) in rows]


def match_for_posting(
    db: Session, cache: PostingIndexCache, user: User, row: JobPostingRow
) -> MatchResult | None:
    """The seeker's score for one posting, with the corpus IDF (as in the recommendations)."""
    if row.status != "open":
        return None
    index = cache.get(db)
    seeker = featurize_seeker(seeker_domain_profile(db, get_profile(db, user)))
    try:
        return index.score(seeker, str(row.id))
    except DomainError:
        return None


def _discoverable_profiles(db: Session) -> list[tuple[SeekerProfileRow, User]]:
    return [
        (p, u)
        for p, u in db.execute(
            select(SeekerProfileRow, User)
            .join(User, User.id == SeekerProfileRow.user_id)
            .where(
                SeekerProfileRow.discoverable.is_(True), User.is_active.is_(True), User.role == Role.SEEKER
            )
        ).all()
    ]


def recommend_talent(
    db: Session, user: User, posting_id: int, *, limit: int = 10
) -> list[tuple[MatchResult, SeekerProfileRow, User]]:
    """Best discoverable seekers for one of the employer's own postings."""
    row = owned_posting(db, user, posting_id)
    pairs = _discoverable_profiles(db)
    if not pairs:
        return []
    by_id = {str(p.user_id): (p, u) for p, u in pairs}
    index = SeekerIndex([featurize_seeker(seeker_domain_profile(db, p)) for p, _ in pairs])
    posting = stored_features(row.features, row.text_ngrams)
    results = index.rank(posting, limit=limit)
    return [(r, *by_id[r.seeker_id]) for r in results]


def search_talent(
    db: Session, q: str, field: str = "", region: str = ""
) -> list[tuple[SeekerProfileRow, User]]:
    """Keyword search over discoverable profiles only."""
    query = (
        select(SeekerProfileRow, User)
        .join(User, User.id == SeekerProfileRow.user_id)
        .where(SeekerProfileRow.discoverable.is_(True), User.is_active.is_(True), User.role == Role.SEEKER)
    )
    for term in query_terms(q)[:8]:
        query = query.where(SeekerProfileRow.search_terms.contains(f" {term} "))
    pairs = [
        (p, u) for p, u in db.execute(query.order_by(SeekerProfileRow.updated_at.desc()).limit(200)).all()
    ]
    if field:
        pairs = [(p, u) for p, u in pairs if field in p.desired_fields or field in p.aptitude_fields]
    if region:
        wanted = normalize_region(region)
        pairs = [(p, u) for p, u in pairs if wanted in {normalize_region(r) for r in p.desired_regions}]
    return pairs[:50]


# --------------------------------------------------------------------------- applications and invitations


def apply_to_posting(
    db: Session, cache: PostingIndexCache, user: User, posting_id: int, message: str = ""
) -> JobApplication:
    row = visible_posting(db, posting_id)
    if row.status != "open" or (row.deadline is not None and row.deadline < today_kst()):
        raise Conflict("posting_closed")
    existing = db.scalar(
        select(JobApplication).where(JobApplication.posting_id == row.id, JobApplication.seeker_id == user.id)
    )
    if existing is not None:
        raise Conflict("already_applied")
    match = match_for_posting(db, cache, user, row)
    invitation = db.scalar(
        select(JobInvitation).where(JobInvitation.posting_id == row.id, JobInvitation.seeker_id == user.id)
    )
    application = JobApplication(
        posting_id=row.id,
        seeker_id=user.id,
        message=message.strip(),
        match_score=match.score_0_100 if match else None,
        invited=invitation is not None,
    )
    if invitation is not None:
        invitation.status = "applied"
    db.add(application)
    db.flush()
    return application


def my_applications(db: Session, user: User) -> list[tuple[JobApplication, JobPostingRow, str]]:
    return [
        (a, p, name)
        for a, p, name in db.execute(
            select(JobApplication, JobPostingRow, Company.name)
            .join(JobPostingRow, JobPostingRow.id == JobApplication.posting_id)
            .join(Company, Company.id == JobPostingRow.company_id)
            .where(JobApplication.seeker_id == user.id)
            .order_by(JobApplication.id.desc())
        ).all()
    ]


def my_invitations(db: Session, user: User) -> list[tuple[JobInvitation, JobPostingRow, str]]:
    return [
        (i, p, name)
        for i, p, name in db.execute(
            select(JobInvitation, JobPostingRow, Company.name)
            .join(JobPostingRow, JobPostingRow.id == JobInvitation.posting_id)
            .join(Company, Company.id == JobPostingRow.company_id)
            .where(JobInvitation.seeker_id == user.id)
            .order_by(JobInvitation.id.desc())
        ).all()
    ]


def posting_applicants(
    db: Session, user: User, posting_id: int
) -> list[tuple[JobApplication, SeekerProfileRow | None, User]]:
    row = owned_posting(db, user, posting_id)
    return [
        (a, p, u)
        for a, u, p in db.execute(
            select(JobApplication, User, SeekerProfileRow)
            .join(User, User.id == JobApplication.seeker_id)
            .outerjoin(SeekerProfileRow, SeekerProfileRow.user_id == User.id)
            .where(JobApplication.posting_id == row.id)
            .order_by(JobApplication.match_score.desc(), JobApplication.id)
        ).all()
    ]


def seekers_reporting_hire(db: Session, posting_id: int) -> set[int]:
    """Seekers who reported being hired through this posting (their claim, not the status)."""
    return set(db.scalars(select(Hire.seeker_id).where(Hire.posting_id == posting_id)).all())


APPLICATION_STATUSES = ("applied", "reviewing", "interview", "rejected", "hired")


def set_application_status(db: Session, user: User, application_id: int, status: str) -> JobApplication:
    application = get_or_404(db, JobApplication, application_id, "application_not_found")
    owned_posting(db, user, application.posting_id)  # 404 unless it is the employer's posting
    if status not in APPLICATION_STATUSES:
        raise InvalidInput("unknown_status")
    application.status = status
    return application


def invite_seeker(
    db: Session, user: User, posting_id: int, seeker_id: int, message: str = ""
) -> JobInvitation:
    row = owned_posting(db, user, posting_id)
    profile = db.get(SeekerProfileRow, seeker_id)
    if profile is None or not profile.discoverable:
        raise NotFound("seeker_not_found")  # hidden profiles cannot be invited (or even confirmed to exist)
    existing = db.scalar(
        select(JobInvitation).where(JobInvitation.posting_id == row.id, JobInvitation.seeker_id == seeker_id)
    )
    if existing is not None:
        raise Conflict("already_invited")
    invitation = JobInvitation(
        posting_id=row.id, seeker_id=seeker_id, employer_id=user.id, message=message.strip()
    )
    db.add(invitation)
    db.flush()
    company = db.get(Company, row.company_id)
    notify(
        db, seeker_id, "job_invitation", link=f"/jobs/{row.id}",
        company=company.name if company else "", posting=row.title, message=invitation.message,
    )
    return invitation


def employer_postings(db: Session, user: User) -> list[tuple[JobPostingRow, int]]:
    company = employer_company(db, user)
    counts = dict(
        db.execute(
            select(JobApplication.posting_id, func.count(JobApplication.id))
            .join(JobPostingRow, JobPostingRow.id == JobApplication.posting_id)
            .where(JobPostingRow.company_id == company.id)
            .group_by(JobApplication.posting_id)
        ).all()
    )
    rows = db.scalars(
        select(JobPostingRow).where(JobPostingRow.company_id == company.id).order_by(JobPostingRow.id.desc())
    ).all()
    return [(r, int(counts.get(r.id, 0))) for r in rows]
