"""Employer API: the employer's own company."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from server.access import require_user
from server.deps import DbSession
from server.errors import NotFound
from server.models import Company

router = APIRouter(prefix="/api/employer", tags=["employer"])


class CompanyPublic(BaseModel):
    id: int
    name: str
    members: list[str]


def company_of(db: DbSession, request: Request) -> Company:
    user = require_user(request)
    company = db.get(Company, user.company_id) if user.company_id else None
    if company is None:
        raise NotFound("company_not_found")
    return company


@router.get("/company", name="api_employer_company")
def api_employer_company(request: Request, db: DbSession) -> CompanyPublic:
    company = company_of(db, request)
    return CompanyPublic(id=company.id, name=company.name, members=[m.display_name for m in company.members])
