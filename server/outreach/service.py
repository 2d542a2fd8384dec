"""Outreach programmes on the database (issue 15 item 4).

A consultant (or an admin) runs a programme for one target group: they see the seekers the
rules suggest (server/domain/outreach.py, from what seekers chose to tell), enrol seekers by
suggestion, search or hand, attach published events and public postings, and send the enrolled
seekers what the programme carries. Nobody is enrolled automatically.

Sending goes through `notify()` (in-app, email and text message as each seeker chose, quiet
hours and unsubscribe included). Each (item, seeker) sent is a row in `outreach_sends` under a
unique key, written in the same transaction as the notification: a second send carries only
what is new to each person. Sends of one programme are serialised by updating its row first, and
the unique key still refuses a second copy if that were bypassed.

Who may touch what (on top of server/accounts/access.py): a consultant only their own
programmes (another's looks like 404), an admin every one; a seeker only their own enrolments.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.core.audit import record_audit
from server.core.db import utcnow
from server.core.errors import Conflict, InvalidInput, NotFound
from server.core.limits import Id
from server.domain.outreach import TARGET_GROUPS, SeekerFacts, Suggestion, suggest
from server.models import (
    CentreEvent,
    Company,
    JobPostingRow,
    OutreachEnrolment,
    OutreachItem,
    OutreachProgramme,
    OutreachSeekerFacts,
    OutreachSend,
    Role,
    User,
)
from server.notifications.service import notify_with

KST = ZoneInfo("Asia/Seoul")
MY_PROGRAMMES_PATH = "/outreach/mine"
SEARCH_LIMIT = 20


def today_kst() -> dt.date:
    return utcnow().astimezone(KST).date()


# --------------------------------------------------------------------------- programmes


class ProgrammeIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    target_group: str = Field(max_length=24)
    description: str = Field(default="", max_length=5000)
    starts_on: dt.date
    ends_on: dt.date

    @model_validator(mode="after")
    def _check(self) -> ProgrammeIn:
        if self.target_group not in TARGET_GROUPS:
            raise ValueError(f"target_group must be one of {', '.join(TARGET_GROUPS)}")
        if self.ends_on < self.starts_on:
            raise ValueError("the programme must end on or after its first day")
        self.title = self.title.strip()
        if not self.title:
            raise ValueError("the title is empty")
        return self


def create_programme(db: Session, staff: User, data: ProgrammeIn) -> OutreachProgramme:
    programme = OutreachProgramme(owner_id=staff.id)
    _apply(programme, data)
    db.add(programme)
    db.flush()
    record_audit(db, "outreach_programme_created", actor=staff, programme_id=programme.id,
                 target_group=programme.target_group)
    return programme


def update_programme(db: Session, staff: User, programme_id: int, data: ProgrammeIn) -> OutreachProgramme:
    programme = programme_for(db, staff, programme_id)
    _apply(programme, data)
    db.flush()
    record_audit(db, "outreach_programme_updated", actor=staff, programme_id=programme.id)
    return programme


def _apply(programme: OutreachProgramme, data: ProgrammeIn) -> None:
    programme.title, programme.target_group = data.title, data.target_group
    programme.description = data.description.strip()
    programme.starts_on, programme.ends_on = data.starts_on, data.ends_on


def programme_for(db: Session, user: User, programme_id: int) -> OutreachProgramme:
    """An admin: any programme; a consultant: only their own (another's looks like 404)."""
    programme = db.get(OutreachProgramme, programme_id)
    if programme is None or not (user.role is Role.ADMIN or programme.owner_id == user.id):
        raise NotFound("outreach_programme_not_found")
    return programme


def visible_programmes(db: Session, user: User) -> list[OutreachProgramme]:
    query = select(OutreachProgramme).order_by(OutreachProgramme.starts_on.desc(), OutreachProgramme.id.desc())
    if user.role is not Role.ADMIN:
        query = query.where(OutreachProgramme.owner_id == user.id)
    return list(db.scalars(query))


def programme_public(programme: OutreachProgramme) -> dict[str, Any]:
    return {
        "id": programme.id, "title": programme.title, "target_group": programme.target_group,
        "description": programme.description, "starts_on": programme.starts_on.isoformat(),
        "ends_on": programme.ends_on.isoformat(), "owner_id": programme.owner_id,
    }


# --------------------------------------------------------------------------- seekers


def facts_of(db: Session, user_id: int) -> SeekerFacts:
    row = db.get(OutreachSeekerFacts, user_id)
    if row is None:
        return SeekerFacts()
    return SeekerFacts(birth_year=row.birth_year, career_break=row.career_break, disability=row.disability)


class FactsIn(BaseModel):
    """What a seeker chooses to tell for programme suggestions; null: not telling."""

    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    career_break: bool | None = None  # a form's select sends "true" / "false"
    disability: bool | None = None

    @model_validator(mode="after")
    def _check(self) -> FactsIn:
        if self.birth_year is not None and self.birth_year > today_kst().year:
            raise ValueError("the birth year is in the future")
        return self


def save_facts(db: Session, seeker: User, data: FactsIn) -> SeekerFacts:
    row = db.get(OutreachSeekerFacts, seeker.id)
    if row is None:
        row = OutreachSeekerFacts(user_id=seeker.id)
        db.add(row)
    row.birth_year, row.career_break, row.disability = data.birth_year, data.career_break, data.disability
    row.updated_at = utcnow()
    db.flush()
    record_audit(db, "outreach_facts_saved", actor=seeker)  # not the values: they are the seeker's
    return facts_of(db, seeker.id)


def facts_public(facts: SeekerFacts) -> dict[str, Any]:
    return {"birth_year": facts.birth_year, "career_break": facts.career_break, "disability": facts.disability}


@dataclass(frozen=True)
class Candidate:
    seeker: User
    suggestion: Suggestion | None = None
    enrolment_status: str | None = None  # active | left | removed | None


def _enrolments(db: Session, programme_id: int) -> dict[int, OutreachEnrolment]:
    rows = db.scalars(select(OutreachEnrolment).where(OutreachEnrolment.programme_id == programme_id))
    return {e.seeker_id: e for e in rows}


def suggestions(db: Session, staff: User, programme: OutreachProgramme, *, path: str = "") -> list[Candidate]:
    """Seekers the group's rule fits for sure and who are not in the programme (nor left it).
    Reading what seekers told about themselves is audited."""
    enrolled = _enrolments(db, programme.id)
    today = today_kst()
    found: list[Candidate] = []
    rows = db.execute(
        select(User, OutreachSeekerFacts).join(OutreachSeekerFacts, OutreachSeekerFacts.user_id == User.id)
        .where(User.role == Role.SEEKER, User.is_active.is_(True)).order_by(User.display_name, User.id)
    ).all()
    for user, row in rows:
        if user.id in enrolled:
            continue
        fit = suggest(programme.target_group, SeekerFacts(row.birth_year, row.career_break, row.disability), today)
        if fit is not None:
            found.append(Candidate(user, fit))
    record_audit(db, "outreach_suggestions_viewed", actor=staff, path=path or None, programme_id=programme.id,
                 count=len(found))
    return found


def search_seekers(db: Session, programme: OutreachProgramme, text: str) -> list[Candidate]:
    """Seekers by name or email (two characters or more), with their place in the programme."""
    text = text.strip()
    if len(text) < 2:
        raise InvalidInput("outreach_search_too_short")
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    users = db.scalars(
        select(User).where(
            User.role == Role.SEEKER, User.is_active.is_(True),
            or_(User.display_name.ilike(pattern, escape="\\"), User.email.ilike(pattern, escape="\\")),
        ).order_by(User.display_name, User.id).limit(SEARCH_LIMIT)
    )
    enrolled = _enrolments(db, programme.id)
    today = today_kst()
    return [
        Candidate(u, suggest(programme.target_group, facts_of(db, u.id), today),
                  enrolled[u.id].status if u.id in enrolled else None)
        for u in users
    ]


def candidate_public(candidate: Candidate) -> dict[str, Any]:
    s = candidate.suggestion
    return {
        "id": candidate.seeker.id, "name": candidate.seeker.display_name, "email": candidate.seeker.email,
        "suggested": s is not None, "reason": s.reason if s else None,
        "age_low": s.low if s else None, "age_high": s.high if s else None,
        "enrolment": candidate.enrolment_status,
    }


# --------------------------------------------------------------------------- enrolment


class EnrolIn(BaseModel):
    seeker_id: Id
    via: str = Field(default="hand", pattern="^(hand|search|suggestion)$")


def enrol(db: Session, staff: User, programme_id: int, seeker_id: int, *, via: str = "hand") -> OutreachEnrolment:
    """Enrol one seeker. A seeker who left the programme themselves is not put back."""
    programme = programme_for(db, staff, programme_id)
    seeker = db.get(User, seeker_id)
    if seeker is None or seeker.role is not Role.SEEKER or not seeker.is_active:
        raise NotFound("outreach_seeker_not_found")
    enrolment = _enrolments(db, programme.id).get(seeker.id)
    if enrolment is not None and enrolment.status == "active":
        raise Conflict("outreach_already_enrolled")
    if enrolment is not None and enrolment.status == "left":
        raise Conflict("outreach_seeker_left")
    if enrolment is None:
        enrolment = OutreachEnrolment(programme_id=programme.id, seeker_id=seeker.id)
        db.add(enrolment)
    enrolment.status, enrolment.enrolled_by, enrolment.left_at = "active", staff.id, None
    enrolment.enrolled_at = utcnow()
    try:
        db.flush()
    except IntegrityError as exc:  # a second click at the same moment
        raise Conflict("outreach_already_enrolled") from exc
    record_audit(db, "outreach_enrolled", actor=staff, programme_id=programme.id, seeker_id=seeker.id, via=via)
    return enrolment


def remove_enrolment(db: Session, staff: User, programme_id: int, seeker_id: int) -> None:
    programme = programme_for(db, staff, programme_id)
    enrolment = _enrolments(db, programme.id).get(seeker_id)
    if enrolment is None or enrolment.status != "active":
        raise NotFound("outreach_enrolment_not_found")
    enrolment.status, enrolment.left_at = "removed", utcnow()
    db.flush()
    record_audit(db, "outreach_removed", actor=staff, programme_id=programme.id, seeker_id=seeker_id)


def leave(db: Session, seeker: User, programme_id: int) -> None:
    """The seeker leaves; they get nothing more from it, and staff cannot enrol them again."""
    enrolment = db.scalar(select(OutreachEnrolment).where(
        OutreachEnrolment.programme_id == programme_id, OutreachEnrolment.seeker_id == seeker.id,
        OutreachEnrolment.status == "active",
    ))
    if enrolment is None:
        raise NotFound("outreach_programme_not_found")
    enrolment.status, enrolment.left_at = "left", utcnow()
    db.flush()
    record_audit(db, "outreach_left", actor=seeker, programme_id=programme_id)


@dataclass
class EnrolledView:
    enrolment: OutreachEnrolment
    seeker: User
    items_sent: int


def enrolled(db: Session, programme: OutreachProgramme) -> list[EnrolledView]:
    rows = db.execute(
        select(OutreachEnrolment, User).join(User, User.id == OutreachEnrolment.seeker_id)
        .where(OutreachEnrolment.programme_id == programme.id)
        .order_by(OutreachEnrolment.status, User.display_name, User.id)
    ).all()
    item_ids = [i.id for i in _items(db, programme.id)]
    sent: dict[int, int] = {}
    if item_ids:
        for seeker_id in db.scalars(select(OutreachSend.seeker_id).where(OutreachSend.item_id.in_(item_ids))):
            sent[seeker_id] = sent.get(seeker_id, 0) + 1
    return [EnrolledView(e, u, sent.get(u.id, 0)) for e, u in rows]


# --------------------------------------------------------------------------- items


class ItemIn(BaseModel):
    event_id: Id | None = None
    posting_id: Id | None = None

    @model_validator(mode="after")
    def _check(self) -> ItemIn:
        if (self.event_id is None) == (self.posting_id is None):
            raise ValueError("give exactly one of event_id and posting_id")
        return self


def _posting_public(posting: JobPostingRow) -> bool:
    return posting.status == "open" and (posting.deadline is None or posting.deadline >= today_kst())


def add_item(db: Session, staff: User, programme_id: int, data: ItemIn) -> OutreachItem:
    programme = programme_for(db, staff, programme_id)
    if data.event_id is not None:
        event = db.get(CentreEvent, data.event_id)
        if event is None:
            raise NotFound("event_not_found")
        if event.status != "published":
            raise InvalidInput("outreach_event_not_published")
        exists = select(OutreachItem.id).where(
            OutreachItem.programme_id == programme.id, OutreachItem.event_id == event.id
        )
    else:
        posting = db.get(JobPostingRow, data.posting_id)
        if posting is None:
            raise NotFound("posting_not_found")
        if not _posting_public(posting):
            raise InvalidInput("outreach_posting_not_public")
        exists = select(OutreachItem.id).where(
            OutreachItem.programme_id == programme.id, OutreachItem.posting_id == posting.id
        )
    if db.scalar(exists) is not None:
        raise Conflict("outreach_item_exists")
    item = OutreachItem(programme_id=programme.id, event_id=data.event_id, posting_id=data.posting_id,
                        added_by=staff.id)
    db.add(item)
    try:
        db.flush()
    except IntegrityError as exc:
        raise Conflict("outreach_item_exists") from exc
    record_audit(db, "outreach_item_added", actor=staff, programme_id=programme.id, item_id=item.id,
                 event_id=data.event_id, posting_id=data.posting_id)
    return item


def remove_item(db: Session, staff: User, programme_id: int, item_id: int) -> None:
    programme = programme_for(db, staff, programme_id)
    item = db.get(OutreachItem, item_id)
    if item is None or item.programme_id != programme.id:
        raise NotFound("outreach_item_not_found")
    db.delete(item)
    db.flush()
    record_audit(db, "outreach_item_removed", actor=staff, programme_id=programme.id, item_id=item_id)


def _items(db: Session, programme_id: int) -> list[OutreachItem]:
    return list(db.scalars(select(OutreachItem).where(OutreachItem.programme_id == programme_id)
                           .order_by(OutreachItem.id)))


@dataclass
class ItemView:
    item: OutreachItem
    event: CentreEvent | None = None
    posting: JobPostingRow | None = None
    company: Company | None = None

    @property
    def live(self) -> bool:
        """Still worth sending and showing: the event takes bookings, the posting is open."""
        if self.event is not None:
            return self.event.status == "published"
        return self.posting is not None and _posting_public(self.posting)

    @property
    def link(self) -> str:
        return f"/events/{self.event.id}" if self.event else f"/jobs/{self.item.posting_id}"


def item_views(db: Session, programme_id: int) -> list[ItemView]:
    views = []
    for item in _items(db, programme_id):
        if item.event_id is not None:
            views.append(ItemView(item, event=db.get(CentreEvent, item.event_id)))
        else:
            posting = db.get(JobPostingRow, item.posting_id)
            views.append(ItemView(item, posting=posting,
                                  company=db.get(Company, posting.company_id) if posting else None))
    return views


def item_public(view: ItemView) -> dict[str, Any]:
    data: dict[str, Any] = {"id": view.item.id, "live": view.live, "link": view.link}
    if view.event is not None:
        data["event"] = {"id": view.event.id, "title": view.event.title, "kind": view.event.kind,
                         "starts_at": view.event.starts_at.isoformat(), "status": view.event.status}
    if view.posting is not None:
        data["posting"] = {"id": view.posting.id, "title": view.posting.title, "status": view.posting.status,
                           "company": view.company.name if view.company else "",
                           "deadline": view.posting.deadline.isoformat() if view.posting.deadline else None}
    return data


def item_options(db: Session) -> dict[str, list[dict[str, Any]]]:
    """What can be attached: published events (soonest first) and open postings."""
    events = db.scalars(select(CentreEvent).where(CentreEvent.status == "published")
                        .order_by(CentreEvent.starts_at, CentreEvent.id))
    postings = db.execute(
        select(JobPostingRow, Company).join(Company, Company.id == JobPostingRow.company_id)
        .where(JobPostingRow.status == "open").order_by(JobPostingRow.id.desc()).limit(200)
    ).all()
    return {
        "events": [{"id": e.id, "title": e.title, "starts_at": e.starts_at.isoformat()} for e in events],
        "postings": [{"id": p.id, "title": p.title, "company": c.name} for p, c in postings if _posting_public(p)],
    }


# --------------------------------------------------------------------------- sending


@dataclass
class SendResult:
    seekers: int = 0  # people who got a message
    items: int = 0  # (item, person) pairs sent: two people getting one event is 2
    already: int = 0  # people who had everything already
    sent_to: list[int] = field(default_factory=list)


def _line(view: ItemView) -> str:
    if view.event is not None:
        return f"· {view.event.title} ({view.event.starts_at.astimezone(KST).date().isoformat()})"
    assert view.posting is not None
    company = f" · {view.company.name}" if view.company else ""
    return f"· {view.posting.title}{company}"


def send_programme(db: Session, staff: User, programme_id: int) -> SendResult:
    """Send every active enrolled seeker the programme's live items they have not had yet."""
    programme = programme_for(db, staff, programme_id)
    # Serialise sends of one programme, as bookings are per event: on PostgreSQL a row lock held to
    # the commit, on SQLite the write lock; a second send then reads what the first recorded.
    db.execute(
        update(OutreachProgramme).where(OutreachProgramme.id == programme.id)
        .values(owner_id=OutreachProgramme.owner_id).execution_options(synchronize_session=False)
    )
    views = [v for v in item_views(db, programme.id) if v.live]
    if not views:
        raise InvalidInput("outreach_nothing_to_send")
    people = [e for e in _enrolments(db, programme.id).values() if e.status == "active"]
    if not people:
        raise InvalidInput("outreach_nobody_enrolled")
    had = {(int(item_id), int(seeker_id)) for item_id, seeker_id in db.execute(
        select(OutreachSend.item_id, OutreachSend.seeker_id).where(OutreachSend.item_id.in_([v.item.id for v in views]))
    )}
    result = SendResult()
    for enrolment in sorted(people, key=lambda e: e.seeker_id):
        new = [v for v in views if (v.item.id, enrolment.seeker_id) not in had]
        if not new:
            result.already += 1
            continue
        events = [_line(v) for v in new if v.event is not None]
        postings = [_line(v) for v in new if v.posting is not None]
        note = notify_with(db, enrolment.seeker_id, "outreach_programme_items", link=MY_PROGRAMMES_PATH, params={
            "programme": programme.title, "count": str(len(new)),
            "events": "\n".join(events) or "—", "postings": "\n".join(postings) or "—",
        })
        for view in new:
            db.add(OutreachSend(item_id=view.item.id, seeker_id=enrolment.seeker_id, notification_id=note.id,
                                sent_by=staff.id))
        result.seekers += 1
        result.items += len(new)
        result.sent_to.append(enrolment.seeker_id)
    try:
        db.flush()
    except IntegrityError as exc:  # another send of this programme at the same moment
        raise Conflict("outreach_send_in_progress") from exc
    record_audit(db, "outreach_sent", actor=staff, programme_id=programme.id, seekers=result.seekers,
                 items=result.items)
    return result


# --------------------------------------------------------------------------- the seeker's side


@dataclass
class MyProgramme:
    programme: OutreachProgramme
    items: list[ItemView]


def my_programmes(db: Session, seeker: User) -> list[MyProgramme]:
    rows = db.scalars(
        select(OutreachProgramme).join(OutreachEnrolment, OutreachEnrolment.programme_id == OutreachProgramme.id)
        .where(OutreachEnrolment.seeker_id == seeker.id, OutreachEnrolment.status == "active")
        .order_by(OutreachProgramme.starts_on.desc(), OutreachProgramme.id.desc())
    )
    return [MyProgramme(p, [v for v in item_views(db, p.id) if v.live]) for p in rows]


def my_programme_public(mine: MyProgramme) -> dict[str, Any]:
    data = programme_public(mine.programme)
    data.pop("owner_id")
    return {**data, "items": [item_public(v) for v in mine.items]}
