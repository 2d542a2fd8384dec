"""What the journey's live rooms keep (counselling bookings and mentoring sessions): each
person's recording consent, the chat, and recorded tracks. A row names its room by kind and
reference (`room_kind`, `ref_id`), as the room registry does; interview rooms keep theirs on
the invitation (`server/models/interviews.py`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.core.db import Base, UTCDateTime, utcnow


class LiveRoomConsent(Base):
    """One person's current consent to recording in one room; the audit log keeps the history."""

    __tablename__ = "live_room_consents"
    __table_args__ = (UniqueConstraint("room_kind", "ref_id", "user_id", name="uq_live_room_consent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    room_kind: Mapped[str] = mapped_column(String(16))
    ref_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LiveRoomMessage(Base):
    __tablename__ = "live_room_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_kind: Mapped[str] = mapped_column(String(16), index=True)
    ref_id: Mapped[int] = mapped_column(Integer, index=True)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    sender_name: Mapped[str] = mapped_column(String(100), default="")
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LiveRoomRecording(Base):
    """One participant's track, recorded only while both people consent; not analysed."""

    __tablename__ = "live_room_recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_kind: Mapped[str] = mapped_column(String(16), index=True)
    ref_id: Mapped[int] = mapped_column(Integer, index=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    role: Mapped[str] = mapped_column(String(16), default="guest")  # host | guest
    recording_path: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="recording")  # recording | recorded
    duration_s: Mapped[float | None] = mapped_column(Float, default=None)
    partial: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    owner_instance: Mapped[str | None] = mapped_column(String(128), default=None)
