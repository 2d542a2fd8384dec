"""Booking messages of centre events: the seeker's confirmation (booked, with a calendar entry, or
waiting, with their place), the booth's employer told of each new booking, a cancelled entry
(METHOD:CANCEL) when a booked place is given up, and reminders 24 h and 1 h before a booked slot.

Messages go through `notify()` (in-app, and email / text message as each person chose, with
their quiet hours). The calendar file is the notifications' builder; one UID per booking, so
the cancellation replaces the entry the confirmation added. The reminders use the
notifications' once-only record (`notification_reminders`, keyed by kind, booking, person and
due time) and run from the same periodic job (`server/notifications/jobs.py`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import CentreEvent, Company, EventBooking, EventBooth, EventSlot, Role, User
from server.notifications.calendar import CalendarEntry, Method, calendar_file
from server.notifications.reminders import DueReminder, send_reminders
from server.notifications.service import Attachment, notify_with

REMINDER_LEADS = (("event_reminder_24h", timedelta(hours=24)), ("event_reminder_1h", timedelta(hours=1)))


def _event_path(event_id: int) -> str:
    return f"/events/{event_id}"


def _context(db: Session, slot: EventSlot) -> tuple[EventBooth, CentreEvent, Company]:
    booth = db.get(EventBooth, slot.booth_id)
    assert booth is not None
    event = db.get(CentreEvent, booth.event_id)
    company = db.get(Company, booth.company_id)
    assert event is not None and company is not None
    return booth, event, company


def _params(event: CentreEvent, company: Company, slot: EventSlot) -> dict[str, str]:
    return {"event": event.title, "company": company.name, "starts_at": slot.starts_at.isoformat(),
            "minutes": str(slot.duration_min)}


def booking_calendar(db: Session, booking: EventBooking, slot: EventSlot, base_url: str, *, cancelled: bool) -> Attachment:
    """The booked slot as a calendar entry; the cancellation (SEQUENCE 1) replaces it."""
    _booth, event, company = _context(db, slot)
    seeker = db.get(User, booking.seeker_id)
    host = base_url.split("://", 1)[-1].split("/", 1)[0] or "untact"
    url = base_url.rstrip("/") + _event_path(event.id)
    entry = CalendarEntry(
        uid=f"event-booking-{booking.id}@{host}",
        sequence=1 if cancelled else 0,
        start=slot.starts_at,
        end=slot.starts_at + timedelta(minutes=slot.duration_min),
        summary=f"{company.name} 면접 · {event.title}",
        description=url,
        url=url,
        attendee_email=seeker.email if seeker else "",
        attendee_name=seeker.display_name if seeker else "",
        cancelled=cancelled,
        alarm_before_min=60,
    )
    method: Method = "CANCEL" if cancelled else "REQUEST"
    return Attachment(f"event-booking-{booking.id}.ics", "text/calendar", calendar_file(entry, method=method),
                      method=method)


def _employers(db: Session, company_id: int) -> list[User]:
    return list(db.scalars(select(User).where(
        User.company_id == company_id, User.role == Role.EMPLOYER, User.is_active.is_(True)
    ).order_by(User.id)))


def booking_made(db: Session, booking: EventBooking, slot: EventSlot, *, waiting_rank: int | None, base_url: str) -> None:
    """The seeker's confirmation (a booked slot with its calendar entry; a waiting place with its
    rank), and each of the booth company's employers told of the new entry."""
    booth, event, company = _context(db, slot)
    params = _params(event, company, slot)
    if booking.status == "booked":
        notify_with(db, booking.seeker_id, "event_booking_confirmed", link=_event_path(event.id), params=params,
                    attachments=(booking_calendar(db, booking, slot, base_url, cancelled=False),))
    else:
        notify_with(db, booking.seeker_id, "event_booking_waiting", link=_event_path(event.id),
                    params={**params, "rank": str(waiting_rank or 1)})
    seeker = db.get(User, booking.seeker_id)
    for employer in _employers(db, booth.company_id):
        notify_with(db, employer.id, "event_booth_new_booking", link=f"/events/booths/{booth.id}", params={
            **params, "seeker": seeker.display_name if seeker else "",
            "status_key": f"events.entry_{booking.status}",
        })


def seeker_message(
    db: Session, booking: EventBooking, slot: EventSlot, kind: str, *, base_url: str, was_booked: bool = False
) -> None:
    """A message about the seeker's own entry after a change: moved up (a new calendar entry),
    cancelled by the centre or by themselves (the entry cancelled, if they held the slot)."""
    _booth, event, company = _context(db, slot)
    attachments: tuple[Attachment, ...] = ()
    if kind == "event_slot_promoted":
        attachments = (booking_calendar(db, booking, slot, base_url, cancelled=False),)
    elif was_booked:
        attachments = (booking_calendar(db, booking, slot, base_url, cancelled=True),)
    notify_with(db, booking.seeker_id, kind, link=_event_path(event.id), params=_params(event, company, slot),
                attachments=attachments)


def due_event_reminders(db: Session, now: datetime) -> Iterator[DueReminder]:
    """For each booked slot starting within 24 h, the latest lead that is due (a server that was
    down sends the 1 h one only); none when the booking (or move-up) came after it was due."""
    rows = db.execute(
        select(EventBooking, EventSlot).join(EventSlot, EventSlot.id == EventBooking.slot_id).where(
            EventBooking.status == "booked",
            EventSlot.starts_at > now,
            EventSlot.starts_at <= now + REMINDER_LEADS[0][1],
        )
    ).all()
    for booking, slot in rows:
        due = [(kind, slot.starts_at - lead) for kind, lead in REMINDER_LEADS if slot.starts_at - lead <= now]
        if not due:
            continue
        kind, due_at = due[-1]
        held_since = booking.promoted_at or booking.created_at
        if held_since >= due_at:
            continue  # booked after the reminder was due: the confirmation said it all
        _booth, event, company = _context(db, slot)
        yield DueReminder(kind, booking.id, booking.seeker_id, due_at, _event_path(event.id),
                          _params(event, company, slot))


def send_due_event_reminders(db: Session, now: datetime) -> list[DueReminder]:
    """Send the event reminders that are due and not sent yet (each exactly once)."""
    return send_reminders(db, due_event_reminders(db, now))
