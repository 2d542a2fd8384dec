"""Jobs, profiles, matching and the 9-step support journey (issue 7).

Pure scoring lives in `server/domain/`; these tables hold what people entered and the
precomputed matching features of each posting, so ranking needs no per-request featurising.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.core.db import Base, UTCDateTime, utcnow


class CompanyProfile(Base):
    """A company's public profile, edited by its employers; admins curate 탐나는 기업."""

    __tablename__ = "careers_company_profiles"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    industry: Mapped[str] = mapped_column(String(100), default="")
    size: Mapped[str] = mapped_column(String(16), default="")  # micro | small | medium | large
    region: Mapped[str] = mapped_column(String(100), default="")
    region_id: Mapped[str] = mapped_column(String(64), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    benefits: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    promising: Mapped[bool] = mapped_column(Boolean, default=False)
    promising_writeup: Mapped[str] = mapped_column(Text, default="")
    promising_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class JobPostingRow(Base):
    __tablename__ = "careers_postings"
    __table_args__ = (Index("ix_careers_postings_status_field", "status", "field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    title: Mapped[str] = mapped_column(String(200))
    field: Mapped[str] = mapped_column(String(32))
    duties: Mapped[str] = mapped_column(Text, default="")
    required_skills: Mapped[list[str]] = mapped_column(JSON, default=list)  # as typed
    preferred_skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    career_level: Mapped[str] = mapped_column(String(16), default="any")
    min_career_years: Mapped[float] = mapped_column(Float, default=0.0)
    max_career_years: Mapped[float | None] = mapped_column(Float, default=None)
    education: Mapped[str] = mapped_column(String(16), default="none")
    employment_type: Mapped[str] = mapped_column(String(16), default="full_time")
    region: Mapped[str] = mapped_column(String(100), default="")
    region_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    salary_min_krw: Mapped[int | None] = mapped_column(Integer, default=None)
    salary_max_krw: Mapped[int | None] = mapped_column(Integer, default=None)
    deadline: Mapped[date | None] = mapped_column(Date, default=None)
    openings: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    # PostingFeatures without the n-grams (JSON) plus the n-grams as bytes: ranking loads these only.
    features: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    text_ngrams: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    # " term term " (space-padded) from search.posting_search_terms, for LIKE '% term %' filters.
    search_terms: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class SeekerProfileRow(Base):
    """Talent information; `discoverable` decides whether employers can ever see it."""

    __tablename__ = "careers_seeker_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    headline: Mapped[str] = mapped_column(String(200), default="")
    desired_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    aptitude_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    desired_regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    desired_salary_krw: Mapped[int | None] = mapped_column(Integer, default=None)
    desired_employment_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    career_years: Mapped[float] = mapped_column(Float, default=0.0)
    education: Mapped[str] = mapped_column(String(16), default="unspecified")  # until the seeker says
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    certificates: Mapped[list[str]] = mapped_column(JSON, default=list)
    career_history: Mapped[str] = mapped_column(Text, default="")
    cover_letter: Mapped[str] = mapped_column(Text, default="")
    discoverable: Mapped[bool] = mapped_column(Boolean, default=False)
    practice_score_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    search_terms: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class JobApplication(Base):
    __tablename__ = "careers_applications"
    __table_args__ = (UniqueConstraint("posting_id", "seeker_id", name="uq_careers_application"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("careers_postings.id", ondelete="CASCADE"), index=True)
    seeker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    # applied | reviewing | interview | rejected | hired
    status: Mapped[str] = mapped_column(String(16), default="applied")
    match_score: Mapped[float | None] = mapped_column(Float, default=None)
    invited: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class JobInvitation(Base):
    """An employer inviting a discoverable seeker to apply to one of the employer's postings."""

    __tablename__ = "careers_invitations"
    __table_args__ = (UniqueConstraint("posting_id", "seeker_id", name="uq_careers_invitation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("careers_postings.id", ondelete="CASCADE"), index=True)
    seeker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="sent")  # sent | applied
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CareersActivity(Base):
    """Light activity log for journey facts that have no table of their own (recommendations viewed)."""

    __tablename__ = "careers_activity"
    __table_args__ = (Index("ix_careers_activity_seeker_kind", "seeker_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seeker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class QuestionnaireResult(Base):
    """A completed diagnosis, aptitude test or stress self-check: answers plus the scored result."""

    __tablename__ = "careers_questionnaire_results"
    __table_args__ = (Index("ix_careers_questionnaire_seeker_kind", "seeker_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seeker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # diagnosis | aptitude | stress
    answers: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CoverLetter(Base):
    __tablename__ = "careers_cover_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    seeker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    posting_id: Mapped[int | None] = mapped_column(
        ForeignKey("careers_postings.id", ondelete="SET NULL"), default=None
    )
    title: Mapped[str] = mapped_column(String(200))
    limit_chars: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CoverLetterVersion(Base):
    """One version: the seeker's draft (with automatic feedback) or a consultant's revision and comments."""

    __tablename__ = "careers_cover_letter_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(
        ForeignKey("careers_cover_letters.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    author_role: Mapped[str] = mapped_column(String(16))  # seeker | consultant
    text: Mapped[str] = mapped_column(Text)
    comment: Mapped[str] = mapped_column(Text, default="")
    feedback: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CounsellingSlot(Base):
    """A consultant's published counselling slot; a seeker books it. The room comes with issue 5."""

    __tablename__ = "careers_counselling_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultant_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_min: Mapped[int] = mapped_column(Integer, default=50)
    mode: Mapped[str] = mapped_column(String(16), default="video")  # video | phone | in_person
    seeker_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True
    )
    booked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | booked | held
    seeker_note: Mapped[str] = mapped_column(Text, default="")
    # A live video room from the employer-interview issue, once it exists.
    room_ref: Mapped[str | None] = mapped_column(String(100), default=None)


class MentorProfile(Base):
    """An employed person volunteering as a mentor (any seeker, employer or consultant account)."""

    __tablename__ = "careers_mentor_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    region: Mapped[str] = mapped_column(String(100), default="")
    job_title: Mapped[str] = mapped_column(String(200), default="")
    employer_name: Mapped[str] = mapped_column(String(200), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    max_mentees: Mapped[int] = mapped_column(Integer, default=3)
    accepting: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MentorRequest(Base):
    __tablename__ = "careers_mentor_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    seeker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # requested | accepted | declined | completed
    status: Mapped[str] = mapped_column(String(16), default="requested")
    match_score: Mapped[float | None] = mapped_column(Float, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class MentorMessage(Base):
    __tablename__ = "careers_mentor_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("careers_mentor_requests.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Hire(Base):
    __tablename__ = "careers_hires"

    id: Mapped[int] = mapped_column(primary_key=True)
    seeker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    posting_id: Mapped[int | None] = mapped_column(
        ForeignKey("careers_postings.id", ondelete="SET NULL"), default=None
    )
    company_name: Mapped[str] = mapped_column(String(200))
    job_title: Mapped[str] = mapped_column(String(200), default="")
    hired_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FollowupCheckin(Base):
    __tablename__ = "careers_followup_checkins"
    __table_args__ = (UniqueConstraint("hire_id", "number", name="uq_careers_checkin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hire_id: Mapped[int] = mapped_column(ForeignKey("careers_hires.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    months_after_hire: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    answers: Mapped[dict[str, object] | None] = mapped_column(JSON, default=None)
    risk_level: Mapped[str | None] = mapped_column(String(8), default=None)
    reasons: Mapped[dict[str, object] | None] = mapped_column(JSON, default=None)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class ConsultantAssignment(Base):
    """Which consultant (and centre) follows a seeker; set by admins."""

    __tablename__ = "careers_consultant_assignments"

    seeker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    consultant_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    centre: Mapped[str] = mapped_column(String(100), default="")
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class JourneyNote(Base):
    __tablename__ = "careers_journey_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    seeker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    step_id: Mapped[str | None] = mapped_column(String(32), default=None)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PostingIndexVersion(Base):
    """One row whose counter goes up with every posting write, so the ranking cache can check
    for changes with a primary-key read instead of scanning the postings table."""

    __tablename__ = "careers_posting_index_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
