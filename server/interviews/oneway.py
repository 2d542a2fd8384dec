"""Recorded one-way interviews over WebRTC: the same `LiveAnswers` controller as practice, with
the interview's rules (the seeker's own invitation, before the deadline, the question's
retakes) and the interview's tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from analysis import AnalysisOptions, Report
from media import RecordingRef
from server.answers.live import AnswerPlan, LiveAnswers, LiveAnswerServices, Send, with_partial_flag
from server.core.audit import record_audit
from server.core.db import session_scope, utcnow
from server.interviews.service import (
    answer_file,
    attempts_used,
    can_answer,
    has_interview_consent,
    mark_started,
)
from server.jobs.queue import JobContext, JobFailed, enqueue
from server.models.accounts import User
from server.models.interviews import InterviewAnswer, InterviewInvitation, InterviewSetQuestion


def _analysis_options(
    question: InterviewSetQuestion, invitation: InterviewInvitation, *, model: str, cache: str
) -> AnalysisOptions:
    language = invitation.question_set.language if invitation.question_set else "ko"
    return AnalysisOptions(
        question_text=question.text,
        job_text=invitation.title or None,
        expected_keywords=(),
        language=language,  # type: ignore[arg-type]
        answer_time_limit_s=float(question.answer_limit_s),
        model=model,
        model_cache_dir=cache,
    )


class InterviewAnswerStore:
    recording_prefix = "interview-answer"

    def __init__(self, services: LiveAnswerServices, *, invitation_id: int, seeker_id: int) -> None:
        self._services = services
        self.invitation_id = invitation_id
        self.seeker_id = seeker_id

    def create_answer(self, question_id: int) -> AnswerPlan | str:
        with session_scope(self._services.sessionmaker) as db:
            invitation = db.get(InterviewInvitation, self.invitation_id)
            seeker = db.get(User, self.seeker_id)
            if invitation is None or seeker is None or invitation.seeker_id != self.seeker_id:
                return "interview_not_found"
            question = db.get(InterviewSetQuestion, question_id)
            if question is None or question.set_id != invitation.question_set_id:
                record_audit(
                    db,
                    "signalling_refused",
                    path=f"/ws/interviews/{self.invitation_id}/answers",
                    reason="foreign_question",
                    question_id=question_id,
                    seeker_id=self.seeker_id,
                )
                return "not_your_question"
            problem = can_answer(invitation)
            if problem:
                return problem
            if not has_interview_consent(db, seeker):
                return "consent_required"
            used = attempts_used(db, invitation.id, question.id)
            if used > question.max_retakes:
                return "no_retakes_left"
            answer = InterviewAnswer(
                invitation_id=invitation.id, question_id=question.id, attempt=used + 1,
                owner_instance=self._services.instance_id or None,  # recovery leaves it to this process
            )
            db.add(answer)
            db.flush()
            db.refresh(answer)
            path = answer_file(self._services.recordings_dir, answer)
            answer.recording_path = str(path.relative_to(self._services.recordings_dir))
            mark_started(db, seeker, invitation)
            return AnswerPlan(
                answer_id=answer.id,
                question_id=question.id,
                attempt=answer.attempt,
                path=path,
                options=_analysis_options(
                    question, invitation,
                    model=self._services.whisper_model, cache=self._services.model_cache_dir,
                ),
                language=invitation.question_set.language if invitation.question_set else "ko",
                answer_limit_s=question.answer_limit_s,
            )

    def mark_recorded(self, answer_id: int, ref: RecordingRef) -> None:
        with session_scope(self._services.sessionmaker) as db:
            answer = db.get(InterviewAnswer, answer_id)
            if answer is None:
                Path(ref.path).unlink(missing_ok=True)
                return
            answer.duration_s = ref.duration_s
            answer.partial = ref.partial
            answer.ended_at = utcnow()
            answer.status = "analyzing"

    def save_report(self, answer_id: int, report: Report) -> None:
        with session_scope(self._services.sessionmaker) as db:
            save_answer_report(db, answer_id, report)

    def mark_failed(self, answer_id: int, code: str) -> None:
        with session_scope(self._services.sessionmaker) as db:
            answer = db.get(InterviewAnswer, answer_id)
            if answer is not None:
                answer.status = "failed"
                answer.error_code = code

    def queue_file_analysis(self, answer_id: int, code: str) -> None:
        with session_scope(self._services.sessionmaker) as db:
            answer = db.get(InterviewAnswer, answer_id)
            if answer is None:
                return
            answer.error_code = code
            enqueue(db, "analyze_interview_answer", {"answer_id": answer_id})
        self._services.kick_worker()


def save_answer_report(db: Session, answer_id: int, report: Report) -> None:
    answer = db.get(InterviewAnswer, answer_id)
    if answer is None:
        return
    answer.report = report.to_dict()
    answer.overall_score = report.scores.overall.score
    answer.status = "ready"
    answer.error_code = None
    if report.duration_s and not answer.duration_s:
        answer.duration_s = report.duration_s


class OneWayLive(LiveAnswers):
    """One seeker's answering connection for one recorded interview. Nudges stay off: this is
    an assessment, not practice."""

    def __init__(
        self, services: LiveAnswerServices, *, invitation_id: int, seeker_id: int, locale: str, send: Send
    ) -> None:
        store = InterviewAnswerStore(services, invitation_id=invitation_id, seeker_id=seeker_id)
        super().__init__(
            services, store, peer_prefix=f"interview-{invitation_id}", locale=locale,
            nudges_enabled=False, send=send,
        )


def analyze_interview_answer(context: JobContext, payload: dict[str, Any]) -> None:
    """Whole-file analysis when live analysis failed (job `analyze_interview_answer`)."""
    from analysis import AnalysisError, analyze_file

    settings = context.services["settings"]
    answer_id = int(payload["answer_id"])
    with session_scope(context.sessionmaker) as db:
        answer = db.get(InterviewAnswer, answer_id)
        if answer is None:
            return
        path = settings.recordings_dir / (answer.recording_path or "")
        options = _analysis_options(
            answer.question, answer.invitation,
            model=settings.whisper_model, cache=str(settings.model_cache_dir),
        )
        partial = answer.partial
    try:
        report = analyze_file(path, options, pool=context.services["model_pool"])
    except AnalysisError as exc:
        with session_scope(context.sessionmaker) as db:
            answer = db.get(InterviewAnswer, answer_id)
            if answer is not None and not exc.retryable:
                answer.status = "failed"
                answer.error_code = exc.code
        raise JobFailed(exc.code, exc.message, retryable=exc.retryable) from exc
    if partial:
        report = with_partial_flag(report)
    with session_scope(context.sessionmaker) as db:
        save_answer_report(db, answer_id, report)


def recover_interrupted_interview_answers(
    factory: Any, *, owner_timeout_s: float, include_unowned: bool = True
) -> int:
    """Answers left recording or analysing by a process that stopped: analyse what was saved.
    Answers of live processes, and answers whose analysis is queued or running, are left alone."""
    from server.answers.recovery import recover_orphaned_answers

    return len(
        recover_orphaned_answers(
            factory, InterviewAnswer, "analyze_interview_answer", owner_timeout_s=owner_timeout_s,
            include_unowned=include_unowned,
        )
    )


def recover_interrupted_room_recordings(
    factory: Any, *, owner_timeout_s: float, include_unowned: bool = True
) -> int:
    """Live-room tracks left `recording` by a process that stopped: kept as partial recordings,
    and the candidate's track analysed as after any call. A live process's recordings are left alone."""
    from server.answers.recovery import recover_orphaned_answers
    from server.models.interviews import RoomRecording

    return len(
        recover_orphaned_answers(
            factory, RoomRecording, "analyze_room_recording", owner_timeout_s=owner_timeout_s,
            include_unowned=include_unowned, payload_key="recording_id",
            analysed_when=RoomRecording.role == "candidate",
        )
    )


def fail_interview_answer(context: JobContext, payload: dict[str, Any], code: str) -> None:
    """The analysis job failed for good: the answer shows as failed, not `analyzing` forever."""
    from server.answers.recovery import mark_answer_failed

    mark_answer_failed(context.sessionmaker, InterviewAnswer, int(payload["answer_id"]), code)


def fail_room_recording(context: JobContext, payload: dict[str, Any], code: str) -> None:
    from sqlalchemy import update

    from server.models.interviews import RoomRecording

    with session_scope(context.sessionmaker) as db:
        db.execute(
            update(RoomRecording)
            .where(RoomRecording.id == int(payload["recording_id"]), RoomRecording.status == "analyzing")
            .values(status="failed", error_code=code[:64])
        )


def analyze_room_recording(context: JobContext, payload: dict[str, Any]) -> None:
    """The candidate's track of a live interview, analysed after the call (observable metrics only)."""
    from analysis import AnalysisError, analyze_file
    from server.models.interviews import RoomRecording

    settings = context.services["settings"]
    recording_id = int(payload["recording_id"])
    with session_scope(context.sessionmaker) as db:
        row = db.get(RoomRecording, recording_id)
        if row is None:
            return
        invitation = db.get(InterviewInvitation, row.invitation_id)
        participant = db.get(User, row.participant_id) if row.participant_id else None
        language = participant.locale if participant is not None and participant.locale in ("ko", "en") else "ko"
        path = settings.recordings_dir / row.recording_path
        options = AnalysisOptions(
            question_text=(invitation.title if invitation else "") or "interview",
            language=language,  # type: ignore[arg-type]
            model=settings.whisper_model,
            model_cache_dir=str(settings.model_cache_dir),
        )
        partial = row.partial
    try:
        report = analyze_file(path, options, pool=context.services["model_pool"])
    except AnalysisError as exc:
        with session_scope(context.sessionmaker) as db:
            row = db.get(RoomRecording, recording_id)
            if row is not None and not exc.retryable:
                row.status = "failed"
                row.error_code = exc.code
        raise JobFailed(exc.code, exc.message, retryable=exc.retryable) from exc
    if partial:
        report = with_partial_flag(report)
    with session_scope(context.sessionmaker) as db:
        row = db.get(RoomRecording, recording_id)
        if row is not None:
            row.report = report.to_dict()
            row.status = "ready"
            row.error_code = None
