"""Employer interviews (issue 5): invitations with a status history, recorded one-way
interviews (question sets, answers, ratings, time-pinned comments, explanation requests),
and live rooms (interviewer notes, scorecards, chat, recordings)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.core.db import Base, UTCDateTime, utcnow
from server.models.accounts import Company, User
from server.models.answers import RecordedAnswer


class InterviewQuestionSet(Base):
    """A company's question set for recorded one-way interviews."""

    __tablename__ = "interview_question_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    title: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="ko")
    intro_message: Mapped[str] = mapped_column(Text, default="")
    intro_video_path: Mapped[str | None] = mapped_column(String(500), default=None)
    closing_message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    questions: Mapped[list[InterviewSetQuestion]] = relationship(
        back_populates="question_set", order_by="InterviewSetQuestion.position", cascade="all, delete-orphan"
    )


class InterviewSetQuestion(Base):
    __tablename__ = "interview_set_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("interview_question_sets.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    think_time_s: Mapped[int] = mapped_column(Integer, default=30)
    answer_limit_s: Mapped[int] = mapped_column(Integer, default=90)
    max_retakes: Mapped[int] = mapped_column(Integer, default=1)

    question_set: Mapped[InterviewQuestionSet] = relationship(back_populates="questions")


class InterviewInvitation(Base):
    """One seeker invited to one interview (live or recorded) for one of the company's postings."""

    __tablename__ = "interview_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    posting_id: Mapped[int | None] = mapped_column(
        ForeignKey("careers_postings.id", ondelete="SET NULL"), default=None, index=True
    )
    seeker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    kind: Mapped[str] = mapped_column(String(16))  # live | recorded
    title: Mapped[str] = mapped_column(String(200), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)  # live
    duration_min: Mapped[int] = mapped_column(Integer, default=30)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)  # recorded
    time_zone: Mapped[str] = mapped_column(String(64), default="Asia/Seoul")
    question_set_id: Mapped[int | None] = mapped_column(
        ForeignKey("interview_question_sets.id", ondelete="SET NULL"), default=None
    )
    # invited | accepted | declined | reschedule_requested | in_progress | submitted | held
    # | under_review | decided
    status: Mapped[str] = mapped_column(String(24), default="invited")
    decision: Mapped[str | None] = mapped_column(String(16), default=None)  # pass | hold | reject
    seeker_note: Mapped[str] = mapped_column(Text, default="")  # e.g. the time they asked for
    companion_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    recording_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The calendar entry's SEQUENCE (RFC 5545): raised on every new time or cancellation, so
    # a calendar that has the invitation updates its entry (same UID) instead of adding one.
    calendar_sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    company: Mapped[Company] = relationship()
    seeker: Mapped[User] = relationship(foreign_keys=[seeker_id])
    question_set: Mapped[InterviewQuestionSet | None] = relationship()
    events: Mapped[list[InvitationEvent]] = relationship(
        back_populates="invitation", order_by="InvitationEvent.id", cascade="all, delete-orphan"
    )
    answers: Mapped[list[InterviewAnswer]] = relationship(
        back_populates="invitation", order_by="InterviewAnswer.id", cascade="all, delete-orphan"
    )


class InvitationEvent(Base):
    """The status history: who changed what, and when."""

    __tablename__ = "interview_invitation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("interview_invitations.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    actor_name: Mapped[str] = mapped_column(String(100), default="")
    from_status: Mapped[str | None] = mapped_column(String(24), default=None)
    to_status: Mapped[str] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text, default="")

    invitation: Mapped[InterviewInvitation] = relationship(back_populates="events")


class InterviewAnswer(RecordedAnswer, Base):
    """One recorded attempt at a question of a one-way interview; the latest attempt counts."""

    __tablename__ = "interview_answers"

    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("interview_invitations.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(ForeignKey("interview_set_questions.id", ondelete="CASCADE"))

    invitation: Mapped[InterviewInvitation] = relationship(back_populates="answers")
    question: Mapped[InterviewSetQuestion] = relationship()


class AnswerRating(Base):
    """One reviewer's independent 1–5 rating of one answer."""

    __tablename__ = "interview_answer_ratings"
    __table_args__ = (UniqueConstraint("answer_id", "reviewer_id", name="uq_interview_answer_rating"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("interview_answers.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class InterviewComment(Base):
    """A reviewer's comment pinned to a time in an answer's video."""

    __tablename__ = "interview_review_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("interview_answers.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    author_name: Mapped[str] = mapped_column(String(100), default="")
    at_s: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ExplanationRequest(Base):
    """A seeker asking for an explanation or a human review of an automated score (PIPA Art. 37-2)."""

    __tablename__ = "interview_explanation_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("interview_answers.id", ondelete="CASCADE"), index=True)
    seeker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # explanation | human_review
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | answered
    response: Mapped[str] = mapped_column(Text, default="")
    responded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class InterviewScorecard(Base):
    """One interviewer's private scorecard for an invitation: the rubric's criteria, 1–5 each."""

    __tablename__ = "interview_scorecards"
    __table_args__ = (UniqueConstraint("invitation_id", "reviewer_id", name="uq_interview_scorecard"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("interview_invitations.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    scores: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    notes: Mapped[str] = mapped_column(Text, default="")  # private: never shown to the seeker
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class InterviewRubric(Base):
    """The company's scorecard criteria (a default set until the company edits it)."""

    __tablename__ = "interview_rubrics"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    criteria: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RoomChatMessage(Base):
    __tablename__ = "interview_chat_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("interview_invitations.id", ondelete="CASCADE"), index=True
    )
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    sender_name: Mapped[str] = mapped_column(String(100), default="")
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RoomRecording(Base):
    """One participant's track recorded in a live room (only after the seeker's consent)."""

    __tablename__ = "interview_room_recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("interview_invitations.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    role: Mapped[str] = mapped_column(String(16), default="candidate")  # interviewer | candidate | companion
    recording_path: Mapped[str] = mapped_column(String(500))
    # recording | recorded | analyzing | ready | failed; only the candidate's track is analysed.
    status: Mapped[str] = mapped_column(String(16), default="recording")
    report: Mapped[dict[str, object] | None] = mapped_column(JSON, default=None)
    error_code: Mapped[str | None] = mapped_column(String(64), default=None)
    duration_s: Mapped[float | None] = mapped_column(Float, default=None)
    partial: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The app process recording this track (as for answers): recovery finalises the recording
    # only once that process is gone.
    owner_instance: Mapped[str | None] = mapped_column(String(128), default=None)
