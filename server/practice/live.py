"""One seeker's live practice connection: the generic `LiveAnswers` controller
(`server/answers/live.py`) with practice's rules for creating and saving answers."""

from __future__ import annotations

from pathlib import Path

from analysis import AnalysisOptions, Report
from media import RecordingRef
from server.answers.live import (
    NUDGE_COOLDOWN_S,
    AnswerPlan,
    LiveAnswers,
    LiveAnswerServices,
    Send,
    choose_nudge,
    with_partial_flag,
)
from server.core.audit import record_audit
from server.core.db import session_scope, utcnow
from server.jobs.queue import enqueue
from server.models import PracticeAnswer, PracticeQuestion, PracticeSession
from server.practice.service import (
    answer_file,
    attempts_used,
    has_current_consent,
    mark_completed_if_done,
    mark_in_progress,
)

__all__ = [
    "NUDGE_COOLDOWN_S",
    "PracticeAnswerStore",
    "PracticeLive",
    "PracticeServices",
    "choose_nudge",
    "with_partial_flag",
]

PracticeServices = LiveAnswerServices


class PracticeAnswerStore:
    """Practice answers: the seeker's own session, current consent, the session's retakes."""

    recording_prefix = "practice-answer"

    def __init__(self, services: LiveAnswerServices, *, session_id: int, seeker_id: int) -> None:
        self._services = services
        self.session_id = session_id
        self.seeker_id = seeker_id

    def create_answer(self, question_id: int) -> AnswerPlan | str:
        with session_scope(self._services.sessionmaker) as db:
            question = db.get(PracticeQuestion, question_id)
            session = db.get(PracticeSession, self.session_id)
            if session is None:
                return "practice_not_found"
            if question is None or question.session_id != self.session_id:
                record_audit(
                    db,
                    "signalling_refused",
                    path=f"/ws/practice/{self.session_id}",
                    reason="foreign_question",
                    question_id=question_id,
                    seeker_id=self.seeker_id,
                )
                return "not_your_question"
            if not has_current_consent(db, session.seeker):
                return "consent_required"
            used = attempts_used(db, question)
            if used > session.max_retakes:
                return "no_retakes_left"
            answer = PracticeAnswer(
                session_id=session.id, question_id=question.id, attempt=used + 1,
                owner_instance=self._services.instance_id or None,  # recovery leaves it to this process
            )
            db.add(answer)
            db.flush()
            path = answer_file(self._services.recordings_dir, answer)
            answer.recording_path = str(path.relative_to(self._services.recordings_dir))
            mark_in_progress(session)
            return AnswerPlan(
                answer_id=answer.id,
                question_id=question.id,
                attempt=answer.attempt,
                path=path,
                options=AnalysisOptions(
                    question_text=question.text,
                    job_text=session.job_text,
                    expected_keywords=tuple(question.keywords),
                    language=session.language,
                    answer_time_limit_s=float(question.answer_limit_s),
                    model=self._services.whisper_model,
                    model_cache_dir=self._services.model_cache_dir,
                ),
                language=session.language,
                answer_limit_s=question.answer_limit_s,
            )

    def mark_recorded(self, answer_id: int, ref: RecordingRef) -> None:
        with session_scope(self._services.sessionmaker) as db:
            answer = db.get(PracticeAnswer, answer_id)
            if answer is None:  # deleted while recording
                Path(ref.path).unlink(missing_ok=True)
                return
            answer.duration_s = ref.duration_s
            answer.partial = ref.partial
            answer.ended_at = utcnow()
            answer.status = "analyzing"

    def save_report(self, answer_id: int, report: Report) -> None:
        with session_scope(self._services.sessionmaker) as db:
            answer = db.get(PracticeAnswer, answer_id)
            if answer is None:
                return
            answer.report = report.to_dict()
            answer.overall_score = report.scores.overall.score
            answer.status = "ready"
            answer.error_code = None
            mark_completed_if_done(db, answer.session)

    def mark_failed(self, answer_id: int, code: str) -> None:
        with session_scope(self._services.sessionmaker) as db:
            answer = db.get(PracticeAnswer, answer_id)
            if answer is not None:
                answer.status = "failed"
                answer.error_code = code

    def queue_file_analysis(self, answer_id: int, code: str) -> None:
        with session_scope(self._services.sessionmaker) as db:
            answer = db.get(PracticeAnswer, answer_id)
            if answer is None:
                return
            answer.error_code = code
            enqueue(db, "analyze_practice_answer", {"answer_id": answer_id})
        self._services.kick_worker()


class PracticeLive(LiveAnswers):
    def __init__(
        self,
        services: LiveAnswerServices,
        *,
        session_id: int,
        seeker_id: int,
        locale: str,
        nudges_enabled: bool,
        send: Send,
    ) -> None:
        store = PracticeAnswerStore(services, session_id=session_id, seeker_id=seeker_id)
        super().__init__(
            services, store, peer_prefix=f"practice-{session_id}", locale=locale,
            nudges_enabled=nudges_enabled, send=send,
        )
        self.session_id = session_id
        self.seeker_id = seeker_id
