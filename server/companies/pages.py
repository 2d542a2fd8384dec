"""Pages of Job To Job Visit and 기업 진단: the consultant's 내가 등록한 기업 and registration form,
the claim link's landing page (sign up or use the logged-in employer account), the employer's
review of the consultant's draft postings, the company diagnosis and the admins' distribution."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from server.accounts.access import CurrentUser, current_user
from server.accounts.web_session import sign_up_and_log_in
from server.careers import service as ms
from server.careers.views import form_choices, html_errors, page
from server.companies import service as cs
from server.core.deps import DbSession, SettingsDep
from server.core.errors import AppError
from server.core.limits import Id
from server.domain.company_diagnosis import DIFFICULTY_TYPES, ITEMS, RECOMMENDATIONS, SCALE_MAX, SCALE_MIN
from server.models import Company, Role

router = APIRouter()

# Where each recommended service happens (the talent and pipeline pages are the employer's own).
SERVICE_LINKS = {
    "promising_company": "/employer/profile",
    "matched_talent": "/employer/talent",
    "training_support": "",
    "hr_consulting": "",
    "event_participation": "/events",
}


@router.get("/consultant/companies", name="companies_registered_page")
@html_errors
def companies_registered_page(request: Request, user: CurrentUser, db: DbSession) -> Response:
    items = cs.registered_companies(db, user)
    return page(request, "companies_registered.html", {
        "items": items,
        "latest": {i.company.id: cs.latest_diagnosis(db, i.company.id) for i in items},
    })


@router.get("/consultant/companies/new", name="companies_new_page")
@html_errors
def companies_new_page(request: Request) -> Response:
    return page(request, "companies_new.html", {"posting": None, **form_choices(request)})


def _claim_context(db: Any, registration: Any) -> dict[str, Any]:
    company = db.get(Company, registration.company_id)
    contact = cs.company_contact(db, registration.company_id)
    drafts = [p for p in cs.registered_postings(db, registration.company_id) if p.status == "draft"]
    return {"company": company, "registration": registration, "contact": contact, "drafts": drafts}


@router.get("/companies/claim/{token}", name="companies_claim_page")
@html_errors
def companies_claim_page(token: str, request: Request, db: DbSession, settings: SettingsDep) -> Response:
    registration = cs.registration_for_token(
        db, settings.secret_key, token[:500], max_age_days=settings.company_claim_max_age_days
    )
    user = current_user(request)
    refusal = None
    if user is not None:
        try:
            cs.check_can_claim(user, registration)
        except AppError as exc:
            refusal = exc.code
    return page(request, "companies_claim.html", {
        **_claim_context(db, registration), "token": token, "refusal": refusal, "form": {
            "email": registration.contact_email, "display_name": registration.contact_name,
        },
    })


@router.post("/companies/claim/{token}/signup", name="companies_claim_signup")
@html_errors
def companies_claim_signup(
    token: str,
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=256)],
    display_name: Annotated[str, Form(max_length=100)],
) -> Response:
    """Sign up as an employer of the claimed company; the link is used up and the person lands
    on the postings the consultant wrote, to confirm them."""
    registration = cs.registration_for_token(
        db, settings.secret_key, token[:500], max_age_days=settings.company_claim_max_age_days
    )
    company = db.get(Company, registration.company_id)
    assert company is not None
    form = {"email": email, "display_name": display_name}
    fields = {"email": email, "password": password, "display_name": display_name, "role": "employer",
              "company_name": company.name}
    return sign_up_and_log_in(
        request, db, settings, fields, success_url="/employer/registered-postings", company=company,
        then=lambda user: cs.claim_company(db, user, registration),
        refused=lambda error, status: page(request, "companies_claim.html", {
            **_claim_context(db, registration), "token": token, "refusal": None, "form": form, "error": error,
        }, status_code=status),
    )


@router.get("/employer/registered-postings", name="companies_review_page")
@html_errors
def companies_review_page(request: Request, user: CurrentUser, db: DbSession) -> Response:
    company = ms.employer_company(db, user)
    return page(request, "companies_review.html", {
        "company": company,
        "contact": cs.company_contact(db, company.id),
        "drafts": cs.draft_postings(db, user),
        **form_choices(request),
    })


def diagnosis_view(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    public = cs.diagnosis_public(row)
    return {**public, "services": [(s, SERVICE_LINKS[s]) for s in public["recommendations"]],
            "created": row.created_at}


@router.get("/companies/{company_id}/diagnosis", name="companies_diagnosis_page")
@html_errors
def companies_diagnosis_page(company_id: Id, request: Request, user: CurrentUser, db: DbSession) -> Response:
    company = cs.diagnosable_company(db, user, company_id)
    history = cs.diagnoses_of(db, company.id)
    locale = str(request.state.locale)
    return page(request, "companies_diagnosis.html", {
        "company": company,
        "items": [(i.item_id, i.text_en if locale == "en" else i.text_ko) for i in ITEMS],
        "scale": list(range(SCALE_MIN, SCALE_MAX + 1)),
        "latest": diagnosis_view(history[0]) if history else None,
        "history": history,
        "types": DIFFICULTY_TYPES,
        "employer": user.role is Role.EMPLOYER,
    })


@router.get("/admin/company-diagnoses", name="companies_admin_page")
@html_errors
def companies_admin_page(request: Request, db: DbSession) -> Response:
    distribution = cs.diagnosis_distribution(db)
    total = sum(n for _, n in distribution)
    return page(request, "companies_admin.html", {
        "distribution": [(kind, n, round(100 * n / total) if total else 0) for kind, n in distribution],
        "total": total,
        "recommendations": RECOMMENDATIONS,
    })


@router.get("/consultant/companies/{company_id}/edit", name="companies_edit_page")
@html_errors
def companies_edit_page(company_id: Id, request: Request, user: CurrentUser, db: DbSession) -> Response:
    """The consultant corrects the company until it is claimed; then only its employers may."""
    registration = cs.consultant_registration(db, user, company_id)
    if registration.claimed_at is not None:
        raise AppError("company_already_claimed", status_code=409)
    company = db.get(Company, company_id)
    return page(request, "companies_edit.html", {
        "company": company, "profile": ms.company_profile(db, company_id), **form_choices(request),
    })
