"""Centre events (issue 15): job fairs, meeting days and standing interviews, with company booths,
live interview slots per booth and seekers' bookings (booked, waiting, cancelled).

Double booking is refused by the database itself: a slot has at most one `booked` row and a
seeker at most one active row per slot (partial unique indexes, on SQLite and PostgreSQL), and
the service serialises bookings per event by updating the event row first (a row lock).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from server.core.db import Base, UTCDateTime, utcnow


class CentreEvent(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))  # job_fair | meeting_day | standing_interview
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | published | closed
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    # Bumped by every booking change: the UPDATE is the lock that serialises them per event.
    booking_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EventBooth(Base):
    """One participating company; its posting is where a booking applies, its question set the
    company's intro video and recorded questions for visitors."""

    __tablename__ = "event_booths"
    __table_args__ = (UniqueConstraint("event_id", "company_id", name="uq_event_booth_company"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    posting_id: Mapped[int | None] = mapped_column(
        ForeignKey("careers_postings.id", ondelete="SET NULL"), default=None
    )
    question_set_id: Mapped[int | None] = mapped_column(
        ForeignKey("interview_question_sets.id", ondelete="SET NULL"), default=None
    )
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EventSlot(Base):
    """A live interview slot at a booth, for one seeker."""

    __tablename__ = "event_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    booth_id: Mapped[int] = mapped_column(ForeignKey("event_booths.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_min: Mapped[int] = mapped_column(Integer)
    # Minutes the booth ran late, already added to `starts_at` (server/events/day.py).
    delay_min: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class EventBooking(Base):
    __tablename__ = "event_bookings"
    __table_args__ = (
        Index("ix_event_bookings_event_seeker", "event_id", "seeker_id"),
        Index(
            "uq_event_booking_slot_booked", "slot_id", unique=True,
            sqlite_where=text("status = 'booked'"), postgresql_where=text("status = 'booked'"),
        ),
        Index(
            "uq_event_booking_slot_seeker", "slot_id", "seeker_id", unique=True,
            sqlite_where=text("status IN ('booked', 'waiting')"),
            postgresql_where=text("status IN ('booked', 'waiting')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    slot_id: Mapped[int] = mapped_column(ForeignKey("event_slots.id", ondelete="CASCADE"), index=True)
    seeker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # booked | waiting | cancelled
    position: Mapped[int | None] = mapped_column(Integer, default=None)  # on the waiting list
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("careers_applications.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
