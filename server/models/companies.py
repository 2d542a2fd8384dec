"""Consultant-registered companies (Job To Job Visit) and company hiring diagnoses (issue 15)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.core.db import Base, UTCDateTime, utcnow


class CompanyRegistration(Base):
    """A company a consultant registered after a visit or call, and its one-time claim.

    The consultant stays the company's contact after the claim. `nonce` is in the signed claim
    link; a new link (resend) replaces it, so only the latest link works, and only once.
    """

    __tablename__ = "company_registrations"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    consultant_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True
    )
    contact_name: Mapped[str] = mapped_column(String(100))
    contact_email: Mapped[str] = mapped_column(String(320))
    nonce: Mapped[str] = mapped_column(String(64))
    link_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CompanyDiagnosis(Base):
    """One filled-in 기업 진단; every one is kept, the newest is the company's current type."""

    __tablename__ = "company_diagnoses"
    __table_args__ = (Index("ix_company_diagnoses_company_at", "company_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    filled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    answers: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    scores: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    difficulty_type: Mapped[str] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
