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


def job_handlers() -> dict[str, JobHandler]:
    from server.interviews.oneway import analyze_interview_answer, analyze_room_recording
    from server.practice.jobs import analyze_practice_answer, purge_expired_practice

    return {
        "purge_expired_sessions": purge_expired_sessions,
        "analyze_practice_answer": analyze_practice_answer,
        "purge_expired_practice": purge_expired_practice,
        "analyze_interview_answer": analyze_interview_answer,
        "analyze_room_recording": analyze_room_recording,
    }
