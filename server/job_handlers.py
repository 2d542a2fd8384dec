"""The job kinds this server knows, by name. Later features register theirs here."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_

from server.db import session_scope, utcnow
from server.jobs import JobContext, JobHandler
from server.models import UserSession


def purge_expired_sessions(context: JobContext, _payload: dict[str, Any]) -> None:
    with session_scope(context.sessionmaker) as db:
        db.execute(
            delete(UserSession).where(or_(UserSession.expires_at < utcnow(), UserSession.revoked.is_(True)))
        )


def purge_old_audit(context: JobContext, _payload: dict[str, Any]) -> None:
    """Audit events past UNTACT_AUDIT_RETENTION_DAYS, and throttle counters nobody touched in a
    day, are deleted; then the job checks again in a day."""
    from datetime import timedelta

    from server.jobs import enqueue_unless_pending
    from server.models import AuditEvent, AuthThrottle

    settings = context.services.get("settings")
    retention_days = getattr(settings, "audit_retention_days", 365)
    with session_scope(context.sessionmaker) as db:
        db.execute(delete(AuditEvent).where(AuditEvent.at < utcnow() - timedelta(days=retention_days)))
        db.execute(delete(AuthThrottle).where(AuthThrottle.last_at < utcnow() - timedelta(days=1)))
        enqueue_unless_pending(db, "purge_old_audit", delay_s=24 * 3600)


def job_handlers() -> dict[str, JobHandler]:
    from server.interviews.oneway import analyze_interview_answer, analyze_room_recording
    from server.practice.jobs import analyze_practice_answer, purge_expired_practice

    return {
        "purge_expired_sessions": purge_expired_sessions,
        "purge_old_audit": purge_old_audit,
        "analyze_practice_answer": analyze_practice_answer,
        "purge_expired_practice": purge_expired_practice,
        "analyze_interview_answer": analyze_interview_answer,
        "analyze_room_recording": analyze_room_recording,
    }
