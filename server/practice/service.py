"""Practice rules on the database: consent, creating sessions, ownership, deletion."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator
from sqlalchemy.orm import Session

from server.answers.consent import ConsentTerms
from server.core.db import utcnow
from server.core.errors import InvalidInput, NotFound
from server.core.storage import Storage
from server.domain.questions import (
    JOB_FIELDS,
    Question,
    build_practice_set,
    field_display_name,
    get_question,
    questions_from_posting,
)
from server.models import PracticeAnswer, PracticeQuestion, PracticeSession, User

log = logging.getLogger("untact.practice")

# Bump the version when the consent text in the catalogs changes; people are asked again.
CONSENT = ConsentTerms(purpose="practice_recording", version="2026-11-v1")
RETENTION_DAYS = 180


class PracticeSessionCreate(BaseModel):
    source: Literal["field", "custom", "posting"] = "field"
    language: Literal["ko", "en"] = "ko"
    field: str | None = Field(default=None, max_length=32)
    question_ids: list[str] = Field(default_factory=list, max_length=10)
    custom_questions: list[str] = Field(default_factory=list, max_length=10)
    posting_title: str = Field(default="", max_length=200)
    posting_text: str = Field(default="", max_length=20_000)
    question_count: int = Field(default=5, ge=1, le=10)
    think_time_s: int = Field(default=30, ge=5, le=180)
    answer_limit_s: int = Field(default=90, ge=15, le=300)
    max_retakes: int = Field(default=2, ge=0, le=5)
    nudges_enabled: bool = True

    @field_validator("custom_questions")
    @classmethod
    def _custom(cls, value: list[str]) -> list[str]:
        cleaned = [q.strip() for q in value if q.strip()]
        if any(len(q) > 500 for q in cleaned):
            raise ValueError("a question is longer than 500 characters")
        return cleaned


def _bank_entry(
    question: Question, language: str, data: PracticeSessionCreate, position: int
) -> PracticeQuestion:
    keywords = question.keywords_ko if language == "ko" else question.keywords_en
    return PracticeQuestion(
        position=position,
        text=question.text(language),  # type: ignore[arg-type]
        bank_id=question.question_id if question.source == "bank" else None,
        keywords=list(keywords),
        think_time_s=data.think_time_s,
        answer_limit_s=data.answer_limit_s,
    )


def create_session(db: Session, seeker: User, data: PracticeSessionCreate) -> PracticeSession:
    language = data.language
    entries: list[PracticeQuestion] = []
    job_text = None
    if data.source == "field":
        if data.field not in JOB_FIELDS:
            raise InvalidInput("unknown_field")
        common = min(2, data.question_count - 1) if data.question_count > 1 else 0
        chosen = build_practice_set(data.field, field_count=data.question_count - common, common_count=common)
        title = field_display_name(data.field, language)
        entries = [_bank_entry(q, language, data, i) for i, q in enumerate(chosen)]
    elif data.source == "custom":
        title = "나만의 질문 세트" if language == "ko" else "My question set"
        entries = [
            _bank_entry(get_question(qid), language, data, i) for i, qid in enumerate(data.question_ids)
        ]
        for text in data.custom_questions:
            entries.append(
                PracticeQuestion(
                    position=len(entries),
                    text=text,
                    keywords=[],
                    think_time_s=data.think_time_s,
                    answer_limit_s=data.answer_limit_s,
                )
            )
    else:
        chosen = questions_from_posting(data.posting_title, data.posting_text, count=data.question_count)
        title = data.posting_title.strip() or (
            "채용공고 맞춤 질문" if language == "ko" else "Job posting questions"
        )
        job_text = f"{data.posting_title}\n{data.posting_text}".strip()
        entries = [_bank_entry(q, language, data, i) for i, q in enumerate(chosen)]
    if not entries:
        raise InvalidInput("no_questions")
    session = PracticeSession(
        seeker_id=seeker.id,
        title=title[:200],
        source=data.source,
        field=data.field if data.source == "field" else None,
        language=language,
        job_text=job_text,
        max_retakes=data.max_retakes,
        nudges_enabled=data.nudges_enabled,
        questions=entries,
    )
    db.add(session)
    db.flush()
    return session


def owned_session(db: Session, user: User, session_id: int) -> PracticeSession:
    """The seeker's own session; anyone else's looks like it does not exist."""
    session = db.get(PracticeSession, session_id)
    if session is None or session.seeker_id != user.id:
        raise NotFound("practice_not_found")
    return session


def owned_answer(db: Session, user: User, answer_id: int) -> PracticeAnswer:
    answer = db.get(PracticeAnswer, answer_id)
    if answer is None or answer.session.seeker_id != user.id:
        raise NotFound("practice_not_found")
    return answer


def session_dir(recordings_dir: Path, session: PracticeSession) -> Path:
    return recordings_dir / "practice" / str(session.seeker_id) / str(session.id)


def answer_file(recordings_dir: Path, answer: PracticeAnswer) -> Path:
    return session_dir(recordings_dir, answer.session) / f"answer-{answer.id}.webm"


def delete_answer(db: Session, storage: Storage, answer: PracticeAnswer) -> None:
    if answer.recording_path:
        storage.delete(answer.recording_path)
    db.delete(answer)


def delete_session(db: Session, storage: Storage, session: PracticeSession) -> None:
    """Removes recordings (stored objects and local copies), reports and rows for good."""
    folder = storage.key_of(session_dir(storage.staging_dir, session))
    for answer in list(session.answers):
        if answer.recording_path:
            storage.delete(answer.recording_path)
    from server.review.service import purge_session_reviews

    purge_session_reviews(db, session.id)  # consultant comments go, share links stop
    db.delete(session)
    db.flush()
    storage.delete_prefix(folder)  # anything else left in the session's folder
    log.info("practice session deleted", extra={"session_id": session.id})


def mark_in_progress(session: PracticeSession) -> None:
    if session.status == "created":
        session.status = "in_progress"


def mark_completed_if_done(db: Session, session: PracticeSession) -> None:
    answered = {a.question_id for a in session.answers if a.status in ("ready", "analyzing")}
    if all(q.id in answered for q in session.questions):
        session.status = "completed"
        session.completed_at = session.completed_at or utcnow()


def display_title(session: PracticeSession, locale: str) -> str:
    """Field sets are named in the viewer's language; custom and posting titles as written."""
    if session.source == "field" and session.field:
        return field_display_name(session.field, locale)  # type: ignore[arg-type]
    return session.title
