"""The audit log: one row per security-relevant event (the admin reads it in
server/accounts/audit_view.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from server.models import AuditEvent, User


def record_audit(
    db: Session,
    event: str,
    *,
    actor: User | None = None,
    actor_email: str | None = None,
    ip: str | None = None,
    path: str | None = None,
    **detail: object,
) -> None:
    db.add(
        AuditEvent(
            event=event,
            actor_id=actor.id if actor else None,
            actor_email=actor.email if actor else actor_email,
            ip=ip,
            path=path,
            detail=detail,
        )
    )


def audit_request(db: Session, connection: HTTPConnection, event: str, **detail: Any) -> None:
    """`record_audit` for the person making this request (actor, address and path from it)."""
    actor = getattr(connection.state, "user", None)
    record_audit(
        db,
        event,
        actor=actor if isinstance(actor, User) else None,
        ip=connection.client.host if connection.client else None,
        path=connection.url.path,
        **detail,
    )
