"""A booth's day at a centre event (issue 15): what happened to each booking on the day, and
whether the seeker got the after-event follow-up. One row per booking, made when something
happens (the seeker enters the booth's room, the host records an outcome)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.core.db import Base, UTCDateTime


class EventInterview(Base):
    __tablename__ = "event_interviews"

    booking_id: Mapped[int] = mapped_column(ForeignKey("event_bookings.id", ondelete="CASCADE"), primary_key=True)
    shown_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)  # entered the room
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)  # the host finished it
    no_show_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    result: Mapped[str | None] = mapped_column(String(8), default=None)  # pass | hold | fail
    result_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    result_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    follow_up_kind: Mapped[str | None] = mapped_column(String(16), default=None)  # no_show | no_result
