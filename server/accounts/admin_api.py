"""Admin API: consultants, users, audit log."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from server.accounts.access import CurrentUser
from server.accounts.audit_view import MAX_PAGE_SIZE, AuditFilters, audit_page
from server.accounts.service import ConsultantCreate, UserPublic, create_consultant
from server.accounts.web_session import client_info
from server.core.deps import DbSession
from server.core.limits import Id
from server.models import Role, User

router = APIRouter(prefix="/api/admin", tags=["admin"])


class AuditEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    event: str
    actor_id: Id | None
    actor_email: str | None
    ip: str | None
    path: str | None
    detail: dict[str, object]


@router.post("/consultants", name="api_admin_create_consultant", status_code=201)
def api_admin_create_consultant(
    data: ConsultantCreate, request: Request, admin: CurrentUser, db: DbSession
) -> UserPublic:
    user = create_consultant(db, data, admin, client_info(request))
    return UserPublic.model_validate(user)


@router.get("/users", name="api_admin_users")
def api_admin_users(db: DbSession, role: Role | None = None) -> list[UserPublic]:
    query = select(User).order_by(User.id)
    if role is not None:
        query = query.where(User.role == role)
    return [UserPublic.model_validate(u) for u in db.scalars(query)]


@router.get("/audit-events", name="api_admin_audit")
def api_admin_audit(
    db: DbSession,
    response: Response,
    event: str | None = Query(default=None, max_length=64),
    actor: str | None = Query(default=None, max_length=320),
    date_from: date | None = None,
    date_to: date | None = None,
    offset: int = Query(default=0, ge=0, le=10_000_000),
    limit: int = Query(default=100, ge=1, le=MAX_PAGE_SIZE),
) -> list[AuditEventPublic]:
    """Newest first; the total that matches the filters is in `X-Total-Count`."""
    filters = AuditFilters(actor=actor or "", event=event or "", date_from=date_from, date_to=date_to)
    page = audit_page(db, filters, offset=offset, limit=limit)
    response.headers["X-Total-Count"] = str(page.total)
    return [AuditEventPublic.model_validate(e) for e in page.events]
