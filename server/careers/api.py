"""JSON API for jobs and matching: companies, postings, talent, applications, invitations, the
seeker's profile and recommendations.

Roles are checked by the table in server/accounts/access.py; which objects a user may touch is
checked in server/careers/service.py (another's object answers 404).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from server.accounts.access import CurrentUser
from server.careers import pipeline as pl
from server.careers import service as ms
from server.careers.views import index_cache
from server.core.audit import audit_request
from server.core.db import get_or_404
from server.core.deps import DbSession, SettingsDep, commit_before_response
from server.core.limits import Id, NonNegative, Offset, PageLimit
from server.models import Company, Role

router = APIRouter(tags=["careers"], dependencies=[Depends(commit_before_response, scope="function")])


def _locale(request: Request) -> str:
    return str(getattr(request.state, "locale", "ko"))


# --------------------------------------------------------------------------- companies


class CompanyPublic(BaseModel):
    id: int
    name: str
    members: list[str]


@router.get("/api/employer/company", name="api_employer_company", tags=["employer"])
def api_employer_company(user: CurrentUser, db: DbSession) -> CompanyPublic:
    company = ms.employer_company(db, user)
    return CompanyPublic(id=company.id, name=company.name, members=[m.display_name for m in company.members])


@router.get("/api/careers/company", name="careers_api_company_get")
def careers_api_company_get(user: CurrentUser, db: DbSession) -> dict[str, Any]:
    return ms.company_public(db, ms.employer_company(db, user))


@router.put("/api/careers/company", name="careers_api_company_put")
def careers_api_company_put(user: CurrentUser, db: DbSession, data: ms.CompanyProfileIn) -> dict[str, Any]:
    ms.update_company_profile(db, user, data)
    return ms.company_public(db, ms.employer_company(db, user))


@router.get("/api/careers/companies", name="careers_api_companies")
def careers_api_companies(db: DbSession, promising: bool = False) -> dict[str, Any]:
    return {"companies": ms.list_companies(db, promising_only=promising)}


@router.get("/api/careers/companies/{company_id}", name="careers_api_company_public")
def careers_api_company_public(company_id: Id, db: DbSession) -> dict[str, Any]:
    company = get_or_404(db, Company, company_id, "company_not_found")
    return ms.company_public(db, company)


@router.put("/api/careers/admin/companies/{company_id}/promising", name="careers_api_company_promising")
def careers_api_company_promising(
    company_id: Id, request: Request, db: DbSession, data: ms.PromisingIn
) -> dict[str, Any]:
    ms.set_promising(db, company_id, data)
    audit_request(db, request, "company_promising_set", company_id=company_id, promising=data.promising)
    company = db.get(Company, company_id)
    assert company is not None
    return ms.company_public(db, company)


# --------------------------------------------------------------------------- postings


@router.get("/api/careers/postings", name="careers_api_postings_search")
def careers_api_postings_search(
    db: DbSession,
    q: str = "",
    field: str = "",
    region: str = "",
    min_salary_krw: NonNegative | None = None,
    career: str = "",
    company_id: Id | None = None,
    limit: PageLimit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    f = ms.PostingFilter(q[:200], field, region[:100], min_salary_krw, career, company_id)
    rows, total = ms.search_postings(db, f, limit=max(1, min(limit, 100)), offset=max(0, offset))
    return {"postings": rows, "total": total}


@router.post("/api/careers/postings", name="careers_api_posting_create", status_code=201)
def careers_api_posting_create(user: CurrentUser, db: DbSession, data: ms.PostingIn) -> dict[str, Any]:
    row = ms.create_posting(db, user, data)
    return ms.posting_public(row, ms.employer_company(db, user).name)


@router.get("/api/careers/postings/{posting_id}", name="careers_api_posting_get")
def careers_api_posting_get(posting_id: Id, request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    row = ms.visible_posting(db, posting_id, user)
    company = db.get(Company, row.company_id)
    data = ms.posting_public(row, company.name if company else "")
    if user.role is Role.SEEKER:
        match = ms.match_for_posting(db, index_cache(request), user, row)
        data["match"] = ms.match_public(match, _locale(request)) if match else None
    return data


@router.put("/api/careers/postings/{posting_id}", name="careers_api_posting_update")
def careers_api_posting_update(
    posting_id: Id, user: CurrentUser, db: DbSession, data: ms.PostingIn
) -> dict[str, Any]:
    row = ms.update_posting(db, user, posting_id, data)
    return ms.posting_public(row, ms.employer_company(db, user).name)


@router.delete("/api/careers/postings/{posting_id}", name="careers_api_posting_delete", status_code=204)
def careers_api_posting_delete(posting_id: Id, user: CurrentUser, db: DbSession) -> None:
    ms.delete_posting(db, user, posting_id)


@router.get("/api/careers/employer/postings", name="careers_api_employer_postings")
def careers_api_employer_postings(user: CurrentUser, db: DbSession) -> dict[str, Any]:
    rows = ms.employer_postings(db, user)
    return {"postings": [{**ms.posting_public(r), "applicants": n} for r, n in rows]}


def _application_public(a: Any) -> dict[str, Any]:
    return {
        "id": a.id,
        "posting_id": a.posting_id,
        "status": a.status,
        "match_score": a.match_score,
        "invited": a.invited,
        "message": a.message,
        "created_at": a.created_at.isoformat(),
    }


@router.get("/api/careers/postings/{posting_id}/applicants", name="careers_api_posting_applicants")
def careers_api_posting_applicants(posting_id: Id, request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    rows = ms.posting_applicants(db, user, posting_id)
    claimed = ms.seekers_reporting_hire(db, posting_id)
    if rows:
        audit_request(db, request, "seeker_profiles_viewed", posting_id=posting_id, seeker_ids=[u.id for _, _, u in rows])
    return {
        "applicants": [
            {
                **_application_public(a),
                # The seeker's own report, shown beside (never instead of) the employer's status.
                "seeker_reported_hired": u.id in claimed,
                "seeker_id": u.id,
                "display_name": u.display_name,
                "profile": ms.profile_public(p) if p else None,
            }
            for a, p, u in rows
        ]
    }


@router.get("/api/careers/postings/{posting_id}/talent", name="careers_api_posting_talent")
def careers_api_posting_talent(
    posting_id: Id, request: Request, user: CurrentUser, db: DbSession, limit: PageLimit = 10
) -> dict[str, Any]:
    results = ms.recommend_talent(db, user, posting_id, limit=max(1, min(limit, 50)))
    if results:
        audit_request(db, request, "seeker_profiles_viewed", posting_id=posting_id, seeker_ids=[u.id for _, _, u in results])
    return {
        "talent": [
            {"seeker": ms.profile_public(p, u), "match": ms.match_public(r, _locale(request))}
            for r, p, u in results
        ]
    }


@router.get("/api/careers/talent", name="careers_api_talent_search")
def careers_api_talent_search(
    request: Request, db: DbSession, q: str = "", field: str = "", region: str = ""
) -> dict[str, Any]:
    found = ms.search_talent(db, q[:200], field, region[:100])
    if found:
        audit_request(db, request, "seeker_profiles_viewed", seeker_ids=[u.id for _, u in found])
    return {"talent": [ms.profile_public(p, u) for p, u in found]}


class InviteIn(BaseModel):
    seeker_id: Id
    message: str = Field(default="", max_length=3000)


@router.post("/api/careers/postings/{posting_id}/invitations", name="careers_api_invite", status_code=201)
def careers_api_invite(posting_id: Id, request: Request, user: CurrentUser, db: DbSession, data: InviteIn) -> dict[str, Any]:
    invitation = ms.invite_seeker(db, user, posting_id, data.seeker_id, data.message)
    audit_request(db, request, "job_invitation_sent", posting_id=posting_id, seeker_id=data.seeker_id)
    return {
        "id": invitation.id,
        "posting_id": posting_id,
        "seeker_id": data.seeker_id,
        "status": invitation.status,
    }


class ApplyIn(BaseModel):
    message: str = Field(default="", max_length=3000)


@router.post("/api/careers/postings/{posting_id}/apply", name="careers_api_apply", status_code=201)
def careers_api_apply(posting_id: Id, request: Request, user: CurrentUser, db: DbSession, data: ApplyIn) -> dict[str, Any]:
    application = ms.apply_to_posting(
        db, index_cache(request), user, posting_id, data.message
    )
    return _application_public(application)


class ApplicationStatusIn(BaseModel):
    status: str = Field(max_length=16)


@router.put("/api/careers/applications/{application_id}", name="careers_api_application_status")
def careers_api_application_status(
    application_id: Id, request: Request, user: CurrentUser, db: DbSession, data: ApplicationStatusIn
) -> dict[str, Any]:
    application = ms.set_application_status(db, user, application_id, data.status)
    audit_request(db, request, "application_status_set", application_id=application_id,
                  seeker_id=application.seeker_id, status=application.status)
    return _application_public(application)


@router.get("/api/careers/applications", name="careers_api_my_applications")
def careers_api_my_applications(request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    return {
        "applications": [
            {**_application_public(a), "title": p.title, "company_name": name}
            for a, p, name in ms.my_applications(db, user)
        ],
        "progress": [
            {
                "posting_id": item.posting.id,
                "title": item.posting.title,
                "company_name": item.company_name,
                "status": item.status.key if item.status else None,
                "status_text": pl.seeker_status_text(item.status, _locale(request), user),
            }
            for item in pl.seeker_progress(db, user)
        ],
        "invitations": [
            {
                "id": i.id,
                "posting_id": p.id,
                "title": p.title,
                "company_name": name,
                "status": i.status,
                "message": i.message,
            }
            for i, p, name in ms.my_invitations(db, user)
        ],
    }


# --------------------------------------------------------------------------- seeker profile and matching


@router.get("/api/careers/profile", name="careers_api_profile_get")
def careers_api_profile_get(user: CurrentUser, db: DbSession) -> dict[str, Any]:
    data = ms.profile_public(ms.get_profile(db, user), user)
    data["practice_average"] = ms.practice_average(db, user.id)
    return data


@router.put("/api/careers/profile", name="careers_api_profile_put")
def careers_api_profile_put(user: CurrentUser, db: DbSession, data: ms.SeekerProfileIn) -> dict[str, Any]:
    return ms.profile_public(ms.save_profile(db, user, data), user)


@router.get("/api/careers/recommendations", name="careers_api_recommendations")
def careers_api_recommendations(request: Request, user: CurrentUser, db: DbSession, limit: PageLimit = 10) -> dict[str, Any]:
    results = ms.recommend_postings(db, index_cache(request), user, limit=max(1, min(limit, 50)))
    return {
        "recommendations": [
            {"posting": ms.posting_public(row, name), "match": ms.match_public(r, _locale(request))}
            for r, row, name in results
        ]
    }


# --------------------------------------------------------------------------- the hiring pipeline


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def pipeline_card_public(card: pl.PipelineCard) -> dict[str, Any]:
    """A card as the employer sees it (internal notes included: this is never sent to a seeker)."""
    return {
        "posting_id": card.posting_id,
        "posting_title": card.posting_title,
        "seeker_id": card.seeker_id,
        "display_name": card.display_name,
        "headline": card.headline,
        "stage": card.stage.stage,
        "outcome": card.stage.outcome,
        "match_score": card.match_score,
        "application": _application_public(card.application) if card.application else None,
        "offer_status": card.offer.status if card.offer else None,
        "interviews": [
            {"id": i.id, "kind": i.kind, "status": i.status, "decision": i.decision,
             "scheduled_at": _iso(i.scheduled_at), "deadline_at": _iso(i.deadline_at),
             "review_url": f"/interviews/{i.id}"}
            for i in card.interviews
        ],
        "seeker_reported_hired": card.hire_claimed,
        "profile_url": f"/employer/seekers/{card.seeker_id}",
        "internal_notes": [_note_public(n) for n in card.notes],
    }


def _note_public(note: Any) -> dict[str, Any]:
    return {"id": note.id, "author": note.author_name, "body": note.body, "created_at": _iso(note.created_at)}


def _pipeline_public(db: Any, request: Request, cards: list[pl.PipelineCard], **audit: Any) -> dict[str, Any]:
    if cards:
        audit_request(db, request, "seeker_profiles_viewed", seeker_ids=sorted({c.seeker_id for c in cards}), **audit)
    return {
        "stages": [{"stage": s, "cards": [pipeline_card_public(c) for c in group]} for s, group in pl.by_stage(cards)]
    }


@router.get("/api/careers/pipeline", name="careers_api_pipeline")
def careers_api_pipeline(request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    return _pipeline_public(db, request, pl.company_pipeline(db, user))


@router.get("/api/careers/postings/{posting_id}/pipeline", name="careers_api_posting_pipeline")
def careers_api_posting_pipeline(posting_id: Id, request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    cards = pl.company_pipeline(db, user, posting_id)
    return _pipeline_public(db, request, cards, posting_id=posting_id)


@router.post(
    "/api/careers/postings/{posting_id}/interview-invitations", name="careers_api_interview_invite", status_code=201
)
def careers_api_interview_invite(
    posting_id: Id, request: Request, user: CurrentUser, db: DbSession, settings: SettingsDep, data: pl.PipelineInterviewIn
) -> dict[str, Any]:
    invitation = pl.invite_to_interview(db, user, posting_id, data, base_url=settings.base_url)
    audit_request(db, request, "interview_invited", invitation_id=invitation.id, seeker_id=invitation.seeker_id,
                  kind=invitation.kind, posting_id=posting_id)
    return {"id": invitation.id, "kind": invitation.kind, "status": invitation.status, "posting_id": posting_id,
            "seeker_id": invitation.seeker_id}


@router.post(
    "/api/careers/postings/{posting_id}/candidates/{seeker_id}/decision", name="careers_api_candidate_decision"
)
def careers_api_candidate_decision(
    posting_id: Id, seeker_id: Id, request: Request, user: CurrentUser, db: DbSession, settings: SettingsDep, data: pl.DecisionIn
) -> dict[str, Any]:
    stage = pl.record_decision(db, user, posting_id, seeker_id, data, base_url=settings.base_url)
    audit_request(db, request, "candidate_decision", posting_id=posting_id, seeker_id=seeker_id,
                  decision=data.decision)
    return {"stage": stage.stage, "outcome": stage.outcome}


@router.post("/api/careers/postings/{posting_id}/candidates/{seeker_id}/hire", name="careers_api_candidate_hire")
def careers_api_candidate_hire(posting_id: Id, seeker_id: Id, request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    application = pl.confirm_hire(db, user, posting_id, seeker_id)
    audit_request(db, request, "application_status_set", application_id=application.id, seeker_id=seeker_id,
                  status=application.status)
    return _application_public(application)


@router.get("/api/careers/postings/{posting_id}/candidates/{seeker_id}/notes", name="careers_api_candidate_notes")
def careers_api_candidate_notes(posting_id: Id, seeker_id: Id, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    notes = pl.candidate_notes(db, user, posting_id, seeker_id)
    return {"internal_notes": [_note_public(n) for n in notes]}


@router.post(
    "/api/careers/postings/{posting_id}/candidates/{seeker_id}/notes",
    name="careers_api_candidate_note_add",
    status_code=201,
)
def careers_api_candidate_note_add(
    posting_id: Id, seeker_id: Id, user: CurrentUser, db: DbSession, data: pl.NoteIn
) -> dict[str, Any]:
    return _note_public(pl.add_note(db, user, posting_id, seeker_id, data))
