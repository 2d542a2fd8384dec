"""Whole-file analysis of a practice answer: the fallback when live analysis failed, and the
recovery path for answers whose server stopped mid-answer."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from analysis import AnalysisError, AnalysisOptions, ModelPool, analyze_file
from server.core.db import session_scope, utcnow
from server.jobs.queue import JobContext, JobFailed, enqueue_unless_pending
from server.models import PracticeAnswer, PracticeSession
from server.practice.live import with_partial_flag
from server.practice.service import RETENTION_DAYS, delete_session, mark_completed_if_done

log = logging.getLogger("untact.practice.jobs")


def analyze_practice_answer(context: JobContext, payload: dict[str, Any]) -> None:
    settings = context.services["settings"]
    pool: ModelPool = context.services["model_pool"]
    with session_scope(context.sessionmaker) as db:
        answer = db.get(PracticeAnswer, int(payload["answer_id"]))
        if answer is None:
            return  # deleted meanwhile: nothing to do
        question, session = answer.question, answer.session
        path = settings.recordings_dir / (answer.recording_path or "")
        options = AnalysisOptions(
            question_text=question.text,
            job_text=session.job_text,
            expected_keywords=tuple(question.keywords),
            language=session.language,
            answer_time_limit_s=float(question.answer_limit_s),
            model=settings.whisper_model,
            model_cache_dir=str(settings.model_cache_dir),
        )
        partial = answer.partial
    try:
        report = analyze_file(path, options, pool=pool)
    except AnalysisError as exc:
        with session_scope(context.sessionmaker) as db:
            answer = db.get(PracticeAnswer, int(payload["answer_id"]))
            if answer is not None and not exc.retryable:
                answer.status = "failed"
                answer.error_code = exc.code
        raise JobFailed(exc.code, exc.message, retryable=exc.retryable) from exc
    if partial:
        report = with_partial_flag(report)
    with session_scope(context.sessionmaker) as db:
        answer = db.get(PracticeAnswer, int(payload["answer_id"]))
        if answer is None:
            return
        answer.report = report.to_dict()
        answer.overall_score = report.scores.overall.score
        answer.status = "ready"
        answer.error_code = None
        if report.duration_s and not answer.duration_s:
            answer.duration_s = report.duration_s
        mark_completed_if_done(db, answer.session)


def purge_expired_practice(context: JobContext, _payload: dict[str, Any]) -> None:
    """Delete practice kept longer than the consent promises, then check again in a day."""
    settings = context.services["settings"]
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
            delete_session(db, settings.recordings_dir, session)
        if expired:
            log.info("expired practice deleted", extra={"sessions": len(expired)})
        enqueue_unless_pending(db, "purge_expired_practice", delay_s=24 * 3600)


def recover_interrupted_answers(
    factory: sessionmaker[Session], *, owner_timeout_s: float, include_unowned: bool = True
) -> int:
    """Answers left recording or analysing by a process that stopped: analyse what was saved.
    Answers of live processes, and answers whose analysis is queued or running, are left alone."""
    from server.answers.recovery import recover_orphaned_answers

    return len(
        recover_orphaned_answers(
            factory, PracticeAnswer, "analyze_practice_answer", owner_timeout_s=owner_timeout_s,
            include_unowned=include_unowned,
        )
    )


def fail_practice_answer(context: JobContext, payload: dict[str, Any], code: str) -> None:
    """The analysis job failed for good: the answer shows as failed, not `analyzing` forever."""
    from server.answers.recovery import mark_answer_failed

    mark_answer_failed(context.sessionmaker, PracticeAnswer, int(payload["answer_id"]), code)
