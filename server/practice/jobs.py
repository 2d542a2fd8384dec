"""Practice's own jobs: deleting practice kept longer than the consent promises. (The analysis
of an answer is the shared job in server/answers/jobs.py.)"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from server.core.db import session_scope, utcnow
from server.core.storage import storage_of
from server.jobs.kinds import JobKind
from server.jobs.queue import JobContext, enqueue_unless_pending
from server.models import PracticeAnswer, PracticeSession
from server.practice.service import RETENTION_DAYS, delete_session

log = logging.getLogger("untact.practice.jobs")


def purge_expired_practice(context: JobContext, _payload: dict[str, Any]) -> None:
    """Delete practice kept longer than the consent promises, then check again in a day."""
    storage = storage_of(context.services)
    cutoff = utcnow() - timedelta(days=RETENTION_DAYS)
    with session_scope(context.sessionmaker) as db:
        last_activity = (
            select(PracticeAnswer.session_id, func.max(PracticeAnswer.started_at).label("last"))
            .group_by(PracticeAnswer.session_id)
            .subquery()
        )
        expired = db.scalars(
            select(PracticeSession)
            .outerjoin(last_activity, last_activity.c.session_id == PracticeSession.id)
            .where(func.coalesce(last_activity.c.last, PracticeSession.created_at) < cutoff)
        ).all()
        for session in expired:
            delete_session(db, storage, session)
        if expired:
            log.info("expired practice deleted", extra={"sessions": len(expired)})
        enqueue_unless_pending(db, JobKind.PURGE_EXPIRED_PRACTICE, delay_s=24 * 3600)
