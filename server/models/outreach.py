"""Outreach programmes for target groups (issue 15 item 4): a consultant's programme for 청년,
경력단절여성, 중장년, 고령자 or 장애인, the seekers enrolled in it, the events and postings it
carries, and what was already sent to whom (so one item reaches one person once).

`outreach_seeker_facts` holds what a seeker chose to tell for these programmes (birth year,
career break, registered disability). It is optional, the seeker's own, and the only thing the
eligibility suggestions read: nothing is guessed from names, photos or other fields.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.core.db import Base, UTCDateTime, utcnow


class OutreachProgramme(Base):
    __tablename__ = "outreach_programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # youth | career_break_women | middle_aged | older | disabled (server/domain/outreach.py)
    target_group: Mapped[str] = mapped_column(String(24))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # The consultant who runs it; only they and admins see it.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OutreachEnrolment(Base):
    """A seeker in a programme: `active`, or `left` (by the seeker, or removed by staff)."""

    __tablename__ = "outreach_enrolments"
    __table_args__ = (UniqueConstraint("programme_id", "seeker_id", name="uq_outreach_enrolment"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("outreach_programmes.id", ondelete="CASCADE"), index=True)
    seeker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    enrolled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    status: Mapped[str] = mapped_column(String(8), default="active")  # active | left | removed
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class OutreachItem(Base):
    """One published event or one public posting the programme carries (exactly one of the two)."""

    __tablename__ = "outreach_items"
    __table_args__ = (
        UniqueConstraint("programme_id", "event_id", name="uq_outreach_item_event"),
        UniqueConstraint("programme_id", "posting_id", name="uq_outreach_item_posting"),
        CheckConstraint("(event_id IS NULL) <> (posting_id IS NULL)", name="ck_outreach_item_one"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("outreach_programmes.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), default=None)
    posting_id: Mapped[int | None] = mapped_column(
        ForeignKey("careers_postings.id", ondelete="CASCADE"), default=None
    )
    added_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OutreachSend(Base):
    """An item that reached a seeker: the unique key is what makes a second send skip it."""

    __tablename__ = "outreach_sends"
    __table_args__ = (UniqueConstraint("item_id", "seeker_id", name="uq_outreach_send"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("outreach_items.id", ondelete="CASCADE"), index=True)
    seeker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    notification_id: Mapped[int | None] = mapped_column(
        ForeignKey("notifications.id", ondelete="SET NULL"), default=None
    )
    sent_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OutreachSeekerFacts(Base):
    """What a seeker chose to tell for programme suggestions; None everywhere means not told."""

    __tablename__ = "outreach_seeker_facts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    birth_year: Mapped[int | None] = mapped_column(Integer, default=None)
    career_break: Mapped[bool | None] = mapped_column(Boolean, default=None)  # 경력단절여성에 해당
    disability: Mapped[bool | None] = mapped_column(Boolean, default=None)  # 등록 장애인
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
