"""The job kinds this server knows, by name. Later features register theirs here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session, sessionmaker

from server.core.db import session_scope, utcnow
from server.jobs.queue import (
    FailureHandler,
    JobContext,
    JobHandler,
    JobNotifier,
    JobWorker,
    WakeupChannel,
    load_handler_modules,
)
from server.models import UserSession

if TYPE_CHECKING:
    from server.core.config import Settings


def purge_expired_sessions(context: JobContext, _payload: dict[str, Any]) -> None:
    with session_scope(context.sessionmaker) as db:
        db.execute(
            delete(UserSession).where(or_(UserSession.expires_at < utcnow(), UserSession.revoked.is_(True)))
        )


def purge_old_audit(context: JobContext, _payload: dict[str, Any]) -> None:
    """Audit events past UNTACT_AUDIT_RETENTION_DAYS, and throttle counters nobody touched in a
    day, are deleted; then the job checks again in a day."""
    from datetime import timedelta

    from server.jobs.queue import enqueue_unless_pending
    from server.models import AuditEvent, AuthThrottle

    settings = context.services.get("settings")
    retention_days = getattr(settings, "audit_retention_days", 365)
    with session_scope(context.sessionmaker) as db:
        db.execute(delete(AuditEvent).where(AuditEvent.at < utcnow() - timedelta(days=retention_days)))
        db.execute(delete(AuthThrottle).where(AuthThrottle.last_at < utcnow() - timedelta(days=1)))
        enqueue_unless_pending(db, "purge_old_audit", delay_s=24 * 3600)


def job_handlers() -> dict[str, JobHandler]:
    from server.interviews.oneway import analyze_interview_answer, analyze_room_recording
    from server.notifications.jobs import deliver_notification, send_due_reminders
    from server.practice.jobs import analyze_practice_answer, purge_expired_practice

    return {
        "purge_expired_sessions": purge_expired_sessions,
        "purge_old_audit": purge_old_audit,
        "analyze_practice_answer": analyze_practice_answer,
        "purge_expired_practice": purge_expired_practice,
        "analyze_interview_answer": analyze_interview_answer,
        "analyze_room_recording": analyze_room_recording,
        "deliver_notification": deliver_notification,
        "send_due_reminders": send_due_reminders,
    }


def job_failure_handlers() -> dict[str, FailureHandler]:
    """What to mark failed when a job of that kind fails for good (after its last attempt)."""
    from server.interviews.oneway import fail_interview_answer, fail_room_recording
    from server.notifications.jobs import fail_delivery
    from server.practice.jobs import fail_practice_answer

    return {
        "analyze_practice_answer": fail_practice_answer,
        "analyze_interview_answer": fail_interview_answer,
        "analyze_room_recording": fail_room_recording,
        "deliver_notification": fail_delivery,
    }


def make_worker(
    settings: Settings, factory: sessionmaker[Session], services: Mapping[str, Any]
) -> JobWorker:
    """A worker with every known job kind and the job settings (server and `untact worker`)."""
    from server.notifications.jobs import notification_services

    handlers = {**job_handlers(), **load_handler_modules(settings.job_handler_modules)}
    return JobWorker(
        factory,
        handlers,
        services={**notification_services(settings), **services},
        failure_handlers=job_failure_handlers(),
        poll_interval_s=settings.job_poll_interval_s,
        lease_s=settings.job_lease_s,
        shutdown_grace_s=settings.job_shutdown_grace_s,
        wakeup=WakeupChannel(settings.redis_url) if settings.redis_url else None,
    )


def make_notifier(settings: Settings, factory: sessionmaker[Session]) -> JobNotifier:
    """Wake workers after each commit that queued jobs: through Redis when configured."""
    notifier = JobNotifier(WakeupChannel(settings.redis_url) if settings.redis_url else None)
    notifier.install(factory)
    notifier.start()
    return notifier
