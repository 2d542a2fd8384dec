"""Job To Job Visit (consultant-registered companies and their claim) and 기업 진단.

A consultant registers a company with no account yet and a posting for it; the posting is a
draft (off /jobs and matching) until someone from the company follows the one-time claim link
emailed to the contact, joins the company as an employer and confirms the posting. The
consultant stays the company's contact and may edit it only until it is claimed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.accounts.service import SignupIn
from server.careers import service as ms
from server.core.audit import record_audit
from server.core.db import get_or_404, utcnow
from server.core.errors import AppError, Conflict, Forbidden, NotFound
from server.core.signed_links import SignedLink
from server.domain.company_diagnosis import DIFFICULTY_TYPES, ITEMS, score_company_diagnosis
from server.jobs.kinds import JobKind
from server.jobs.queue import enqueue
from server.models import Company, CompanyDiagnosis, CompanyRegistration, JobPostingRow, Role, User

CLAIM_SALT = "untact-company-claim"
CLAIM_EMAIL_JOB = JobKind.SEND_COMPANY_CLAIM_EMAIL


class CompanyIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    business_number: str = Field(default="", max_length=32)
    industry: str = Field(default="", max_length=100)
    size: str = Field(default="", pattern="^(|micro|small|medium|large)$")
    region: str = Field(default="", max_length=100)
    description: str = Field(default="", max_length=5000)


class RegistrationIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    company: CompanyIn
    contact_name: str = Field(min_length=1, max_length=100)
    contact_email: str = Field(max_length=320)
    posting: ms.PostingIn

    _email = field_validator("contact_email")(SignupIn._email.__func__)  # type: ignore[attr-defined]


class DiagnosisIn(BaseModel):
    answers: dict[str, int] = Field(max_length=len(ITEMS) + 5)


# ----------------------------------------------------------------- claim links


CLAIM_LINK = SignedLink(CLAIM_SALT, "claim_link_expired", NotFound, "claim_link_invalid")


def claim_token(secret_key: str, registration: CompanyRegistration) -> str:
    return CLAIM_LINK.make(secret_key, {"c": registration.company_id, "n": registration.nonce})


def registration_for_token(db: Session, secret_key: str, token: str, *, max_age_days: int) -> CompanyRegistration:
    """The registration this link claims, or a typed refusal (expired, used, invalid)."""
    company_id, data = CLAIM_LINK.read_id(secret_key, token, "c", max_age_days=max_age_days)
    registration = db.get(CompanyRegistration, company_id)
    if registration is None or not secrets.compare_digest(str(data.get("n", "")), registration.nonce):
        raise CLAIM_LINK.invalid()
    if registration.claimed_at is not None:
        raise AppError("claim_link_used", status_code=410)
    if registration.link_expires_at < utcnow():
        raise CLAIM_LINK.expired()
    return registration


# ----------------------------------------------------------------- registering


def _apply_company(db: Session, company: Company, data: CompanyIn) -> None:
    company.name = data.name
    company.business_number = data.business_number or None
    profile = ms.company_profile(db, company.id)
    profile.industry, profile.size, profile.region = data.industry, data.size, data.region
    profile.description = data.description
    profile.updated_at = utcnow()


def register_company(
    db: Session, consultant: User, data: RegistrationIn, *, max_age_days: int
) -> tuple[CompanyRegistration, JobPostingRow]:
    """The company, its draft posting and the claim; the claim email goes after the commit."""
    company = Company(name=data.company.name)
    db.add(company)
    db.flush()
    _apply_company(db, company, data.company)
    posting = ms.add_posting(db, company.id, consultant.id, data.posting, status="draft")
    registration = CompanyRegistration(
        company_id=company.id,
        consultant_id=consultant.id,
        contact_name=data.contact_name,
        contact_email=data.contact_email,
        nonce=secrets.token_urlsafe(16),
        link_expires_at=utcnow() + timedelta(days=max_age_days),
    )
    db.add(registration)
    db.flush()
    enqueue(db, CLAIM_EMAIL_JOB, {"company_id": company.id, "nonce": registration.nonce}, max_attempts=5)
    record_audit(db, "company_registered", actor=consultant, company_id=company.id)
    return registration, posting


def consultant_registration(db: Session, consultant: User, company_id: int) -> CompanyRegistration:
    registration = db.get(CompanyRegistration, company_id)
    if registration is None or (consultant.role is not Role.ADMIN and registration.consultant_id != consultant.id):
        raise NotFound("company_not_found")
    return registration


def update_registered_company(db: Session, consultant: User, company_id: int, data: CompanyIn) -> Company:
    """Only until the company claims it: after that the company's own employers edit it."""
    registration = consultant_registration(db, consultant, company_id)
    if registration.claimed_at is not None:
        raise Conflict("company_already_claimed")
    company = db.get(Company, company_id)
    assert company is not None
    _apply_company(db, company, data)
    return company


def resend_claim(db: Session, consultant: User, company_id: int, *, max_age_days: int) -> CompanyRegistration:
    """A fresh link (the old one stops working) and a new email."""
    registration = consultant_registration(db, consultant, company_id)
    if registration.claimed_at is not None:
        raise Conflict("company_already_claimed")
    registration.nonce = secrets.token_urlsafe(16)
    registration.link_expires_at = utcnow() + timedelta(days=max_age_days)
    enqueue(db, CLAIM_EMAIL_JOB, {"company_id": company_id, "nonce": registration.nonce}, max_attempts=5)
    return registration


@dataclass(frozen=True)
class RegisteredCompany:
    company: Company
    registration: CompanyRegistration
    postings: list[JobPostingRow]
    claimed_by: User | None


def registered_companies(db: Session, consultant: User) -> list[RegisteredCompany]:
    """내가 등록한 기업, newest first."""
    rows = db.execute(
        select(CompanyRegistration, Company)
        .join(Company, Company.id == CompanyRegistration.company_id)
        .where(CompanyRegistration.consultant_id == consultant.id)
        .order_by(CompanyRegistration.created_at.desc(), Company.id.desc())
    ).all()
    result = []
    for registration, company in rows:
        postings = list(db.scalars(
            select(JobPostingRow).where(JobPostingRow.company_id == company.id).order_by(JobPostingRow.id)
        ))
        claimer = db.get(User, registration.claimed_by) if registration.claimed_by else None
        result.append(RegisteredCompany(company, registration, postings, claimer))
    return result


def registered_public(item: RegisteredCompany) -> dict[str, Any]:
    r = item.registration
    return {
        "company_id": item.company.id,
        "name": item.company.name,
        "contact_name": r.contact_name,
        "contact_email": r.contact_email,
        "claimed": r.claimed_at is not None,
        "claimed_at": r.claimed_at.isoformat() if r.claimed_at else None,
        "claimed_by": item.claimed_by.display_name if item.claimed_by else None,
        "link_expires_at": r.link_expires_at.isoformat(),
        "postings": [{"id": p.id, "title": p.title, "status": p.status} for p in item.postings],
    }


# ----------------------------------------------------------------- claiming


def check_can_claim(user: User, registration: CompanyRegistration) -> None:
    if user.role is not Role.EMPLOYER:
        raise Forbidden("claim_employers_only")
    if user.company_id is not None and user.company_id != registration.company_id:
        raise Conflict("claim_other_company")


def claim_company(db: Session, user: User, registration: CompanyRegistration) -> Company:
    """Attach this employer to the company; the link is used up."""
    check_can_claim(user, registration)
    company = db.get(Company, registration.company_id)
    assert company is not None
    user.company_id = company.id
    registration.claimed_at = utcnow()
    registration.claimed_by = user.id
    db.flush()
    record_audit(db, "company_claimed", actor=user, company_id=company.id)
    return company


def draft_postings(db: Session, user: User) -> list[JobPostingRow]:
    if user.company_id is None:
        return []
    return list(db.scalars(
        select(JobPostingRow)
        .where(JobPostingRow.company_id == user.company_id, JobPostingRow.status == "draft")
        .order_by(JobPostingRow.id)
    ))


def publish_posting(db: Session, user: User, posting_id: int) -> JobPostingRow:
    """The employer confirms a consultant's draft: it goes on /jobs and into matching."""
    row = ms.owned_posting(db, user, posting_id)
    if row.status != "draft":
        raise Conflict("posting_not_draft")
    row.status = "open"
    row.updated_at = utcnow()
    ms.bump_index_version(db)
    return row


@dataclass(frozen=True)
class CompanyContact:
    name: str
    email: str


def company_contact(db: Session, company_id: int) -> CompanyContact | None:
    """The consultant who registered the company, who stays its contact."""
    registration = db.get(CompanyRegistration, company_id)
    consultant = db.get(User, registration.consultant_id) if registration and registration.consultant_id else None
    return CompanyContact(consultant.display_name, consultant.email) if consultant else None


# ----------------------------------------------------------------- 기업 진단


def diagnosable_company(db: Session, user: User, company_id: int) -> Company:
    """Its own employers, or the consultant who registered it (or an admin)."""
    company = get_or_404(db, Company, company_id, "company_not_found")
    if user.role is Role.EMPLOYER and user.company_id == company.id:
        return company
    if user.role is Role.ADMIN:
        return company
    if user.role is Role.CONSULTANT:
        registration = db.get(CompanyRegistration, company.id)
        if registration is not None and registration.consultant_id == user.id:
            return company
    raise NotFound("company_not_found")


def save_diagnosis(db: Session, user: User, company_id: int, data: DiagnosisIn) -> CompanyDiagnosis:
    company = diagnosable_company(db, user, company_id)
    result = score_company_diagnosis(data.answers)  # DomainError on an incomplete or odd answer
    row = CompanyDiagnosis(
        company_id=company.id, filled_by=user.id, answers=dict(data.answers),
        scores=result.scores, difficulty_type=result.difficulty_type,
    )
    db.add(row)
    db.flush()
    return row


def diagnoses_of(db: Session, company_id: int, limit: int = 20) -> list[CompanyDiagnosis]:
    return list(db.scalars(
        select(CompanyDiagnosis).where(CompanyDiagnosis.company_id == company_id)
        .order_by(CompanyDiagnosis.created_at.desc(), CompanyDiagnosis.id.desc()).limit(limit)
    ))


def latest_diagnosis(db: Session, company_id: int) -> CompanyDiagnosis | None:
    found = diagnoses_of(db, company_id, limit=1)
    return found[0] if found else None


def diagnosis_public(row: CompanyDiagnosis) -> dict[str, Any]:
    from server.domain.company_diagnosis import RECOMMENDATIONS

    return {
        "id": row.id,
        "company_id": row.company_id,
        "difficulty_type": row.difficulty_type,
        "scores": row.scores,
        "recommendations": list(RECOMMENDATIONS[row.difficulty_type]),
        "created_at": row.created_at.isoformat(),
    }


def diagnosis_distribution(db: Session) -> list[tuple[str, int]]:
    """How many companies are of each type, by each company's latest diagnosis."""
    latest = (
        select(CompanyDiagnosis.company_id, func.max(CompanyDiagnosis.id).label("last_id"))
        .group_by(CompanyDiagnosis.company_id).subquery()
    )
    counts: dict[str, int] = {
        kind: int(n) for kind, n in db.execute(
            select(CompanyDiagnosis.difficulty_type, func.count())
            .join(latest, latest.c.last_id == CompanyDiagnosis.id)
            .group_by(CompanyDiagnosis.difficulty_type)
        ).all()
    }
    return [(kind, counts.get(kind, 0)) for kind in DIFFICULTY_TYPES]


def is_pending_claim(db: Session, company_id: int) -> bool:
    registration = db.get(CompanyRegistration, company_id)
    return registration is not None and registration.claimed_at is None


def claim_deadline(registration: CompanyRegistration) -> datetime:
    return registration.link_expires_at


def registered_postings(db: Session, company_id: int) -> list[JobPostingRow]:
    return list(db.scalars(
        select(JobPostingRow).where(JobPostingRow.company_id == company_id).order_by(JobPostingRow.id)
    ))
