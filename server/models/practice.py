"""AI interview practice: consents, practice sets, sessions and recorded answers with reports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.core.db import Base, UTCDateTime, utcnow
from server.models.accounts import User
from server.models.answers import RecordedAnswer


class Consent(Base):
    """A person's consent to a documented purpose (e.g. recording practice answers), by version."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(8))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class PracticeSession(Base):
    __tablename__ = "practice_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    seeker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16))  # field | custom | posting
    field: Mapped[str | None] = mapped_column(String(32), default=None)
    language: Mapped[str] = mapped_column(String(8), default="ko")
    job_text: Mapped[str | None] = mapped_column(Text, default=None)
    max_retakes: Mapped[int] = mapped_column(Integer, default=2)
    nudges_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="created")  # created|in_progress|completed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    questions: Mapped[list[PracticeQuestion]] = relationship(
        back_populates="session", order_by="PracticeQuestion.position", cascade="all, delete-orphan"
    )
    answers: Mapped[list[PracticeAnswer]] = relationship(
        back_populates="session", order_by="PracticeAnswer.id", cascade="all, delete-orphan"
    )
    seeker: Mapped[User] = relationship()


class PracticeQuestion(Base):
    __tablename__ = "practice_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("practice_sessions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    bank_id: Mapped[str | None] = mapped_column(String(64), default=None)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    think_time_s: Mapped[int] = mapped_column(Integer, default=30)
    answer_limit_s: Mapped[int] = mapped_column(Integer, default=90)

    session: Mapped[PracticeSession] = relationship(back_populates="questions")


class PracticeAnswer(RecordedAnswer, Base):
    """One recorded attempt at a question; retakes are further rows for the same question."""

    __tablename__ = "practice_answers"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("practice_sessions.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(ForeignKey("practice_questions.id", ondelete="CASCADE"))

    session: Mapped[PracticeSession] = relationship(back_populates="answers")
    question: Mapped[PracticeQuestion] = relationship()
