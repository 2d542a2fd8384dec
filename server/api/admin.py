"""Admin API: consultants, users, audit log."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from server.access import require_user
from server.accounts import ConsultantCreate, UserPublic, create_consultant
from server.deps import DbSession
from server.limits import Id
from server.models import AuditEvent, Role, User
from server.web_session import client_info

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
def api_admin_create_consultant(data: ConsultantCreate, request: Request, db: DbSession) -> UserPublic:
    user = create_consultant(db, data, require_user(request), client_info(request))
    return UserPublic.model_validate(user)


@router.get("/users", name="api_admin_users")
def api_admin_users(db: DbSession, role: Role | None = None) -> list[UserPublic]:
    query = select(User).order_by(User.id)
    if role is not None:
        query = query.where(User.role == role)
    return [UserPublic.model_validate(u) for u in db.scalars(query)]


@router.get("/audit-events", name="api_admin_audit")
def api_admin_audit(
    db: DbSession, event: str | None = None, limit: int = Query(default=100, ge=1, le=1000)
) -> list[AuditEventPublic]:
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if event:
        query = query.where(AuditEvent.event == event)
    return [AuditEventPublic.model_validate(e) for e in db.scalars(query)]
