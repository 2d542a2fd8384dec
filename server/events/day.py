"""A booth's day at a centre event on the database: the day's queue of interviews, who entered
the room, the host's outcomes and results, running late, the after-event follow-up and the day's
figures. The rules are in server/domain/booth_day.py; the room itself is server/events/booth_room.py.

Who may do what: the booth's company (its employer users) runs its queue; staff (consultants,
admins) may too, and send the follow-up; a seeker reads only their own place in the queue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.core.audit import record_audit
from server.core.db import utcnow
from server.core.errors import Conflict, NotFound
from server.domain.booth_day import (
    MAX_DELAY_MIN,
    RESULTS,
    QueueEntry,
    SlotTime,
    current_run,
    follow_up_kind,
    queue_ranks,
    run_open,
    seeker_window,
    slots_to_shift,
)
from server.events.service import _lock_event, booth_for, event_path
from server.models import (
    CentreEvent,
    Company,
    ConsultantAssignment,
    EventBooking,
    EventBooth,
    EventInterview,
    EventSlot,
    JobApplication,
    Role,
    User,
)
from server.notifications.service import notify


def booth_room_path(booth_id: int) -> str:
    return f"/events/booths/{booth_id}/room"


# --------------------------------------------------------------------------- the day's queue


@dataclass
class QueueItem:
    booking: EventBooking
    slot: EventSlot
    seeker: User
    interview: EventInterview | None
    rank: int | None  # place among the open interviews (1 = next); None when finished

    @property
    def state(self) -> str:
        """waiting | shown (in the room or was) | held | no_show."""
        iv = self.interview
        if iv is not None and iv.no_show_at is not None:
            return "no_show"
        if iv is not None and iv.held_at is not None:
            return "held"
        return "shown" if iv is not None and iv.shown_at is not None else "waiting"

    @property
    def finished(self) -> bool:
        return self.state in ("held", "no_show")

    @property
    def ends_at(self) -> dt.datetime:
        return self.slot.starts_at + dt.timedelta(minutes=self.slot.duration_min)


def _booked_at_booth(db: Session, booth_id: int) -> list[tuple[EventBooking, EventSlot, User]]:
    rows = db.execute(
        select(EventBooking, EventSlot, User)
        .join(EventSlot, EventSlot.id == EventBooking.slot_id)
        .join(User, User.id == EventBooking.seeker_id)
        .where(EventSlot.booth_id == booth_id, EventBooking.status == "booked")
        .order_by(EventSlot.starts_at, EventBooking.id)
    ).all()
    return [(b, s, u) for b, s, u in rows]


def booth_run(db: Session, booth_id: int, now: dt.datetime) -> list[SlotTime]:
    """The booth's day now: its run of slots not yet over, else its last (domain: current_run)."""
    slots = db.execute(
        select(EventSlot.id, EventSlot.starts_at, EventSlot.duration_min).where(EventSlot.booth_id == booth_id)
    ).all()
    return current_run(now, [SlotTime(i, start, minutes) for i, start, minutes in slots])


def host_room_open(db: Session, booth_id: int, now: dt.datetime) -> bool:
    return run_open(now, booth_run(db, booth_id, now))


def day_queue(db: Session, booth_id: int, now: dt.datetime) -> list[QueueItem]:
    """The booked interviews of the booth's day, in time order, each with its place."""
    run = {s.id for s in booth_run(db, booth_id, now)}
    rows = [(b, s, u) for b, s, u in _booked_at_booth(db, booth_id) if s.id in run]
    interviews = {
        iv.booking_id: iv
        for iv in db.scalars(select(EventInterview).where(EventInterview.booking_id.in_([b.id for b, _, _ in rows])))
    } if rows else {}
    items = [QueueItem(b, s, u, interviews.get(b.id), None) for b, s, u in rows]
    ranks = queue_ranks([QueueEntry(i.booking.id, i.slot.starts_at, i.finished) for i in items])
    for item in items:
        item.rank = ranks.get(item.booking.id)
    return items


def queue_public(items: list[QueueItem]) -> list[dict[str, Any]]:
    return [
        {
            "booking_id": i.booking.id, "seeker": {"id": i.seeker.id, "name": i.seeker.display_name},
            "starts_at": i.slot.starts_at.isoformat(), "ends_at": i.ends_at.isoformat(),
            "delay_min": i.slot.delay_min, "state": i.state, "rank": i.rank,
            "result": i.interview.result if i.interview else None,
        }
        for i in items
    ]


def host_queue(
    db: Session, user: User, booth_id: int, now: dt.datetime | None = None
) -> tuple[EventBooth, list[QueueItem]]:
    booth = booth_for(db, user, booth_id)
    return booth, day_queue(db, booth.id, now or utcnow())


def open_bookings_today(db: Session, booth_id: int, now: dt.datetime) -> list[QueueItem]:
    """The open interviews of the booth's day (the people the room is for now)."""
    return [i for i in day_queue(db, booth_id, now) if not i.finished]


def my_turn(db: Session, seeker: User, booth_id: int, now: dt.datetime) -> QueueItem:
    """The seeker's own interview in the booth's queue: the open one today, else their next one."""
    booth = db.get(EventBooth, booth_id)
    if booth is None:
        raise NotFound("event_booth_not_found")
    mine = [i for i in day_queue(db, booth.id, now) if i.seeker.id == seeker.id]
    if not mine:
        raise NotFound("event_booth_not_found")
    return next((i for i in mine if not i.finished), mine[-1])


def my_turn_public(item: QueueItem, now: dt.datetime) -> dict[str, Any]:
    opens, closes = seeker_window(item.slot.starts_at, item.slot.duration_min)
    return {
        "booking_id": item.booking.id, "starts_at": item.slot.starts_at.isoformat(), "ends_at": item.ends_at.isoformat(),
        "delay_min": item.slot.delay_min, "state": item.state, "rank": item.rank,
        "room_open": opens <= now <= closes and not item.finished,
        "opens_at": opens.isoformat(),
    }


def seeker_item_now(db: Session, seeker: User, booth_id: int, now: dt.datetime) -> QueueItem | None:
    """The seeker's open interview whose room window is now (None when they have none)."""
    for item in open_bookings_today(db, booth_id, now):
        opens, closes = seeker_window(item.slot.starts_at, item.slot.duration_min)
        if item.seeker.id == seeker.id and opens <= now <= closes:
            return item
    return None


def may_accompany(db: Session, user: User, booth: EventBooth, now: dt.datetime) -> bool:
    """동행면접: an admin, the event's own staff, or the consultant assigned to a seeker whose
    interview at this booth is open today."""
    if user.role is Role.ADMIN:
        return True
    if user.role is not Role.CONSULTANT:
        return False
    event = db.get(CentreEvent, booth.event_id)
    if event is not None and event.created_by == user.id:
        return True
    seekers = [i.seeker.id for i in open_bookings_today(db, booth.id, now)]
    return bool(seekers) and db.scalar(
        select(ConsultantAssignment.seeker_id).where(
            ConsultantAssignment.consultant_id == user.id, ConsultantAssignment.seeker_id.in_(seekers)
        ).limit(1)
    ) is not None


def _interview(db: Session, booking_id: int) -> EventInterview:
    row = db.get(EventInterview, booking_id)
    if row is None:
        row = EventInterview(booking_id=booking_id)
        db.add(row)
        db.flush()
    return row


def mark_shown(db: Session, seeker: User, booth_id: int, now: dt.datetime | None = None) -> None:
    """The seeker took their seat in the booth's room: they showed up (counted once)."""
    now = now or utcnow()
    item = seeker_item_now(db, seeker, booth_id, now)
    if item is not None:
        row = _interview(db, item.booking.id)
        if row.shown_at is None:
            row.shown_at = now


# --------------------------------------------------------------------------- the host's moves


class OutcomeIn(BaseModel):
    outcome: Literal["held", "no_show"]
    result: Literal["pass", "hold", "fail"] | None = None


class ResultIn(BaseModel):
    result: Literal["pass", "hold", "fail"]


def _host_booking(db: Session, user: User, booking_id: int) -> tuple[EventBooking, EventBooth]:
    booking = db.get(EventBooking, booking_id)
    slot = db.get(EventSlot, booking.slot_id) if booking else None
    if booking is None or slot is None:
        raise NotFound("event_booking_not_found")
    booth = booth_for(db, user, slot.booth_id)  # another company's booking looks like 404
    if booking.status != "booked":
        raise Conflict("event_booking_not_active")
    return booking, booth


def record_outcome(db: Session, user: User, booking_id: int, data: OutcomeIn) -> EventInterview:
    """The host finished the interview (held, perhaps with a result) or marks the seeker absent.
    Either closes it in the queue, so the next seeker's place moves up."""
    booking, booth = _host_booking(db, user, booking_id)
    row = _interview(db, booking.id)
    if row.held_at is not None or row.no_show_at is not None:
        raise Conflict("event_interview_finished")
    now = utcnow()
    if data.outcome == "no_show":
        if data.result is not None:
            raise Conflict("event_no_result_for_no_show")
        row.no_show_at = now
        record_audit(db, "booth_no_show", actor=user, path=booth_room_path(booth.id),
                     booth_id=booth.id, booking_id=booking.id)
        return row
    row.held_at = now
    if data.result is not None:
        _set_result(db, user, booking, booth, row, data.result)
    return row


def record_result(db: Session, user: User, booking_id: int, data: ResultIn) -> EventInterview:
    """합격/보류/불합격 after an interview was held (also changed later, e.g. 보류 → 합격)."""
    booking, booth = _host_booking(db, user, booking_id)
    row = _interview(db, booking.id)
    if row.held_at is None:
        raise Conflict("event_interview_not_held")
    _set_result(db, user, booking, booth, row, data.result)
    return row


def _set_result(
    db: Session, user: User, booking: EventBooking, booth: EventBooth, row: EventInterview, result: str
) -> None:
    assert result in RESULTS
    row.result, row.result_at, row.result_by = result, utcnow(), user.id
    # The application the booking made moves as the pipeline's decisions move it: 불합격 →
    # rejected; 합격/보류 → interview (a hire stays hired; the hire itself is the employer's
    # confirmation on the pipeline).
    application = db.get(JobApplication, booking.application_id) if booking.application_id else None
    if application is not None and application.status != "hired":
        application.status = "rejected" if result == "fail" else "interview"
    record_audit(db, "booth_result_recorded", actor=user, path=booth_room_path(booth.id),
                 booth_id=booth.id, booking_id=booking.id, result=result)


class DelayIn(BaseModel):
    minutes: int = Field(ge=1, le=MAX_DELAY_MIN)


def run_late(
    db: Session, user: User, booth_id: int, data: DelayIn, now: dt.datetime | None = None
) -> list[EventSlot]:
    """"N분 지연": the slots of the booth's day that have not started move by N minutes, and the
    seekers booked on them are told the new time."""
    booth = booth_for(db, user, booth_id)
    _lock_event(db, booth.event_id)  # no booking or cancellation reads the times meanwhile
    now = now or utcnow()
    ids = set(slots_to_shift(now, booth_run(db, booth.id, now), data.minutes))
    moved = list(db.scalars(select(EventSlot).where(EventSlot.id.in_(ids)).order_by(EventSlot.starts_at))) if ids else []
    shift = dt.timedelta(minutes=data.minutes)
    for slot in moved:
        slot.starts_at = slot.starts_at + shift
        slot.delay_min = slot.delay_min + data.minutes
    db.flush()
    event = db.get(CentreEvent, booth.event_id)
    company = db.get(Company, booth.company_id)
    if moved:
        booked = db.scalars(select(EventBooking).where(
            EventBooking.slot_id.in_([s.id for s in moved]), EventBooking.status == "booked"
        ))
        by_id = {s.id: s for s in moved}
        for booking in booked:
            notify(
                db, booking.seeker_id, "event_slot_delayed", link=booth_room_path(booth.id),
                event=event.title if event else "", company=company.name if company else "",
                minutes=str(data.minutes), starts_at=by_id[booking.slot_id].starts_at.isoformat(),
            )
    record_audit(db, "booth_running_late", actor=user, path=booth_room_path(booth.id),
                 booth_id=booth.id, minutes=data.minutes, slots=len(moved))
    return moved


# --------------------------------------------------------------------------- after the event


@dataclass(frozen=True)
class FollowUpSent:
    no_show: int
    no_result: int


def follow_up(db: Session, staff: User, event_id: int, now: dt.datetime | None = None) -> FollowUpSent:
    """One message to each no-show and each seeker who got no result, once per booking ever:
    serialised on the event's row, so a second press (or a double click) sends nothing more."""
    event = db.get(CentreEvent, event_id)
    if event is None:
        raise NotFound("event_not_found")
    _lock_event(db, event.id)
    db.refresh(event)
    now = now or utcnow()
    if event.status != "closed" and now < event.ends_at:
        raise Conflict("event_not_over")
    rows = db.execute(
        select(EventBooking, EventSlot, EventBooth)
        .join(EventSlot, EventSlot.id == EventBooking.slot_id)
        .join(EventBooth, EventBooth.id == EventSlot.booth_id)
        .where(EventBooking.event_id == event.id, EventBooking.status == "booked")
        .order_by(EventBooking.id)
    ).all()
    companies = {c.id: c.name for c in db.scalars(select(Company).where(
        Company.id.in_({booth.company_id for _, _, booth in rows})
    ))} if rows else {}
    counts = {"no_show": 0, "no_result": 0}
    for booking, slot, booth in rows:
        iv = _interview(db, booking.id)
        kind = follow_up_kind(
            shown=iv.shown_at is not None, held=iv.held_at is not None, no_show=iv.no_show_at is not None,
            result=iv.result, followed_up=iv.followed_up_at is not None,
        )
        if kind is None:
            continue
        iv.followed_up_at, iv.follow_up_kind = now, kind
        counts[kind] += 1
        notify(
            db, booking.seeker_id, f"event_follow_up_{kind}", link=event_path(event.id),
            event=event.title, company=companies.get(booth.company_id, ""), starts_at=slot.starts_at.isoformat(),
        )
    record_audit(db, "event_follow_up_sent", actor=staff, path=event_path(event.id), event_id=event.id,
                 no_show=counts["no_show"], no_result=counts["no_result"])
    return FollowUpSent(**counts)


# --------------------------------------------------------------------------- figures


DAY_KEYS = ("shows", "no_shows", "held", "pass", "hold", "fail", "hires", "followed_up")


def day_figures(db: Session, event_id: int) -> tuple[dict[str, int], dict[int, dict[str, int]]]:
    """Per booth and for the event: shows (entered the room), no-shows marked, interviews held,
    results by kind, hires (the booking's application hired) and follow-ups sent."""
    booths = list(db.scalars(select(EventBooth.id).where(EventBooth.event_id == event_id)))
    per: dict[int, dict[str, int]] = {b: dict.fromkeys(DAY_KEYS, 0) for b in booths}
    rows = db.execute(
        select(EventSlot.booth_id, EventInterview, JobApplication.status)
        .select_from(EventBooking)
        .join(EventSlot, EventSlot.id == EventBooking.slot_id)
        .outerjoin(EventInterview, EventInterview.booking_id == EventBooking.id)
        .outerjoin(JobApplication, JobApplication.id == EventBooking.application_id)
        .where(EventBooking.event_id == event_id, EventBooking.status == "booked")
    ).all()
    for booth_id, iv, app_status in rows:
        counts = per.setdefault(booth_id, dict.fromkeys(DAY_KEYS, 0))
        if app_status == "hired":
            counts["hires"] += 1
        if iv is None:
            continue
        counts["shows"] += iv.shown_at is not None
        counts["no_shows"] += iv.no_show_at is not None
        counts["held"] += iv.held_at is not None
        counts["followed_up"] += iv.followed_up_at is not None
        if iv.result in RESULTS:
            counts[iv.result] += 1
    total = {k: sum(c[k] for c in per.values()) for k in DAY_KEYS}
    return total, per


def is_host(user: User, booth: EventBooth) -> bool:
    return user.role is Role.EMPLOYER and user.company_id is not None and user.company_id == booth.company_id

