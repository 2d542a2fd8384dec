"""JSON API of Job To Job Visit and 기업 진단. Roles are in server/accounts/access.py; which
company a consultant or employer may touch is checked in server/companies/service.py."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from server.accounts.access import CurrentUser
from server.companies import service as cs
from server.core.deps import DbSession, SettingsDep, commit_before_response
from server.core.limits import Id

router = APIRouter(tags=["companies"], dependencies=[Depends(commit_before_response, scope="function")])


@router.post("/api/companies/registrations", name="companies_api_register", status_code=201)
def companies_api_register(
    user: CurrentUser, db: DbSession, settings: SettingsDep, data: cs.RegistrationIn
) -> dict[str, Any]:
    registration, posting = cs.register_company(
        db, user, data, max_age_days=settings.company_claim_max_age_days
    )
    return {"id": registration.company_id, "company_id": registration.company_id, "posting_id": posting.id,
            "posting_status": posting.status}


@router.get("/api/companies/registrations", name="companies_api_registrations")
def companies_api_registrations(user: CurrentUser, db: DbSession) -> dict[str, Any]:
    items = cs.registered_companies(db, user)
    return {"companies": [cs.registered_public(item) for item in items]}


@router.put("/api/companies/registrations/{company_id}", name="companies_api_registration_update")
def companies_api_registration_update(
    company_id: Id, user: CurrentUser, db: DbSession, data: cs.CompanyIn
) -> dict[str, Any]:
    company = cs.update_registered_company(db, user, company_id, data)
    return {"id": company.id, "name": company.name}


@router.post("/api/companies/registrations/{company_id}/resend", name="companies_api_claim_resend")
def companies_api_claim_resend(company_id: Id, user: CurrentUser, db: DbSession, settings: SettingsDep) -> dict[str, Any]:
    registration = cs.resend_claim(
        db, user, company_id, max_age_days=settings.company_claim_max_age_days
    )
    return {"company_id": registration.company_id, "link_expires_at": registration.link_expires_at.isoformat()}


@router.post("/api/companies/claim/{token}", name="companies_api_claim")
def companies_api_claim(token: str, user: CurrentUser, db: DbSession, settings: SettingsDep) -> dict[str, Any]:
    """A logged-in employer (with no company yet, or already this one's) claims the company."""
    registration = cs.registration_for_token(
        db, settings.secret_key, token[:500], max_age_days=settings.company_claim_max_age_days
    )
    company = cs.claim_company(db, user, registration)
    return {"id": company.id, "company_id": company.id, "name": company.name}


@router.post("/api/companies/postings/{posting_id}/publish", name="companies_api_publish")
def companies_api_publish(posting_id: Id, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    row = cs.publish_posting(db, user, posting_id)
    return {"id": row.id, "status": row.status}


@router.post("/api/companies/{company_id}/diagnoses", name="companies_api_diagnose", status_code=201)
def companies_api_diagnose(company_id: Id, user: CurrentUser, db: DbSession, data: cs.DiagnosisIn) -> dict[str, Any]:
    row = cs.save_diagnosis(db, user, company_id, data)  # DomainError: 422
    return cs.diagnosis_public(row)


@router.get("/api/companies/{company_id}/diagnoses", name="companies_api_diagnoses")
def companies_api_diagnoses(company_id: Id, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    company = cs.diagnosable_company(db, user, company_id)
    return {"diagnoses": [cs.diagnosis_public(row) for row in cs.diagnoses_of(db, company.id)]}


@router.get("/api/admin/company-diagnoses", name="companies_api_admin_distribution")
def companies_api_admin_distribution(db: DbSession) -> dict[str, Any]:
    return {"distribution": [{"type": kind, "companies": n} for kind, n in cs.diagnosis_distribution(db)]}
