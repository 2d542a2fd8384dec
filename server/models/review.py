"""Consultant review of practice sessions: requests, time-pinned comments, score verdicts,
share links with their view log. (In-app notifications are in `server/models/notifications.py`.)

Every row that belongs to a practice session has a foreign key to it (directly or through the
request) with `ON DELETE CASCADE`, so deleting the session removes comments and share links.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.core.db import Base, UTCDateTime, utcnow
from server.models.accounts import User
from server.models.practice import PracticeSession


class ReviewRequest(Base):
    """A seeker's request for human feedback on one practice session.

    status: `open` (in the queue) → `assigned` (by an admin, or claimed) → `submitted`;
    `withdrawn` at any time by the seeker, which ends every consultant's access.
    """

    __tablename__ = "review_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("practice_sessions.id", ondelete="CASCADE"), index=True
    )
    seeker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    consultant_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None
    )
    assigned_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    message: Mapped[str] = mapped_column(Text, default="")
    target_job: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    rubric: Mapped[dict[str, int] | None] = mapped_column(JSON, default=None)
    summary: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[list[str]] = mapped_column(JSON, default=list)
    next_steps_note: Mapped[str] = mapped_column(Text, default="")

    session: Mapped[PracticeSession] = relationship()
    seeker: Mapped[User] = relationship(foreign_keys=[seeker_id])
    consultant: Mapped[User | None] = relationship(foreign_keys=[consultant_id])
    comments: Mapped[list[ReviewComment]] = relationship(
        back_populates="request",
        order_by="(ReviewComment.answer_id, ReviewComment.start_s, ReviewComment.id)",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    verdicts: Mapped[list[ScoreVerdict]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="ScoreVerdict.id"
    )


class ReviewComment(Base):
    """A consultant's comment on a time range of one answer; the seeker may reply once."""

    __tablename__ = "review_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("review_requests.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("practice_sessions.id", ondelete="CASCADE"), index=True
    )
    answer_id: Mapped[int] = mapped_column(ForeignKey("practice_answers.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    category: Mapped[str] = mapped_column(String(16))  # delivery | content | gaze | structure
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reply_body: Mapped[str | None] = mapped_column(Text, default=None)
    reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    request: Mapped[ReviewRequest] = relationship(back_populates="comments")


class ScoreVerdict(Base):
    """Whether the consultant agrees with one automated score of one answer, and why.
    Kept for calibrating the scorer."""

    __tablename__ = "review_score_verdicts"
    __table_args__ = (UniqueConstraint("request_id", "answer_id", "score_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("review_requests.id", ondelete="CASCADE"), index=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("practice_answers.id", ondelete="CASCADE"))
    consultant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    score_key: Mapped[str] = mapped_column(String(16))  # delivery | gaze | content | overall
    automated_score: Mapped[int | None] = mapped_column(Integer, default=None)
    agree: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReviewShareLink(Base):
    """A read-only link for an outside reviewer; only the token's SHA-256 is stored."""

    __tablename__ = "review_share_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("review_requests.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("practice_sessions.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class ReviewShareView(Base):
    """Every request made through a share link."""

    __tablename__ = "review_share_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("review_share_links.id", ondelete="CASCADE"), index=True)
    viewed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    path: Mapped[str] = mapped_column(String(500))
    ip: Mapped[str | None] = mapped_column(String(64), default=None)
    user_agent: Mapped[str | None] = mapped_column(String(300), default=None)
