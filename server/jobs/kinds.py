"""Every kind of job, by name: the one list the handlers, the enqueuers and recovery share.

The names are stored in `jobs.kind`, so a value never changes once released; a new kind is a
new member here plus its handler in `server/jobs/handlers.py`.
"""

from __future__ import annotations

from enum import StrEnum


class JobKind(StrEnum):
    PURGE_EXPIRED_SESSIONS = "purge_expired_sessions"
    PURGE_OLD_AUDIT = "purge_old_audit"
    PURGE_EXPIRED_PRACTICE = "purge_expired_practice"
    ANALYZE_PRACTICE_ANSWER = "analyze_practice_answer"
    ANALYZE_INTERVIEW_ANSWER = "analyze_interview_answer"
    ANALYZE_ROOM_RECORDING = "analyze_room_recording"
    DELIVER_NOTIFICATION = "deliver_notification"
    SEND_DUE_REMINDERS = "send_due_reminders"
    SEND_COMPANY_CLAIM_EMAIL = "send_company_claim_email"


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
