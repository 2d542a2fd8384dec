"""The notification job kinds: `deliver_notification` sends one delivery (email or text
message) after the commit that queued it, and `send_due_reminders` looks for due reminders
every `UNTACT_REMINDER_INTERVAL_S` and queues itself again.

Sending happens outside any database transaction. A delivery already `sent` is never sent
again, so a retried or taken-over job does not send twice (at least once remains possible
if a worker dies between the SMTP server's acceptance and the commit of `sent`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from server.core.config import Settings, load_settings
from server.core.db import session_scope, utcnow
from server.core.i18n import normalize_locale, translate
from server.events.reminders import send_due_event_reminders
from server.jobs.kinds import JobKind
from server.jobs.queue import JobContext, JobFailed, enqueue, enqueue_unless_pending
from server.models.accounts import User
from server.models.notifications import Notification, NotificationDelivery
from server.notifications import mail
from server.notifications.reminders import send_due_reminders as send_reminders_now
from server.notifications.service import (
    DELIVERY_JOB,
    DELIVERY_MAX_ATTEMPTS,
    notification_text,
    preferences_of,
    quiet_until,
    unsubscribe_token,
    user_zone,
)
from server.notifications.sms import LoggingTextSender, TextMessageSender, load_text_sender

log = logging.getLogger("untact.notifications")

REMINDERS_JOB = JobKind.SEND_DUE_REMINDERS
PREFERENCES_PATH = "/notifications/settings"


def notification_services(settings: Settings) -> dict[str, Any]:
    """What the notification jobs need from the worker: its text-message provider, built once."""
    return {"text_sender": load_text_sender(settings.text_sender)}


def _settings(context: JobContext) -> Settings:
    settings = context.services.get("settings")
    return settings if isinstance(settings, Settings) else load_settings()


@dataclass(frozen=True)
class _Outgoing:
    channel: str
    email: EmailMessage | None = None
    phone: str = ""
    text: str = ""


def _prepare(settings: Settings, db: Any, delivery: NotificationDelivery) -> _Outgoing | None:
    """The message to send now, or None when it is not to be sent (now)."""
    note = db.get(Notification, delivery.notification_id)
    user = db.get(User, delivery.user_id)
    if note is None or user is None or not user.is_active:
        delivery.status = "skipped"
        return None
    prefs = preferences_of(db, user.id)
    wanted = (
        settings.email_enabled and prefs.email_enabled
        if delivery.channel == "email"
        else prefs.text_enabled and bool(prefs.phone)
    )
    if not wanted:  # turned off (unsubscribed) after it was queued
        delivery.status = "skipped"
        return None
    wait_until = quiet_until(prefs, user, utcnow())
    if wait_until is not None:  # quiet hours began, or changed, since it was queued
        delivery.status, delivery.not_before = "deferred", wait_until
        enqueue(db, DELIVERY_JOB, {"delivery_id": delivery.id}, max_attempts=DELIVERY_MAX_ATTEMPTS,
                run_after=wait_until)
        return None
    delivery.attempts += 1
    locale = normalize_locale(user.locale)
    zone = user_zone(user)
    base = settings.base_url
    if delivery.channel == "text":
        return _Outgoing("text", phone=prefs.phone, text=f"{notification_text(note, locale, zone)} {base}{note.link}")
    content = mail.EmailContent(
        locale=locale,
        recipient_name=user.display_name,
        subject=notification_text(note, locale, zone, "subject"),
        body=notification_text(note, locale, zone, "body"),
        action_label=translate(locale, f"notifications.{note.kind}.action"),
        action_url=f"{base}{note.link}",
        preferences_url=f"{base}{PREFERENCES_PATH}",
        unsubscribe_url=f"{base}/unsubscribe/{unsubscribe_token(settings.secret_key, user.id)}",
    )
    message = mail.build_message(
        content, sender=settings.smtp_from, to_email=user.email, attachments=list(delivery.attachments)
    )
    return _Outgoing("email", email=message)


def deliver_notification(context: JobContext, payload: dict[str, Any]) -> None:
    settings = _settings(context)
    delivery_id = int(payload["delivery_id"])
    with session_scope(context.sessionmaker) as db:
        delivery = db.get(NotificationDelivery, delivery_id)
        if delivery is None or delivery.status in ("sent", "skipped", "failed"):
            return
        outgoing = _prepare(settings, db, delivery)
    if outgoing is None:
        return
    try:
        if outgoing.email is not None:
            mail.send_email(settings, outgoing.email)
        else:
            sender = context.services.get("text_sender")
            if not isinstance(sender, TextMessageSender):
                sender = LoggingTextSender()
            sender.send(outgoing.phone, outgoing.text)
    except Exception as exc:
        error = exc if isinstance(exc, JobFailed) else JobFailed("text_error", str(exc), retryable=False)
        with session_scope(context.sessionmaker) as db:
            delivery = db.get(NotificationDelivery, delivery_id)
            if delivery is not None:
                delivery.last_error_code, delivery.last_error = error.code, str(error)[:2000]
        log.warning("notification not delivered", extra={"delivery_id": delivery_id, "code": error.code,
                                                         "retryable": error.retryable})
        raise error from exc
    with session_scope(context.sessionmaker) as db:
        delivery = db.get(NotificationDelivery, delivery_id)
        if delivery is not None:
            delivery.status, delivery.sent_at = "sent", utcnow()
    log.info("notification delivered", extra={"delivery_id": delivery_id, "channel": outgoing.channel})


def fail_delivery(context: JobContext, payload: dict[str, Any], code: str) -> None:
    with session_scope(context.sessionmaker) as db:
        delivery = db.get(NotificationDelivery, int(payload["delivery_id"]))
        if delivery is not None and delivery.status != "sent":
            delivery.status, delivery.last_error_code = "failed", code


def send_due_reminders(context: JobContext, _payload: dict[str, Any]) -> None:
    settings = _settings(context)
    with session_scope(context.sessionmaker) as db:
        now = utcnow()
        sent = [*send_reminders_now(db, now), *send_due_event_reminders(db, now)]
        enqueue_unless_pending(db, REMINDERS_JOB, delay_s=settings.reminder_interval_s)
    if sent:
        log.info("reminders sent", extra={"count": len(sent)})
