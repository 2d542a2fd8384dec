"""Notifications on the database: the one `notify()` call, reading and marking in-app
notifications, each person's channel preferences and quiet hours, and unsubscribe tokens.

`notify()` writes the in-app row and, by the person's preferences, one delivery per outside
channel (email, text message), each sent by a `deliver_notification` job after the commit
(`server/notifications/jobs.py`). Which channels this deployment has is installed on the
sessionmaker once (`install_channels`): without an SMTP host there is no email.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, StrictBool
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from server.core.db import utcnow
from server.core.errors import InvalidInput, NotFound
from server.core.i18n import translate
from server.core.signed_links import SignedLink
from server.core.templating import format_when
from server.domain.quiet_hours import format_clock, parse_clock, quiet_hours_end
from server.jobs.kinds import JobKind
from server.jobs.queue import enqueue
from server.models.accounts import User
from server.models.notifications import Notification, NotificationDelivery, NotificationPreference

log = logging.getLogger("untact.notifications")

CHANNELS_KEY = "untact_notification_channels"  # Session.info key (install_channels)
DELIVERY_JOB = JobKind.DELIVER_NOTIFICATION
DELIVERY_MAX_ATTEMPTS = 6  # back-off 5, 10, 20, 40, 80 s between them (server/jobs/queue.py)
UNSUBSCRIBE_SALT = "untact-unsubscribe-email"
DEFAULT_ZONE = "Asia/Seoul"

# Every kind of notification, with its text in the catalogs under `notifications.<kind>.*`
# (text: the in-app line and text message; subject, body, action: the email).
KINDS = (
    "interview_invited_live",
    "interview_invited_recorded",
    "interview_rescheduled",
    "interview_reschedule_requested",
    "interview_accepted",
    "interview_declined",
    "interview_reminder_24h",
    "interview_reminder_1h",
    "oneway_reminder_24h",
    "job_invitation",
    "review_feedback",
    "review_assigned",
    "review_reply",
    "letter_comment",
    "counselling_booked_seeker",
    "counselling_booked_consultant",
    "counselling_reminder_1h",
    "counselling_cancelled",
    "mentoring_accepted",
    "checkin_due",
    "event_slot_promoted",
    "event_booking_cancelled",
    "event_booking_confirmed",
    "event_booking_waiting",
    "event_booking_withdrawn",
    "event_booth_new_booking",
    "event_reminder_24h",
    "event_reminder_1h",
    "outreach_programme_items",
    "event_slot_delayed",
    "event_follow_up_no_show",
    "event_follow_up_no_result",
)


@dataclass(frozen=True)
class Channels:
    """The outside channels this deployment has. Text messages always have a sender (the
    logging one by default); email only with an SMTP host."""

    email: bool
    text: bool = True


def install_channels(factory: sessionmaker[Session], *, email: bool, text: bool = True) -> None:
    """Tell every session of this sessionmaker which outside channels exist (app and worker)."""
    factory.configure(info={CHANNELS_KEY: Channels(email=email, text=text)})
    if not email:
        log.warning("email is off: UNTACT_SMTP_HOST is not set, notifications are in-app only")


def channels_of(db: Session) -> Channels:
    channels = db.info.get(CHANNELS_KEY)
    return channels if isinstance(channels, Channels) else Channels(email=False, text=False)


@dataclass(frozen=True)
class Attachment:
    """A file sent with the email (e.g. the invitation's calendar entry)."""

    filename: str
    content_type: str  # "text/calendar"
    text: str
    method: str = ""  # the calendar's METHOD, repeated on the MIME part (iTIP)

    def as_json(self) -> dict[str, str]:
        return {"filename": self.filename, "content_type": self.content_type, "text": self.text,
                "method": self.method}


# ----------------------------------------------------------------- notify


def notify(
    db: Session,
    user_id: int,
    kind: str,
    *,
    link: str,
    request_id: int | None = None,
    attachments: tuple[Attachment, ...] = (),
    **params: str,
) -> Notification:
    """The one call for every event that asks someone to act.

    Writes the in-app notification; queues an email and a text message when the person has
    those channels on (and the deployment has them). Delivery happens after the commit, so a
    rolled-back event sends nothing; quiet hours defer it. `params` fill the catalog texts
    (`*_at`: ISO times, shown in the reader's zone; `*_key`: catalog keys, translated).
    """
    return notify_with(db, user_id, kind, link=link, params=params, request_id=request_id, attachments=attachments)


def notify_with(
    db: Session,
    user_id: int,
    kind: str,
    *,
    link: str,
    params: Mapping[str, str],
    request_id: int | None = None,
    attachments: tuple[Attachment, ...] = (),
) -> Notification:
    """`notify` with the params as a mapping (when they are built up as one)."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}: add it to KINDS and the catalogs")
    note = Notification(user_id=user_id, kind=kind, link=link, request_id=request_id, params=dict(params))
    db.add(note)
    db.flush()
    user = db.get(User, user_id)
    if user is None or not user.is_active:
        return note
    channels = channels_of(db)
    prefs = preferences_of(db, user_id)
    if channels.email and prefs.email_enabled:
        _queue_delivery(db, note, user, prefs, "email", [a.as_json() for a in attachments])
    if channels.text and prefs.text_enabled and prefs.phone:
        _queue_delivery(db, note, user, prefs, "text", [])
    return note


def _queue_delivery(
    db: Session,
    note: Notification,
    user: User,
    prefs: NotificationPreference,
    channel: str,
    attachments: list[dict[str, Any]],
) -> NotificationDelivery:
    now = utcnow()
    wait_until = quiet_until(prefs, user, now)
    delivery = NotificationDelivery(
        notification_id=note.id,
        user_id=user.id,
        channel=channel,
        status="deferred" if wait_until else "queued",
        attachments=attachments,
        not_before=wait_until or now,
    )
    db.add(delivery)
    db.flush()
    enqueue(
        db, DELIVERY_JOB, {"delivery_id": delivery.id},
        max_attempts=DELIVERY_MAX_ATTEMPTS, run_after=wait_until,
    )
    return delivery


def quiet_until(prefs: NotificationPreference, user: User, now: datetime) -> datetime | None:
    """When the person's quiet hours hold a message sent now, the moment they end."""
    return quiet_hours_end(now, prefs.quiet_start_min, prefs.quiet_end_min, user_zone(user))


def user_zone(user: User) -> ZoneInfo:
    try:
        return ZoneInfo(user.time_zone or DEFAULT_ZONE)
    except (ValueError, KeyError):
        return ZoneInfo(DEFAULT_ZONE)


# ----------------------------------------------------------------- texts


def rendered_params(params: dict[str, str], locale: str, zone: ZoneInfo) -> dict[str, str]:
    """Params as the reader sees them: `*_at` ISO times in their zone and language
    ("3월 5일 (목) 오후 2:00"), `*_key` catalog keys translated."""
    out: dict[str, str] = {}
    for key, value in params.items():
        if key.endswith("_at"):
            try:
                out[key] = format_when(datetime.fromisoformat(value).astimezone(zone), locale)
            except ValueError:
                out[key] = value
        elif key.endswith("_key"):
            out[key.removesuffix("_key")] = translate(locale, value)
        else:
            out[key] = value
    return out


def notification_text(note: Notification, locale: str, zone: ZoneInfo, part: str = "text") -> str:
    return translate(locale, f"notifications.{note.kind}.{part}", **rendered_params(note.params, locale, zone))


# ----------------------------------------------------------------- in-app


def unread_count(db: Session, user: User) -> int:
    return int(
        db.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def notifications_for(db: Session, user: User, limit: int = 50) -> list[Notification]:
    return list(
        db.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id.desc())
            .limit(limit)
        ).all()
    )


def mark_read(db: Session, user: User, notification_id: int | None = None) -> int:
    rows = [
        n
        for n in notifications_for(db, user, limit=500)
        if n.read_at is None and (notification_id is None or n.id == notification_id)
    ]
    if notification_id is not None and not rows:
        existing = db.get(Notification, notification_id)
        if existing is None or existing.user_id != user.id:
            raise NotFound("notification_not_found")
    now = utcnow()
    for n in rows:
        n.read_at = now
    db.flush()
    return len(rows)


# ----------------------------------------------------------------- preferences


_MOBILE = re.compile(r"^01[016789]\d{7,8}$")


def normalize_phone(value: str) -> str | None:
    """A Korean mobile number as digits ("010-1234-5678", "+82 10-1234-5678" → "01012345678")."""
    digits = re.sub(r"[\s\-().]", "", value.strip())
    if digits.startswith("+82"):
        digits = "0" + digits[3:]
    return digits if _MOBILE.match(digits) else None


class QuietHoursIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: str = Field(max_length=5, examples=["22:00"])
    end: str = Field(max_length=5, examples=["08:00"])


class PreferencesIn(BaseModel):
    """In-app notifications are always on; email and text messages can be turned off."""

    model_config = ConfigDict(extra="forbid")

    email: StrictBool
    text: StrictBool
    phone: str = Field(default="", max_length=20)
    quiet_hours: QuietHoursIn | None = None


def preferences_of(db: Session, user_id: int) -> NotificationPreference:
    """The stored preferences, or the defaults (not added to the session) when none are stored."""
    prefs = db.get(NotificationPreference, user_id)
    if prefs is None:
        prefs = NotificationPreference(
            user_id=user_id, email_enabled=True, text_enabled=False, phone="",
            quiet_start_min=None, quiet_end_min=None,
        )
    return prefs


def _stored_preferences(db: Session, user_id: int) -> NotificationPreference:
    prefs = db.get(NotificationPreference, user_id)
    if prefs is None:
        prefs = preferences_of(db, user_id)
        db.add(prefs)
    return prefs


def save_preferences(db: Session, user: User, data: PreferencesIn) -> NotificationPreference:
    phone = ""
    if data.phone.strip():
        normalized = normalize_phone(data.phone)
        if normalized is None:
            raise InvalidInput("invalid_phone")
        phone = normalized
    if data.text and not phone:
        raise InvalidInput("phone_required")
    start = end = None
    if data.quiet_hours is not None:
        start, end = parse_clock(data.quiet_hours.start), parse_clock(data.quiet_hours.end)
        if start is None or end is None:
            raise InvalidInput("invalid_clock")
        if start == end:
            raise InvalidInput("quiet_hours_empty")
    prefs = _stored_preferences(db, user.id)
    prefs.email_enabled = data.email
    prefs.text_enabled = data.text
    prefs.phone = phone
    prefs.quiet_start_min, prefs.quiet_end_min = start, end
    prefs.updated_at = utcnow()
    db.flush()
    return prefs


def preferences_public(prefs: NotificationPreference) -> dict[str, Any]:
    quiet = None
    if prefs.quiet_start_min is not None and prefs.quiet_end_min is not None:
        quiet = {"start": format_clock(prefs.quiet_start_min), "end": format_clock(prefs.quiet_end_min)}
    return {
        "in_app": True,
        "email": prefs.email_enabled,
        "text": prefs.text_enabled,
        "phone": prefs.phone,
        "quiet_hours": quiet,
    }


# ----------------------------------------------------------------- unsubscribe


UNSUBSCRIBE_LINK = SignedLink(UNSUBSCRIBE_SALT, "unsubscribe_link_expired", InvalidInput, "unsubscribe_link_invalid")


def unsubscribe_token(secret_key: str, user_id: int) -> str:
    """A signed, dated token naming the person; it turns their email off without a login."""
    return UNSUBSCRIBE_LINK.make(secret_key, {"u": user_id, "c": "email"})


def user_for_unsubscribe(db: Session, secret_key: str, token: str, *, max_age_days: int) -> User:
    user_id, _ = UNSUBSCRIBE_LINK.read_id(secret_key, token, "u", max_age_days=max_age_days)
    user = db.get(User, user_id)
    if user is None:
        raise UNSUBSCRIBE_LINK.invalid()
    return user


def unsubscribe_email(db: Session, user: User) -> NotificationPreference:
    prefs = _stored_preferences(db, user.id)
    prefs.email_enabled = False
    prefs.updated_at = utcnow()
    db.flush()
    return prefs
