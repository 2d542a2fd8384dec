"""Centre events on the database: events, booths, slots, bookings with a waiting list, figures.

Rules are in server/domain/bookings.py; this module reads the facts and applies the decision.
Every booking change first bumps the event's `booking_version` (an UPDATE): on PostgreSQL that
is a row lock held to the commit, on SQLite the database's write lock, so the counts a decision
reads cannot change under it. The partial unique indexes on `event_bookings` refuse a second
booked seeker on a slot even if that lock were bypassed.

Who may touch what (on top of server/accounts/access.py): staff (consultants, admins) every
event; an employer only booths of their own company; a seeker only their own bookings, and
only events that are published or closed (a draft looks like 404).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, Field, model_validator
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.careers import service as careers
from server.core.db import utcnow
from server.core.errors import Conflict, InvalidInput, NotFound
from server.core.limits import Id
from server.domain.bookings import (
    EVENT_KINDS,
    EVENT_STATUSES,
    BookingFacts,
    cancellation_allowed,
    decide_booking,
    first_in_line,
    slot_times,
    waiting_rank,
)
from server.events import reminders as booking_messages
from server.models import (
    CentreEvent,
    Company,
    EventBooking,
    EventBooth,
    EventSlot,
    InterviewQuestionSet,
    JobApplication,
    JobPostingRow,
    Role,
    User,
)

STAFF_ROLES = (Role.CONSULTANT, Role.ADMIN)
KST = ZoneInfo("Asia/Seoul")


def _centre_time(value: dt.datetime) -> dt.datetime:
    """A time typed without a zone (a datetime-local field) is the centre's, Korea's."""
    return (value if value.tzinfo else value.replace(tzinfo=KST)).astimezone(dt.UTC)


CentreTime = Annotated[dt.datetime, AfterValidator(_centre_time)]
ACTIVE = ("booked", "waiting")


def is_staff(user: User) -> bool:
    return user.role in STAFF_ROLES


def event_path(event_id: int) -> str:
    return f"/events/{event_id}"


# --------------------------------------------------------------------------- events


class EventIn(BaseModel):
    kind: str = Field(max_length=24)
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    starts_at: CentreTime
    ends_at: CentreTime
    status: str = Field(default="draft", max_length=16)

    @model_validator(mode="after")
    def _check(self) -> EventIn:
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(EVENT_KINDS)}")
        if self.status not in EVENT_STATUSES:
            raise ValueError(f"status must be one of {', '.join(EVENT_STATUSES)}")
        if self.ends_at <= self.starts_at:
            raise ValueError("the event must end after it starts")
        self.title = self.title.strip()
        return self


def create_event(db: Session, staff: User, data: EventIn) -> CentreEvent:
    event = CentreEvent(created_by=staff.id)
    _apply_event(event, data)
    db.add(event)
    db.flush()
    return event


def update_event(db: Session, event_id: int, data: EventIn) -> CentreEvent:
    event = db.get(CentreEvent, event_id)
    if event is None:
        raise NotFound("event_not_found")
    _apply_event(event, data)
    db.flush()
    return event


def _apply_event(event: CentreEvent, data: EventIn) -> None:
    event.kind, event.title, event.description = data.kind, data.title, data.description.strip()
    event.starts_at, event.ends_at, event.status = data.starts_at, data.ends_at, data.status


def _employer_event_ids(db: Session, user: User) -> set[int]:
    if user.company_id is None:
        return set()
    return set(db.scalars(select(EventBooth.event_id).where(EventBooth.company_id == user.company_id)))


def visible_events(db: Session, user: User) -> list[CentreEvent]:
    query = select(CentreEvent).order_by(CentreEvent.starts_at.desc(), CentreEvent.id.desc())
    events = list(db.scalars(query))
    if is_staff(user):
        return events
    mine = _employer_event_ids(db, user) if user.role is Role.EMPLOYER else set()
    return [e for e in events if e.status != "draft" or e.id in mine]


def visible_event(db: Session, user: User, event_id: int) -> CentreEvent:
    event = db.get(CentreEvent, event_id)
    if event is None:
        raise NotFound("event_not_found")
    if is_staff(user) or event.status != "draft":
        return event
    if user.role is Role.EMPLOYER and event.id in _employer_event_ids(db, user):
        return event
    raise NotFound("event_not_found")


def event_public(event: CentreEvent) -> dict[str, Any]:
    return {
        "id": event.id, "kind": event.kind, "title": event.title, "description": event.description,
        "starts_at": event.starts_at.isoformat(), "ends_at": event.ends_at.isoformat(), "status": event.status,
    }


# --------------------------------------------------------------------------- booths and slots


class BoothIn(BaseModel):
    company_id: Id
    posting_id: Id | None = None
    question_set_id: Id | None = None
    note: str = Field(default="", max_length=2000)


class SlotsIn(BaseModel):
    starts_at: CentreTime
    count: int = Field(ge=1, le=48)
    minutes: int = Field(ge=5, le=240)


def add_booth(db: Session, event_id: int, data: BoothIn) -> EventBooth:
    if db.get(CentreEvent, event_id) is None:
        raise NotFound("event_not_found")
    if db.get(Company, data.company_id) is None:
        raise NotFound("company_not_found")
    if data.posting_id is not None:
        posting = db.get(JobPostingRow, data.posting_id)
        if posting is None or posting.company_id != data.company_id:
            raise InvalidInput("event_posting_not_of_company")
        if posting.status == "draft":  # registered by a consultant, not yet confirmed by the company
            raise InvalidInput("event_posting_not_public")
    if data.question_set_id is not None:
        qset = db.get(InterviewQuestionSet, data.question_set_id)
        if qset is None or qset.company_id != data.company_id:
            raise InvalidInput("event_set_not_of_company")
    exists = db.scalar(
        select(EventBooth.id).where(EventBooth.event_id == event_id, EventBooth.company_id == data.company_id)
    )
    if exists is not None:
        raise Conflict("event_booth_exists")
    booth = EventBooth(
        event_id=event_id, company_id=data.company_id, posting_id=data.posting_id,
        question_set_id=data.question_set_id, note=data.note.strip(),
    )
    db.add(booth)
    db.flush()
    return booth


def delete_booth(db: Session, booth_id: int) -> None:
    booth = db.get(EventBooth, booth_id)
    if booth is None:
        raise NotFound("event_booth_not_found")
    if db.scalar(
        select(func.count()).select_from(EventBooking).join(EventSlot, EventSlot.id == EventBooking.slot_id)
        .where(EventSlot.booth_id == booth_id, EventBooking.status.in_(ACTIVE))
    ):
        raise Conflict("event_booth_has_bookings")
    db.delete(booth)
    db.flush()


def generate_slots(db: Session, booth_id: int, data: SlotsIn) -> list[EventSlot]:
    """Back-to-back slots of `minutes` from `starts_at` (domain: slot_times)."""
    booth = db.get(EventBooth, booth_id)
    if booth is None:
        raise NotFound("event_booth_not_found")
    slots = [
        EventSlot(booth_id=booth.id, starts_at=start, duration_min=data.minutes)
        for start, _end in slot_times(data.starts_at, data.count, data.minutes)
    ]
    db.add_all(slots)
    db.flush()
    return slots


def booth_for(db: Session, user: User, booth_id: int) -> EventBooth:
    """Staff: any booth; an employer: only their company's (another's looks like 404)."""
    booth = db.get(EventBooth, booth_id)
    if booth is None or not (is_staff(user) or (user.company_id is not None and booth.company_id == user.company_id)):
        raise NotFound("event_booth_not_found")
    return booth


# --------------------------------------------------------------------------- bookings


@dataclass(frozen=True)
class BookingRules:
    limit_per_event: int = 3
    cancel_cutoff: dt.timedelta = dt.timedelta(hours=1)
    base_url: str = ""  # for the calendar entry's link (server/events/reminders.py)


def _lock_event(db: Session, event_id: int) -> None:
    """Serialise booking changes of one event (see the module docstring)."""
    db.execute(
        update(CentreEvent).where(CentreEvent.id == event_id)
        .values(booking_version=CentreEvent.booking_version + 1)
        .execution_options(synchronize_session=False)
    )


def _apply_for_booth(
    db: Session, cache: careers.PostingIndexCache, seeker: User, booth: EventBooth, event: CentreEvent
) -> int | None:
    """One click applies with the seeker's profile: reuse their application to the booth's
    posting, or make one (nothing when the booth has no open posting)."""
    if booth.posting_id is None:
        return None
    existing = db.scalar(
        select(JobApplication.id).where(
            JobApplication.posting_id == booth.posting_id, JobApplication.seeker_id == seeker.id
        )
    )
    if existing is not None:
        return int(existing)
    posting = db.get(JobPostingRow, booth.posting_id)
    if posting is None or posting.status != "open" or (
        posting.deadline is not None and posting.deadline < careers.today_kst()
    ):
        return None
    application = careers.apply_to_posting(db, cache, seeker, posting.id, message=event.title)
    return application.id


def book_slot(
    db: Session, cache: careers.PostingIndexCache, seeker: User, slot_id: int, rules: BookingRules
) -> EventBooking:
    slot = db.get(EventSlot, slot_id)
    booth = db.get(EventBooth, slot.booth_id) if slot is not None else None
    if slot is None or booth is None:
        raise NotFound("event_slot_not_found")
    _lock_event(db, booth.event_id)
    event = db.get(CentreEvent, booth.event_id)
    assert event is not None
    db.refresh(event)
    if event.status == "draft":
        raise NotFound("event_slot_not_found")
    on_slot = list(db.scalars(select(EventBooking).where(
        EventBooking.slot_id == slot.id, EventBooking.status.in_(ACTIVE)
    )))
    entries = db.scalar(select(func.count()).select_from(EventBooking).where(
        EventBooking.event_id == event.id, EventBooking.seeker_id == seeker.id, EventBooking.status.in_(ACTIVE)
    )) or 0
    positions = [b.position for b in on_slot if b.status == "waiting" and b.position is not None]
    decision = decide_booking(BookingFacts(
        now=utcnow(),
        slot_starts_at=slot.starts_at,
        event_status=event.status,
        slot_taken=any(b.status == "booked" for b in on_slot),
        seeker_holds_slot=any(b.seeker_id == seeker.id for b in on_slot),
        seeker_entries_in_event=int(entries),
        limit_per_event=rules.limit_per_event,
        last_waiting_position=max(positions) if positions else None,
    ))
    booking = EventBooking(
        event_id=event.id, slot_id=slot.id, seeker_id=seeker.id,
        status=decision.status, position=decision.position,
        application_id=_apply_for_booth(db, cache, seeker, booth, event),
    )
    db.add(booking)
    try:
        db.flush()
    except IntegrityError as exc:  # only if the lock was bypassed; the index still holds
        raise Conflict("event_slot_just_taken") from exc
    rank = len(positions) + 1 if booking.status == "waiting" else None
    booking_messages.booking_made(db, booking, slot, waiting_rank=rank, base_url=rules.base_url)
    return booking


@dataclass
class Cancellation:
    booking: EventBooking
    promoted: EventBooking | None = None


def cancel_booking(db: Session, user: User, booking_id: int, rules: BookingRules) -> Cancellation:
    """A seeker's own booking or waiting place: a booked one only until the cut-off. Staff cancel
    anyone's at any time (a seeker who calls the centre late), and the seeker is told. A freed
    slot goes to the first person waiting, who is told too."""
    booking = db.get(EventBooking, booking_id)
    by_staff = is_staff(user)
    if booking is None or not (by_staff or booking.seeker_id == user.id):
        raise NotFound("event_booking_not_found")
    _lock_event(db, booking.event_id)
    db.refresh(booking)
    if booking.status not in ACTIVE:
        raise Conflict("event_booking_not_active")
    slot = db.get(EventSlot, booking.slot_id)
    assert slot is not None
    now = utcnow()
    late = not cancellation_allowed(now, slot.starts_at, rules.cancel_cutoff)
    if booking.status == "booked" and late and not by_staff:
        raise Conflict("event_cancel_too_late", minutes=int(rules.cancel_cutoff.total_seconds() // 60))
    was_booked = booking.status == "booked"
    booking.status, booking.cancelled_at, booking.position = "cancelled", now, None
    db.flush()  # the slot is free before the next person takes it (partial unique index)
    result = Cancellation(booking)
    if by_staff and booking.seeker_id != user.id:
        _notify_seeker(db, booking, slot, "event_booking_cancelled", rules, was_booked=was_booked)
    elif was_booked:  # the seeker's own: their calendar entry is cancelled
        _notify_seeker(db, booking, slot, "event_booking_withdrawn", rules, was_booked=True)
    if was_booked:
        waiting = list(db.scalars(select(EventBooking).where(
            EventBooking.slot_id == slot.id, EventBooking.status == "waiting"
        )))
        next_id = first_in_line([(w.id, w.position or 0) for w in waiting])
        promoted = next((w for w in waiting if w.id == next_id), None)
        if promoted is not None:
            promoted.status, promoted.position, promoted.promoted_at = "booked", None, now
            db.flush()
            _notify_seeker(db, promoted, slot, "event_slot_promoted", rules)
            result.promoted = promoted
    return result


def _notify_seeker(
    db: Session, booking: EventBooking, slot: EventSlot, kind: str, rules: BookingRules, *, was_booked: bool = False
) -> None:
    booking_messages.seeker_message(db, booking, slot, kind, base_url=rules.base_url, was_booked=was_booked)


# --------------------------------------------------------------------------- views


@dataclass
class SlotView:
    slot: EventSlot
    taken: bool
    waiting: int
    mine: EventBooking | None = None
    my_rank: int | None = None
    booked_seeker: User | None = None  # staff and the booth's employer only
    booked_booking_id: int | None = None  # likewise
    waiting_seekers: list[tuple[int, User]] = field(default_factory=list)

    @property
    def ends_at(self) -> dt.datetime:
        return self.slot.starts_at + dt.timedelta(minutes=self.slot.duration_min)


@dataclass
class BoothView:
    booth: EventBooth
    company: Company
    posting: JobPostingRow | None
    question_set: InterviewQuestionSet | None
    slots: list[SlotView]

    @property
    def has_intro_video(self) -> bool:
        return self.question_set is not None and bool(self.question_set.intro_video_path)


def booth_views(db: Session, event: CentreEvent, viewer: User, *, only_booth: int | None = None) -> list[BoothView]:
    booths = list(db.scalars(select(EventBooth).where(EventBooth.event_id == event.id).order_by(EventBooth.id)))
    if only_booth is not None:
        booths = [b for b in booths if b.id == only_booth]
    slots = list(db.scalars(
        select(EventSlot).where(EventSlot.booth_id.in_([b.id for b in booths]))
        .order_by(EventSlot.starts_at, EventSlot.id)
    )) if booths else []
    bookings = list(db.scalars(
        select(EventBooking).where(EventBooking.event_id == event.id, EventBooking.status.in_(ACTIVE))
    ))
    sees_people = is_staff(viewer) or viewer.role is Role.EMPLOYER
    people = {u.id: u for u in db.scalars(select(User).where(User.id.in_({b.seeker_id for b in bookings})))} \
        if sees_people and bookings else {}
    views: list[BoothView] = []
    for booth in booths:
        company = db.get(Company, booth.company_id)
        assert company is not None
        own = sees_people and (is_staff(viewer) or viewer.company_id == booth.company_id)
        slot_views = []
        for slot in (s for s in slots if s.booth_id == booth.id):
            on_slot = [b for b in bookings if b.slot_id == slot.id]
            booked = next((b for b in on_slot if b.status == "booked"), None)
            waiting = sorted((b for b in on_slot if b.status == "waiting"), key=lambda b: (b.position or 0, b.id))
            mine = next((b for b in on_slot if b.seeker_id == viewer.id), None)
            rank = None
            if mine is not None and mine.status == "waiting":
                rank = waiting_rank(mine.position or 0, [w.position or 0 for w in waiting])
            slot_views.append(SlotView(
                slot=slot, taken=booked is not None, waiting=len(waiting), mine=mine, my_rank=rank,
                booked_seeker=people.get(booked.seeker_id) if own and booked else None,
                booked_booking_id=booked.id if own and booked else None,
                waiting_seekers=[(i + 1, people[w.seeker_id]) for i, w in enumerate(waiting) if own and w.seeker_id in people],
            ))
        views.append(BoothView(
            booth=booth, company=company,
            posting=db.get(JobPostingRow, booth.posting_id) if booth.posting_id else None,
            question_set=db.get(InterviewQuestionSet, booth.question_set_id) if booth.question_set_id else None,
            slots=slot_views,
        ))
    return views


def slot_public(view: SlotView) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": view.slot.id, "starts_at": view.slot.starts_at.isoformat(), "ends_at": view.ends_at.isoformat(),
        "duration_min": view.slot.duration_min, "taken": view.taken, "waiting": view.waiting,
        "mine": None,
    }
    if view.mine is not None:
        data["mine"] = {"booking_id": view.mine.id, "status": view.mine.status, "waiting_rank": view.my_rank}
    if view.booked_seeker is not None:
        data["booked_seeker"] = {
            "id": view.booked_seeker.id, "name": view.booked_seeker.display_name, "booking_id": view.booked_booking_id,
        }
    if view.waiting_seekers:
        data["waiting_seekers"] = [{"rank": r, "id": u.id, "name": u.display_name} for r, u in view.waiting_seekers]
    return data


def booth_public(view: BoothView) -> dict[str, Any]:
    return {
        "id": view.booth.id, "company": {"id": view.company.id, "name": view.company.name},
        "posting": {"id": view.posting.id, "title": view.posting.title, "status": view.posting.status}
        if view.posting else None,
        "question_set_id": view.booth.question_set_id, "has_intro_video": view.has_intro_video,
        "note": view.booth.note, "slots": [slot_public(s) for s in view.slots],
    }


def booking_public(booking: EventBooking, db: Session) -> dict[str, Any]:
    rank = None
    if booking.status == "waiting":
        positions = list(db.scalars(select(EventBooking.position).where(
            EventBooking.slot_id == booking.slot_id, EventBooking.status == "waiting"
        )))
        rank = waiting_rank(booking.position or 0, [p or 0 for p in positions])
    return {
        "id": booking.id, "event_id": booking.event_id, "slot_id": booking.slot_id, "status": booking.status,
        "waiting_rank": rank, "application_id": booking.application_id,
    }


def employer_booths(db: Session, user: User) -> list[tuple[EventBooth, CentreEvent]]:
    if user.company_id is None:
        return []
    return [(b, e) for b, e in db.execute(
        select(EventBooth, CentreEvent).join(CentreEvent, CentreEvent.id == EventBooth.event_id)
        .where(EventBooth.company_id == user.company_id).order_by(CentreEvent.starts_at.desc())
    ).all()]


# --------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class Figures:
    slots: int
    booked: int
    waiting: int
    cancelled: int
    promoted: int

    def as_dict(self) -> dict[str, int]:
        return {"slots": self.slots, "booked": self.booked, "waiting": self.waiting,
                "cancelled": self.cancelled, "promoted": self.promoted}


def event_figures(db: Session, event_id: int) -> tuple[Figures, dict[int, Figures]]:
    """The event's counts, and per booth: slots, booked now, waiting now, cancellations, moved up."""
    if db.get(CentreEvent, event_id) is None:
        raise NotFound("event_not_found")
    booths = list(db.scalars(select(EventBooth.id).where(EventBooth.event_id == event_id)))
    slot_counts = dict(db.execute(
        select(EventSlot.booth_id, func.count()).where(EventSlot.booth_id.in_(booths)).group_by(EventSlot.booth_id)
    ).all()) if booths else {}
    rows = db.execute(
        select(EventSlot.booth_id, EventBooking.status, EventBooking.promoted_at.is_not(None), func.count())
        .join(EventSlot, EventSlot.id == EventBooking.slot_id)
        .where(EventBooking.event_id == event_id)
        .group_by(EventSlot.booth_id, EventBooking.status, EventBooking.promoted_at.is_not(None))
    ).all()
    per: dict[int, dict[str, int]] = {b: {"booked": 0, "waiting": 0, "cancelled": 0, "promoted": 0} for b in booths}
    for booth_id, status, promoted, n in rows:
        counts = per.setdefault(booth_id, {"booked": 0, "waiting": 0, "cancelled": 0, "promoted": 0})
        counts[status] = counts.get(status, 0) + n
        if promoted:
            counts["promoted"] += n
    by_booth = {b: Figures(slots=int(slot_counts.get(b, 0)), **c) for b, c in per.items()}
    total = Figures(
        slots=sum(f.slots for f in by_booth.values()),
        booked=sum(f.booked for f in by_booth.values()),
        waiting=sum(f.waiting for f in by_booth.values()),
        cancelled=sum(f.cancelled for f in by_booth.values()),
        promoted=sum(f.promoted for f in by_booth.values()),
    )
    return total, by_booth


# --------------------------------------------------------------------------- editor choices


def company_options(db: Session) -> list[dict[str, Any]]:
    """Companies with their open postings and question sets, for the booth form."""
    companies = list(db.scalars(select(Company).order_by(Company.name)))
    postings = list(db.scalars(select(JobPostingRow).where(JobPostingRow.status == "open").order_by(JobPostingRow.id)))
    sets = list(db.scalars(select(InterviewQuestionSet).order_by(InterviewQuestionSet.id)))
    return [
        {
            "id": c.id, "name": c.name,
            "postings": [{"id": p.id, "title": p.title} for p in postings if p.company_id == c.id],
            "question_sets": [
                {"id": s.id, "title": s.title, "has_intro_video": bool(s.intro_video_path)}
                for s in sets if s.company_id == c.id
            ],
        }
        for c in companies
    ]
