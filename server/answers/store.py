"""The answer rows of one scope (a practice session, an interview invitation), for the live
controller: one implementation of `AnswerStore` for every `AnswerKind`."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.orm import Session

from analysis import Report
from media import RecordingRef
from server.answers.consent import has_consent
from server.answers.kind import AnswerKind
from server.answers.live import AnswerPlan, LiveAnswers, LiveAnswerServices, Send
from server.core.audit import record_audit
from server.core.db import session_scope, utcnow
from server.core.storage import StorageError
from server.jobs.queue import enqueue
from server.models import User

log = logging.getLogger("untact.answers")


def save_report(db: Session, kind: AnswerKind, answer_id: int, report: Report) -> None:
    """Store an answer's report (live or whole-file); a deleted answer is left deleted."""
    answer = db.get(kind.answer_model, answer_id)
    if answer is None:
        return
    answer.report = report.to_dict()
    answer.overall_score = report.scores.overall.score
    answer.status = "ready"
    answer.error_code = None
    if report.duration_s and not answer.duration_s:
        answer.duration_s = report.duration_s
    kind.on_report(db, answer)


class RecordedAnswerStore:
    """`AnswerStore` for one kind's scope, owned by one person; every method runs in a thread."""

    def __init__(self, kind: AnswerKind, services: LiveAnswerServices, *, scope_id: int, owner_id: int) -> None:
        self.kind = kind
        self.recording_prefix = kind.recording_prefix
        self._services = services
        self.scope_id = scope_id
        self.owner_id = owner_id
        # Answers whose upload failed when they were recorded: their analysis job uploads the
        # file first and then marks them ready (a live report alone must not).
        self._not_uploaded: set[int] = set()

    def create_answer(self, question_id: int) -> AnswerPlan | str:
        kind = self.kind
        with session_scope(self._services.sessionmaker) as db:
            scope = kind.load_scope(db, self.scope_id, self.owner_id)
            owner = db.get(User, self.owner_id)
            if scope is None or owner is None:
                return kind.not_found
            question = db.get(kind.question_model, question_id)
            if question is None or not kind.question_in_scope(scope, question):
                record_audit(
                    db,
                    "signalling_refused",
                    path=kind.socket_path(self.scope_id),
                    reason="foreign_question",
                    question_id=question_id,
                    seeker_id=self.owner_id,
                )
                return "not_your_question"
            problem = kind.refusal(scope)
            if problem:
                return problem
            if not has_consent(db, owner, kind.consent):
                return "consent_required"
            used = kind.attempts_used(db, self.scope_id, question.id)
            if used > kind.max_retakes(scope, question):
                return "no_retakes_left"
            answer = kind.answer_model(
                **{kind.scope_column: self.scope_id},
                question_id=question.id,
                attempt=used + 1,
                owner_instance=self._services.instance_id or None,  # recovery leaves it to this process
            )
            db.add(answer)
            db.flush()
            db.refresh(answer)
            path = kind.answer_file(self._services.recordings_dir, answer)
            answer.recording_path = self._services.file_storage.key_of(path)
            kind.on_started(db, scope, owner)
            context = kind.context(answer)
            return AnswerPlan(
                answer_id=answer.id,
                question_id=question.id,
                attempt=answer.attempt,
                path=path,
                options=context.options(),
                language=context.language,
                answer_limit_s=int(context.answer_time_limit_s or 0),
            )

    def mark_recorded(self, answer_id: int, ref: RecordingRef) -> None:
        """The closed file is stored (uploaded, with S3) before the answer moves on."""
        storage = self._services.file_storage
        key = storage.key_of(Path(ref.path))
        with self._services.sessionmaker() as db:
            deleted = db.get(self.kind.answer_model, answer_id) is None
        if deleted:  # deleted while recording
            storage.delete(key)
            return
        try:
            storage.commit(key)
        except StorageError as exc:  # kept locally; the analysis job uploads it
            log.warning("could not store the recording", extra={"answer_id": answer_id, "error": str(exc)})
            self._not_uploaded.add(answer_id)
        with session_scope(self._services.sessionmaker) as db:
            answer = db.get(self.kind.answer_model, answer_id)
            if answer is None:  # deleted meanwhile
                storage.delete(key)
                return
            answer.duration_s = ref.duration_s
            answer.partial = ref.partial
            answer.ended_at = utcnow()
            answer.status = "analyzing"
            if answer_id in self._not_uploaded:
                answer.error_code = StorageError.code
                enqueue(db, self.kind.analysis_job, {"answer_id": answer_id})
        if answer_id in self._not_uploaded:
            self._services.kick_worker()

    def save_report(self, answer_id: int, report: Report) -> None:
        if answer_id in self._not_uploaded:
            return  # the analysis job stores it once the file is uploaded
        with session_scope(self._services.sessionmaker) as db:
            save_report(db, self.kind, answer_id, report)

    def mark_failed(self, answer_id: int, code: str) -> None:
        with session_scope(self._services.sessionmaker) as db:
            answer = db.get(self.kind.answer_model, answer_id)
            if answer is not None:
                answer.status = "failed"
                answer.error_code = code

    def queue_file_analysis(self, answer_id: int, code: str) -> None:
        with session_scope(self._services.sessionmaker) as db:
            answer = db.get(self.kind.answer_model, answer_id)
            if answer is None:
                return
            answer.error_code = code
            if answer_id not in self._not_uploaded:  # else queued already
                enqueue(db, self.kind.analysis_job, {"answer_id": answer_id})
        self._services.kick_worker()


def live_answers(
    kind: AnswerKind,
    services: LiveAnswerServices,
    *,
    scope_id: int,
    owner_id: int,
    locale: str,
    send: Send,
    nudges: bool = True,
) -> LiveAnswers:
    """The live controller for one person's answering connection in one scope."""
    store = RecordedAnswerStore(kind, services, scope_id=scope_id, owner_id=owner_id)
    return LiveAnswers(
        services, store, peer_prefix=f"{kind.name}-{scope_id}", locale=locale,
        nudges_enabled=kind.nudges and nudges, send=send,
    )


__all__ = ["RecordedAnswerStore", "live_answers", "save_report"]
