"""Notifications: the in-app row every event writes, each person's channel preferences, the
deliveries queued for email and text messages, and the reminders already sent.

`server/notifications/service.py` `notify()` is the one way to write them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.core.db import Base, UTCDateTime, utcnow


class Notification(Base):
    """An in-app notification; text comes from the catalogs (`kind` + `params`)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(300), default="")
    # Review notifications go with their request (deleting a practice session removes them).
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("review_requests.id", ondelete="CASCADE"), index=True, default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class NotificationPreference(Base):
    """A person's channels. No row means the defaults: in-app and email, no text messages,
    no quiet hours. In-app is always on."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    email_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    text_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    phone: Mapped[str] = mapped_column(String(20), default="")  # digits only, e.g. 01012345678
    # Minutes after local midnight (the person's time zone); both None: no quiet hours.
    quiet_start_min: Mapped[int | None] = mapped_column(Integer, default=None)
    quiet_end_min: Mapped[int | None] = mapped_column(Integer, default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class NotificationDelivery(Base):
    """One notification on one outside channel (email or text), sent by a queued job.

    status: `queued` → `sent`; `deferred` while quiet hours hold it back; `skipped` when the
    person turned the channel off before it went; `failed` after the last attempt.
    """

    __tablename__ = "notification_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(8))  # email | text
    status: Mapped[str] = mapped_column(String(16), default="queued")
    # Files sent with an email: [{"filename", "content_type", "method", "text"}] (calendar invitations).
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error_code: Mapped[str | None] = mapped_column(String(64), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)


class NotificationReminder(Base):
    """A reminder that was sent: one row per (kind, subject, due time), so a restart or a
    second worker never sends it twice. A rescheduled interview has a new due time."""

    __tablename__ = "notification_reminders"
    __table_args__ = (UniqueConstraint("kind", "subject_id", "user_id", "due_at", name="uq_notification_reminder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # interview_24h | interview_1h | oneway_24h | checkin_due
    subject_id: Mapped[int] = mapped_column(Integer)  # the invitation or check-in
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
