"""Pages for jobs, companies, postings, talent, and the seeker's profile, recommendations and
applications. Forms post JSON to server/careers/api.py through web/static/js/careers_forms.js (CSRF
header), so pages and API share one code path."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from server.accounts.access import CurrentUser, require_user
from server.careers import pipeline as pl
from server.careers import service as ms
from server.careers.views import (
    form_choices,
    html_errors,
    index_cache,
    locale_of,
    page,
)
from server.companies import service as cs
from server.core.audit import audit_request
from server.core.db import get_or_404
from server.core.deps import DbSession
from server.core.errors import AppError
from server.core.limits import Id
from server.domain.questions import JOB_FIELDS
from server.journey import service as js
from server.models import Company, JobInvitation, Role, User
from server.models.interviews import InterviewQuestionSet

router = APIRouter()


# --------------------------------------------------------------------------- jobs and companies


@router.get("/jobs", name="careers_jobs_page")
@html_errors
def careers_jobs_page(
    request: Request,
    db: DbSession,
    q: str = "",
    field: str = "",
    region: str = "",
    min_salary_manwon: str = "",
    career: str = "",
) -> Response:
    salary = int(min_salary_manwon) * 10_000 if min_salary_manwon.strip().isdigit() else None
    f = ms.PostingFilter(q[:200], field if field in JOB_FIELDS else "", region[:100], salary, career)
    rows, total = ms.search_postings(db, f, limit=50)
    query = {
        "q": q,
        "field": field,
        "region": region,
        "min_salary_manwon": min_salary_manwon,
        "career": career,
    }
    return page(
        request, "careers_jobs.html", {"rows": rows, "total": total, "query": query, **form_choices(request)}
    )


@router.get("/jobs/{posting_id}", name="careers_job_page")
@html_errors
def careers_job_page(posting_id: Id, request: Request, user: CurrentUser, db: DbSession) -> Response:
    row = ms.visible_posting(db, posting_id, user)
    company = db.get(Company, row.company_id)
    context: dict[str, Any] = {
        "posting": ms.posting_public(row, company.name if company else ""),
        "own": user.company_id == row.company_id,
    }
    if user.role is Role.SEEKER:
        match = ms.match_for_posting(db, index_cache(request), user, row)
        context["match"] = ms.match_public(match, locale_of(request)) if match else None
        context["applied"] = any(p.id == row.id for _, p, _ in ms.my_applications(db, user))
    return page(request, "careers_job.html", context)


@router.get("/companies", name="careers_companies_page")
@html_errors
def careers_companies_page(request: Request, db: DbSession) -> Response:
    return page(request, "careers_companies.html", {"companies": ms.list_companies(db), **form_choices(request)})


def _may_diagnose(db: Any, user: Any, company_id: int) -> bool:
    try:
        cs.diagnosable_company(db, user, company_id)
    except AppError:
        return False
    return True


@router.get("/companies/{company_id}", name="careers_company_page")
@html_errors
def careers_company_page(company_id: Id, request: Request, user: CurrentUser, db: DbSession) -> Response:
    company = get_or_404(db, Company, company_id, "company_not_found")
    rows, _ = ms.search_postings(db, ms.PostingFilter(company_id=company.id), limit=100)
    return page(
        request,
        "careers_company.html",
        {
            "company": ms.company_public(db, company), "postings": rows, **form_choices(request),
            # Job To Job Visit: the consultant who registered it stays its contact; 기업 진단 type.
            "contact": cs.company_contact(db, company.id),
            "diagnosis": cs.latest_diagnosis(db, company.id),
            "may_diagnose": _may_diagnose(db, user, company.id),
        },
    )


@router.get("/employer/profile", name="careers_company_edit_page")
@html_errors
def careers_company_edit_page(request: Request, user: CurrentUser, db: DbSession) -> Response:
    company = ms.employer_company(db, user)
    return page(
        request, "careers_company_edit.html", {"company": ms.company_public(db, company), **form_choices(request)}
    )


@router.get("/employer/postings", name="careers_employer_postings_page")
@html_errors
def careers_employer_postings_page(request: Request, user: CurrentUser, db: DbSession) -> Response:
    rows = ms.employer_postings(db, user)
    return page(request, "careers_employer_postings.html", {"rows": rows})


@router.get("/employer/postings/new", name="careers_posting_new_page")
@html_errors
def careers_posting_new_page(request: Request, user: CurrentUser, db: DbSession) -> Response:
    ms.employer_company(db, user)
    return page(request, "careers_posting_form.html", {"posting": None, **form_choices(request)})


@router.get("/employer/postings/{posting_id}", name="careers_posting_manage_page")
@html_errors
def careers_posting_manage_page(posting_id: Id, request: Request, user: CurrentUser, db: DbSession) -> Response:
    row = ms.owned_posting(db, user, posting_id)
    applicants = ms.posting_applicants(db, user, posting_id)
    applied_ids = {u.id for _, _, u in applicants}
    talent = [
        (ms.match_public(r, locale_of(request)), p, u, u.id in applied_ids)
        for r, p, u in ms.recommend_talent(db, user, posting_id, limit=10)
    ]
    invited = {
        i.seeker_id for i in db.scalars(select(JobInvitation).where(JobInvitation.posting_id == row.id)).all()
    }
    shown = sorted(applied_ids | {u.id for _, _, u, _ in talent})
    if shown:
        audit_request(db, request, "seeker_profiles_viewed", posting_id=posting_id, seeker_ids=shown)
    return page(
        request,
        "careers_posting_manage.html",
        {
            "posting": ms.posting_public(row),
            "applicants": applicants,
            "hire_claims": ms.seekers_reporting_hire(db, posting_id),
            "talent": talent,
            "invited": invited,
            "stages": {c.seeker_id: c.stage for c in pl.company_pipeline(db, user, posting_id, recommended_per_posting=0)},
            "sets": interview_sets(db, user),
            **form_choices(request),
        },
    )


def interview_sets(db: Any, user: User) -> list[InterviewQuestionSet]:
    """The company's question sets, for the recorded option of 면접 초대."""
    return list(
        db.scalars(
            select(InterviewQuestionSet)
            .where(InterviewQuestionSet.company_id == user.company_id)
            .order_by(InterviewQuestionSet.id.desc())
        )
    )


def _pipeline_page(request: Request, db: Any, posting_id: int | None) -> Response:
    user = require_user(request)
    cards = pl.company_pipeline(db, user, posting_id)
    if cards:
        audit_request(db, request, "seeker_profiles_viewed", seeker_ids=sorted({c.seeker_id for c in cards}),
                      **({"posting_id": posting_id} if posting_id else {}))
    postings = [r for r, _ in ms.employer_postings(db, user)]
    return page(
        request,
        "careers_pipeline.html",
        {
            "groups": pl.by_stage(cards),
            "posting": next((p for p in postings if p.id == posting_id), None),
            "postings": postings,
            "sets": interview_sets(db, user),
        },
    )


@router.get("/employer/pipeline", name="careers_pipeline_page")
@html_errors
def careers_pipeline_page(request: Request, db: DbSession) -> Response:
    return _pipeline_page(request, db, None)


@router.get("/employer/postings/{posting_id}/pipeline", name="careers_posting_pipeline_page")
@html_errors
def careers_posting_pipeline_page(posting_id: Id, request: Request, db: DbSession) -> Response:
    return _pipeline_page(request, db, posting_id)


@router.get("/employer/seekers/{seeker_id}", name="careers_employer_seeker_page")
@html_errors
def careers_employer_seeker_page(seeker_id: Id, request: Request, user: CurrentUser, db: DbSession) -> Response:
    """A seeker's profile as the employer sees it, with where they stand for each of its postings."""
    seeker, profile = pl.visible_seeker(db, user, seeker_id)
    audit_request(db, request, "seeker_profiles_viewed", seeker_ids=[seeker.id])
    cards = pl.seeker_cards(db, user, seeker.id)
    open_postings = [r for r, _ in ms.employer_postings(db, user) if r.status == "open"]
    return page(
        request,
        "careers_employer_seeker.html",
        {
            "seeker": seeker,
            "profile": profile,
            "cards": cards,
            "postings": open_postings,
            "sets": interview_sets(db, user),
        },
    )


@router.get("/employer/talent", name="careers_talent_page")
@html_errors
def careers_talent_page(
    request: Request, user: CurrentUser, db: DbSession, q: str = "", field: str = "", region: str = ""
) -> Response:
    pairs = ms.search_talent(db, q[:200], field, region[:100])
    if pairs:
        audit_request(db, request, "seeker_profiles_viewed", seeker_ids=[u.id for _, u in pairs])
    postings = [r for r, _ in ms.employer_postings(db, user) if r.status == "open"]
    return page(
        request,
        "careers_talent.html",
        {
            "pairs": pairs,
            "query": {"q": q, "field": field, "region": region},
            "postings": postings,
            "sets": interview_sets(db, user),
            **form_choices(request),
        },
    )


# --------------------------------------------------------------------------- seeker: profile, recommendations, applications


@router.get("/profile", name="careers_profile_page")
@html_errors
def careers_profile_page(request: Request, user: CurrentUser, db: DbSession) -> Response:
    profile = ms.get_profile(db, user)
    return page(
        request,
        "careers_profile.html",
        {"profile": profile, "practice_average": ms.practice_average(db, user.id), **form_choices(request)},
    )


@router.get("/recommendations", name="careers_recommendations_page")
@html_errors
def careers_recommendations_page(request: Request, user: CurrentUser, db: DbSession) -> Response:
    results = ms.recommend_postings(db, index_cache(request), user, limit=10)
    applied = {p.id for _, p, _ in ms.my_applications(db, user)}
    rows = [(ms.match_public(r, locale_of(request)), ms.posting_public(row, name)) for r, row, name in results]
    profile = ms.get_profile(db, user)
    return page(
        request,
        "careers_recommendations.html",
        {"rows": rows, "applied": applied, "profile_empty": not (profile.skills or profile.desired_fields)},
    )


@router.get("/applications", name="careers_applications_page")
@html_errors
def careers_applications_page(request: Request, user: CurrentUser, db: DbSession) -> Response:
    return page(
        request,
        "careers_applications.html",
        {
            "progress": pl.seeker_progress(db, user),
            "status_text": lambda status: pl.seeker_status_text(status, locale_of(request), user),
            "invitations": ms.my_invitations(db, user),
            "interviews": js.seeker_interviews(db, user.id),
        },
    )
