"""The jobs every kind of recorded answer shares: whole-file analysis (when live analysis was
not possible, and after recovery), marking an answer failed when its job gives up, and the
recovery sweep. Registered per kind in server/jobs/handlers.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from analysis import AnalysisError, AnalysisOptions, ModelPool, Report, analyze_file
from server.answers.kind import AnswerKind
from server.answers.live import with_partial_flag
from server.answers.recovery import mark_answer_failed, recover_orphaned_answers
from server.answers.store import save_report
from server.core.db import session_scope
from server.core.storage import Storage, StorageError, storage_of
from server.jobs.queue import JobContext, JobFailed


def stored_for_analysis(context: JobContext, key: str) -> None:
    """Upload what was left locally of a recording (a crash, a failed upload) before it is
    analysed and marked ready; the job is retried while the store is unreachable."""
    try:
        storage_of(context.services).commit_leftover(key)
    except StorageError as exc:
        raise JobFailed(exc.code, str(exc), retryable=True) from exc


def analyse_recording(
    context: JobContext, model: Any, row_id: int, path: Path, options: AnalysisOptions, *, partial: bool
) -> Report:
    """Whole-file analysis of one stored recording (a row of `model` with `status` and
    `error_code`). A permanent failure marks the row failed; every failure is raised as a
    `JobFailed` with the analysis's code, so the queue retries what can be retried."""
    pool: ModelPool = context.services["model_pool"]
    storage = storage_of(context.services)
    key = storage.key_of(path)
    stored_for_analysis(context, key)
    try:
        with storage.local_copy(key) as local:
            report = analyze_file(local, options, pool=pool)
    except StorageError as exc:
        raise JobFailed(exc.code, str(exc), retryable=True) from exc
    except AnalysisError as exc:
        if not exc.retryable:
            with session_scope(context.sessionmaker) as db:
                row = db.get(model, row_id)
                if row is not None:
                    row.status = "failed"
                    row.error_code = exc.code
        raise JobFailed(exc.code, exc.message, retryable=exc.retryable) from exc
    return with_partial_flag(report) if partial else report


def analyze_answer(kind: AnswerKind, context: JobContext, payload: dict[str, Any]) -> None:
    """Analyse the answer's whole recording and store the report (job `kind.analysis_job`)."""
    settings = context.services["settings"]
    answer_id = int(payload["answer_id"])
    with session_scope(context.sessionmaker) as db:
        answer = db.get(kind.answer_model, answer_id)
        if answer is None:
            return  # deleted meanwhile: nothing to do
        path = settings.recordings_dir / (answer.recording_path or "")
        options = kind.context(answer).options()
        partial = answer.partial
    report = analyse_recording(context, kind.answer_model, answer_id, path, options, partial=partial)
    with session_scope(context.sessionmaker) as db:
        save_report(db, kind, answer_id, report)


def fail_answer(kind: AnswerKind, context: JobContext, payload: dict[str, Any], code: str) -> None:
    """The analysis job failed for good: the answer shows as failed, not `analyzing` forever."""
    mark_answer_failed(context.sessionmaker, kind.answer_model, int(payload["answer_id"]), code)


def recover_answers(
    kind: AnswerKind, factory: sessionmaker[Session], *, owner_timeout_s: float, include_unowned: bool = True,
    storage: Storage | None = None,
) -> int:
    """Answers left recording or analysing by a process that stopped: analyse what was saved.
    Answers of live processes, and answers whose analysis is queued or running, are left alone."""
    return len(
        recover_orphaned_answers(
            factory, kind.answer_model, kind.analysis_job, owner_timeout_s=owner_timeout_s,
            include_unowned=include_unowned, storage=storage,
        )
    )
