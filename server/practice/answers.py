"""Practice answers as a kind of recorded answer (server/answers/kind.py): the seeker's own
session, the session's retakes, the question's keywords and the posting's text for analysis,
nudges as the seeker chose."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from server.answers.kind import AnswerContext, AnswerKind
from server.jobs.kinds import JobKind
from server.models import PracticeAnswer, PracticeQuestion, PracticeSession
from server.practice.service import CONSENT, answer_file, mark_completed_if_done, mark_in_progress


class PracticeAnswers(AnswerKind):
    name = "practice"
    answer_model = PracticeAnswer
    question_model = PracticeQuestion
    scope_column = "session_id"
    analysis_job = JobKind.ANALYZE_PRACTICE_ANSWER
    recording_prefix = "practice-answer"
    consent = CONSENT
    not_found = "practice_not_found"
    nudges = True

    def load_scope(self, db: Session, scope_id: int, owner_id: int) -> PracticeSession | None:
        session = db.get(PracticeSession, scope_id)
        return session if session is not None and session.seeker_id == owner_id else None

    def question_in_scope(self, scope: PracticeSession, question: PracticeQuestion) -> bool:
        return question.session_id == scope.id

    def max_retakes(self, scope: PracticeSession, question: PracticeQuestion) -> int:
        return scope.max_retakes

    def answer_file(self, recordings_dir: Path, answer: PracticeAnswer) -> Path:
        return answer_file(recordings_dir, answer)

    def context(self, answer: PracticeAnswer) -> AnswerContext:
        question, session = answer.question, answer.session
        return AnswerContext(
            question_text=question.text,
            job_text=session.job_text,
            expected_keywords=tuple(question.keywords),
            language=session.language,
            answer_time_limit_s=float(question.answer_limit_s),
        )

    def on_started(self, db: Session, scope: PracticeSession, owner: Any) -> None:
        mark_in_progress(scope)

    def on_report(self, db: Session, answer: PracticeAnswer) -> None:
        mark_completed_if_done(db, answer.session)


PRACTICE_ANSWERS = PracticeAnswers()
