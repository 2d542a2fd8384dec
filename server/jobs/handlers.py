"""The job kinds this server knows, by name. Later features register theirs here."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session, sessionmaker

from server.core.db import session_scope, utcnow
from server.jobs.kinds import JobKind
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
    from server.answers.kind import AnswerKind
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
        enqueue_unless_pending(db, JobKind.PURGE_OLD_AUDIT, delay_s=24 * 3600)


def answer_kinds() -> tuple[AnswerKind, ...]:
    """Every kind of recorded answer: each gets its analysis job, failure handler and recovery."""
    from server.interviews.oneway import INTERVIEW_ANSWERS
    from server.practice.answers import PRACTICE_ANSWERS

    return (PRACTICE_ANSWERS, INTERVIEW_ANSWERS)


def job_handlers() -> dict[str, JobHandler]:
    from server.answers.jobs import analyze_answer
    from server.companies.jobs import send_company_claim_email
    from server.interviews.oneway import analyze_room_recording
    from server.notifications.jobs import deliver_notification, send_due_reminders
    from server.practice.jobs import purge_expired_practice

    return {
        JobKind.PURGE_EXPIRED_SESSIONS: purge_expired_sessions,
        JobKind.PURGE_OLD_AUDIT: purge_old_audit,
        JobKind.PURGE_EXPIRED_PRACTICE: purge_expired_practice,
        JobKind.ANALYZE_ROOM_RECORDING: analyze_room_recording,
        JobKind.DELIVER_NOTIFICATION: deliver_notification,
        JobKind.SEND_DUE_REMINDERS: send_due_reminders,
        JobKind.SEND_COMPANY_CLAIM_EMAIL: send_company_claim_email,
        **{kind.analysis_job: functools.partial(analyze_answer, kind) for kind in answer_kinds()},
    }


def job_failure_handlers() -> dict[str, FailureHandler]:
    """What to mark failed when a job of that kind fails for good (after its last attempt)."""
    from server.answers.jobs import fail_answer
    from server.interviews.oneway import fail_room_recording
    from server.notifications.jobs import fail_delivery

    return {
        JobKind.ANALYZE_ROOM_RECORDING: fail_room_recording,
        JobKind.DELIVER_NOTIFICATION: fail_delivery,
        **{kind.analysis_job: functools.partial(fail_answer, kind) for kind in answer_kinds()},
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
