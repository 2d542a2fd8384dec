"""Recorded one-way interviews as a kind of recorded answer (server/answers/kind.py): the
seeker's own invitation, before the deadline, the question's retakes; nudges stay off (this is
an assessment, not practice). Also the after-call analysis of live-room tracks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from server.answers.kind import AnswerContext, AnswerKind
from server.core.db import session_scope
from server.interviews.service import CONSENT, answer_file, can_answer, mark_started
from server.jobs.kinds import JobKind
from server.jobs.queue import JobContext
from server.models.accounts import User
from server.models.interviews import InterviewAnswer, InterviewInvitation, InterviewSetQuestion


class InterviewAnswers(AnswerKind):
    name = "interview"
    answer_model = InterviewAnswer
    question_model = InterviewSetQuestion
    scope_column = "invitation_id"
    analysis_job = JobKind.ANALYZE_INTERVIEW_ANSWER
    recording_prefix = "interview-answer"
    consent = CONSENT
    not_found = "interview_not_found"
    nudges = False

    def load_scope(self, db: Session, scope_id: int, owner_id: int) -> InterviewInvitation | None:
        invitation = db.get(InterviewInvitation, scope_id)
        return invitation if invitation is not None and invitation.seeker_id == owner_id else None

    def question_in_scope(self, scope: InterviewInvitation, question: InterviewSetQuestion) -> bool:
        return question.set_id == scope.question_set_id

    def refusal(self, scope: InterviewInvitation) -> str | None:
        return can_answer(scope)

    def max_retakes(self, scope: InterviewInvitation, question: InterviewSetQuestion) -> int:
        return question.max_retakes

    def answer_file(self, recordings_dir: Path, answer: InterviewAnswer) -> Path:
        return answer_file(recordings_dir, answer)

    def context(self, answer: InterviewAnswer) -> AnswerContext:
        invitation, question = answer.invitation, answer.question
        return AnswerContext(
            question_text=question.text,
            job_text=invitation.title or None,
            language=invitation.question_set.language if invitation.question_set else "ko",
            answer_time_limit_s=float(question.answer_limit_s),
        )

    def on_started(self, db: Session, scope: InterviewInvitation, owner: User) -> None:
        mark_started(db, owner, scope)

    def on_report(self, db: Session, answer: InterviewAnswer) -> None:
        return None  # the invitation's status follows its events, not its reports

    def socket_path(self, scope_id: int) -> str:
        return f"/ws/interviews/{scope_id}/answers"


INTERVIEW_ANSWERS = InterviewAnswers()


def recover_interrupted_room_recordings(
    factory: Any, *, owner_timeout_s: float, include_unowned: bool = True, storage: Any = None
) -> int:
    """Live-room tracks left `recording` by a process that stopped: kept as partial recordings,
    and the candidate's track analysed as after any call. A live process's recordings are left alone."""
    from server.answers.recovery import recover_orphaned_answers
    from server.models.interviews import RoomRecording

    return len(
        recover_orphaned_answers(
            factory, RoomRecording, JobKind.ANALYZE_ROOM_RECORDING, owner_timeout_s=owner_timeout_s,
            include_unowned=include_unowned, payload_key="recording_id",
            analysed_when=RoomRecording.role == "candidate", storage=storage,
        )
    )


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
    from server.answers.jobs import analyse_recording
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
        context_ = AnswerContext(question_text=(invitation.title if invitation else "") or "interview", language=language)
        options = context_.options()
        partial = row.partial
    report = analyse_recording(context, RoomRecording, recording_id, path, options, partial=partial)
    with session_scope(context.sessionmaker) as db:
        row = db.get(RoomRecording, recording_id)
        if row is not None:
            row.report = report.to_dict()
            row.status = "ready"
            row.error_code = None
