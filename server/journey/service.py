"""The journey steps on the DB: questionnaires, cover letters, counselling, mentoring, follow-up,
the journey view, consultant assignments and notes, and the admin's numbers.

Object rules: a seeker sees only their own records; a consultant sees a seeker only when an
admin assigned that seeker to them (anything else looks like 404); admins see everyone.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict
from typing import Any, cast

from pydantic import BaseModel, Field
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from server.careers.service import (
    _check_fields,
    _clean_list,
    get_profile,
    today_kst,
    visible_posting,
)
from server.core.db import get_or_404, utcnow
from server.core.errors import Conflict, InvalidInput, NotFound
from server.core.limits import Id
from server.domain.aptitude import score_aptitude
from server.domain.coverletter import review_cover_letter
from server.domain.diagnosis import score_diagnosis
from server.domain.followup import (
    HireRecord,
    checkin_state,
    schedule_checkins,
    score_followup,
    summarize_retention,
)
from server.domain.journey import (
    JourneyFacts,
    JourneyView,
    StepRecommendation,
    compute_journey,
    summarize_journeys,
)
from server.domain.mentoring import MentorProfile as DomainMentor
from server.domain.mentoring import rank_mentors
from server.domain.stress import score_stress
from server.journey.rooms import COUNSELLING_ROOM, counselling_room_path
from server.models import (
    CareersActivity,
    ConsultantAssignment,
    CounsellingSlot,
    CoverLetter,
    CoverLetterVersion,
    FollowupCheckin,
    Hire,
    InterviewInvitation,
    JobApplication,
    JobInvitation,
    JourneyNote,
    MentorMessage,
    MentorProfile,
    MentorRequest,
    PracticeSession,
    QuestionnaireResult,
    Role,
    User,
)
from server.models.rooms import LiveRoomConsent
from server.notifications.calendar import CalendarEntry, Method, calendar_file
from server.notifications.service import Attachment, notify, notify_with

KST = dt.timezone(dt.timedelta(hours=9))
INTERVIEW_NOT_SCHEDULED = frozenset({"declined"})
INTERVIEW_DONE = frozenset({"submitted", "held", "under_review", "decided"})


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.astimezone(KST).date() if value is not None else None


# --------------------------------------------------------------------------- questionnaires


class AnswersIn(BaseModel):
    answers: dict[str, int] = Field(max_length=100)
    safety_concern: bool | None = None  # stress check only


def latest_result(db: Session, seeker_id: int, kind: str) -> QuestionnaireResult | None:
    return db.scalar(
        select(QuestionnaireResult)
        .where(QuestionnaireResult.seeker_id == seeker_id, QuestionnaireResult.kind == kind)
        .order_by(QuestionnaireResult.id.desc())
        .limit(1)
    )


def submit_diagnosis(db: Session, user: User, data: AnswersIn) -> QuestionnaireResult:
    result = score_diagnosis(data.answers)
    row = QuestionnaireResult(
        seeker_id=user.id, kind="diagnosis", answers=data.answers, result=asdict(result)
    )
    db.add(row)
    db.flush()
    return row


def submit_aptitude(db: Session, user: User, data: AnswersIn) -> QuestionnaireResult:
    result = score_aptitude(data.answers)
    row = QuestionnaireResult(seeker_id=user.id, kind="aptitude", answers=data.answers, result=asdict(result))
    db.add(row)
    # The recommended fields feed matching as SeekerProfile.aptitude_fields.
    profile = get_profile(db, user)
    profile.aptitude_fields = list(result.recommended_fields)
    profile.updated_at = utcnow()
    db.flush()
    return row


def submit_stress(db: Session, user: User, data: AnswersIn) -> QuestionnaireResult:
    result = score_stress(data.answers, safety_concern=data.safety_concern)
    row = QuestionnaireResult(seeker_id=user.id, kind="stress", answers=data.answers, result=asdict(result))
    db.add(row)
    db.flush()
    return row


def diagnosis_recommendations(result: QuestionnaireResult | None) -> tuple[StepRecommendation, ...]:
    if result is None:
        return ()
    recommendations = cast(list[dict[str, Any]], result.result.get("recommendations", []))
    return tuple(StepRecommendation(**r) for r in recommendations)


# --------------------------------------------------------------------------- cover letters


class CoverLetterIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=20_000)
    posting_id: Id | None = None
    limit_chars: int | None = Field(default=None, ge=1, le=20_000)


class CoverLetterVersionIn(BaseModel):
    text: str = Field(min_length=1, max_length=20_000)
    comment: str = Field(default="", max_length=5_000)


def _posting_text(db: Session, posting_id: int | None) -> str | None:
    if posting_id is None:
        return None
    row = visible_posting(db, posting_id)
    return "\n".join([row.title, row.duties, *row.required_skills, *row.preferred_skills])


def _feedback(db: Session, letter: CoverLetter, text: str) -> dict[str, Any]:
    feedback = review_cover_letter(
        text, limit_chars=letter.limit_chars, posting_text=_posting_text(db, letter.posting_id)
    )
    return asdict(feedback)


def create_cover_letter(db: Session, user: User, data: CoverLetterIn) -> CoverLetter:
    if data.posting_id is not None:
        visible_posting(db, data.posting_id)
    letter = CoverLetter(
        seeker_id=user.id, posting_id=data.posting_id, title=data.title.strip(), limit_chars=data.limit_chars
    )
    db.add(letter)
    db.flush()
    feedback = _feedback(db, letter, data.text)
    db.add(
        CoverLetterVersion(
            letter_id=letter.id,
            number=1,
            author_id=user.id,
            author_role="seeker",
            text=data.text,
            feedback=feedback,
        )
    )
    db.flush()
    return letter


def is_assigned(db: Session, consultant: User, seeker_id: int) -> bool:
    assignment = db.get(ConsultantAssignment, seeker_id)
    return assignment is not None and assignment.consultant_id == consultant.id


def can_view_seeker(db: Session, viewer: User, seeker_id: int) -> bool:
    if viewer.role is Role.ADMIN:
        return True
    if viewer.role is Role.SEEKER:
        return viewer.id == seeker_id
    if viewer.role is Role.CONSULTANT:
        return is_assigned(db, viewer, seeker_id)
    return False


def visible_letter(db: Session, viewer: User, letter_id: int) -> CoverLetter:
    letter = db.get(CoverLetter, letter_id)
    if letter is None or not can_view_seeker(db, viewer, letter.seeker_id):
        raise NotFound("letter_not_found")
    return letter


def letter_versions(db: Session, letter: CoverLetter) -> list[CoverLetterVersion]:
    return list(
        db.scalars(
            select(CoverLetterVersion)
            .where(CoverLetterVersion.letter_id == letter.id)
            .order_by(CoverLetterVersion.number)
        ).all()
    )


def add_letter_version(
    db: Session, user: User, letter_id: int, data: CoverLetterVersionIn
) -> CoverLetterVersion:
    letter = visible_letter(db, user, letter_id)
    if user.role is Role.ADMIN:
        raise NotFound("letter_not_found")  # admins oversee; consultants and the seeker write
    number = (
        db.scalar(
            select(func.max(CoverLetterVersion.number)).where(CoverLetterVersion.letter_id == letter.id)
        )
        or 0
    ) + 1
    version = CoverLetterVersion(
        letter_id=letter.id,
        number=number,
        author_id=user.id,
        author_role=user.role.value,
        text=data.text,
        comment=data.comment.strip(),
        feedback=_feedback(db, letter, data.text),
    )
    db.add(version)
    db.flush()
    if user.role is Role.CONSULTANT:  # the seeker is asked to read the revision and comments
        notify(
            db, letter.seeker_id, "letter_comment", link=f"/journey/cover-letters/{letter.id}",
            consultant=user.display_name, title=letter.title, comment=version.comment,
        )
    return version


def seeker_letters(db: Session, seeker_id: int) -> list[tuple[CoverLetter, int, bool]]:
    """(letter, number of versions, has a consultant review)."""
    letters = db.scalars(
        select(CoverLetter).where(CoverLetter.seeker_id == seeker_id).order_by(CoverLetter.id.desc())
    ).all()
    out = []
    for letter in letters:
        versions = letter_versions(db, letter)
        out.append((letter, len(versions), any(v.author_role == "consultant" for v in versions)))
    return out


def letters_awaiting_review(db: Session, consultant: User) -> list[tuple[CoverLetter, User]]:
    seekers = [a.seeker_id for a in db.scalars(
        select(ConsultantAssignment).where(ConsultantAssignment.consultant_id == consultant.id)
    ).all()]  # fmt: skip
    if not seekers:
        return []
    out = []
    for letter, seeker in db.execute(
        select(CoverLetter, User).join(User, User.id == CoverLetter.seeker_id).where(CoverLetter.seeker_id.in_(seekers))
        .order_by(CoverLetter.id)
    ).all():  # fmt: skip
        versions = letter_versions(db, letter)
        if versions and versions[-1].author_role == "seeker":
            out.append((letter, seeker))
    return out


# --------------------------------------------------------------------------- counselling


class SlotIn(BaseModel):
    starts_at: dt.datetime
    duration_min: int = Field(default=50, ge=10, le=240)
    mode: str = Field(default="video", pattern="^(video|phone|in_person)$")


class BookIn(BaseModel):
    note: str = Field(default="", max_length=2000)


def publish_slot(db: Session, consultant: User, data: SlotIn) -> CounsellingSlot:
    starts = data.starts_at if data.starts_at.tzinfo else data.starts_at.replace(tzinfo=KST)
    if starts <= utcnow():
        raise InvalidInput("slot_in_past")
    slot = CounsellingSlot(
        consultant_id=consultant.id, starts_at=starts, duration_min=data.duration_min, mode=data.mode
    )
    db.add(slot)
    db.flush()
    return slot


def open_slots(db: Session) -> list[tuple[CounsellingSlot, User]]:
    return [
        (s, u)
        for s, u in db.execute(
            select(CounsellingSlot, User)
            .join(User, User.id == CounsellingSlot.consultant_id)
            .where(CounsellingSlot.status == "open", CounsellingSlot.starts_at > utcnow())
            .order_by(CounsellingSlot.starts_at)
            .limit(100)
        ).all()
    ]


MODE_LABELS_KO = {"video": "화상", "phone": "전화", "in_person": "대면"}  # calendars get one language
CANCEL_CUTOFF = dt.timedelta(hours=1)  # a seeker cancels up to an hour before the start


def _slot_links(slot: CounsellingSlot) -> tuple[str, str]:
    """Where each person's notification leads: the video room, or their own list of bookings."""
    if slot.mode == "video":
        return counselling_room_path(slot.id), counselling_room_path(slot.id)
    return "/journey/counselling", "/consultant/slots"


def _slot_params(slot: CounsellingSlot) -> dict[str, str]:
    return {
        "starts_at": slot.starts_at.isoformat(), "duration": str(slot.duration_min),
        "mode_key": f"journey.mode_{slot.mode}",
        "room_note_key": "rooms.email_room_note" if slot.mode == "video" else "rooms.email_no_room_note",
    }


def slot_calendar(
    slot: CounsellingSlot, consultant: User, seeker: User, base_url: str, *, booked_at: dt.datetime, cancelled: bool
) -> Attachment:
    """The booking as a calendar entry (the same builder as interview invitations); one UID per
    booking, so the cancellation replaces the entry it was sent with."""
    host = base_url.split("://", 1)[-1].split("/", 1)[0] or "untact"
    seeker_link, _ = _slot_links(slot)
    url = base_url.rstrip("/") + seeker_link
    entry = CalendarEntry(
        uid=f"counselling-{slot.id}-{int(booked_at.timestamp())}@{host}",
        sequence=1 if cancelled else 0,
        start=slot.starts_at,
        end=slot.starts_at + dt.timedelta(minutes=slot.duration_min),
        summary=f"{consultant.display_name} 상담사 {MODE_LABELS_KO.get(slot.mode, '')} 상담".replace("  ", " "),
        description=url,
        url=url,
        organizer_email=consultant.email,
        organizer_name=consultant.display_name,
        attendee_email=seeker.email,
        attendee_name=seeker.display_name,
        cancelled=cancelled,
        alarm_before_min=60,
    )
    method: Method = "CANCEL" if cancelled else "REQUEST"
    return Attachment(f"counselling-{slot.id}.ics", "text/calendar", calendar_file(entry, method=method), method=method)


def book_slot(db: Session, seeker: User, slot_id: int, data: BookIn, *, base_url: str = "") -> CounsellingSlot:
    slot = get_or_404(db, CounsellingSlot, slot_id, "slot_not_found")
    if slot.status != "open" or slot.starts_at <= utcnow():
        raise Conflict("slot_taken")
    slot.status = "booked"
    slot.seeker_id = seeker.id
    slot.booked_at = utcnow()
    slot.seeker_note = data.note.strip()
    consultant = db.get(User, slot.consultant_id)
    assert consultant is not None
    when = _slot_params(slot)
    seeker_link, consultant_link = _slot_links(slot)
    calendar = (slot_calendar(slot, consultant, seeker, base_url, booked_at=slot.booked_at, cancelled=False),)
    notify_with(
        db, seeker.id, "counselling_booked_seeker", link=seeker_link,
        params={**when, "consultant": consultant.display_name}, attachments=calendar,
    )
    notify_with(
        db, slot.consultant_id, "counselling_booked_consultant", link=consultant_link,
        params={**when, "seeker": seeker.display_name, "note": slot.seeker_note}, attachments=calendar,
    )
    return slot


def cancel_booking(db: Session, user: User, slot_id: int, *, base_url: str = "") -> CounsellingSlot:
    slot = db.get(CounsellingSlot, slot_id)
    mine = slot is not None and (
        (user.role is Role.SEEKER and slot.seeker_id == user.id)
        or (user.role is Role.CONSULTANT and slot.consultant_id == user.id)
    )
    if slot is None or not mine:
        raise NotFound("slot_not_found")
    if slot.status != "booked":
        raise Conflict("slot_not_booked")
    if user.role is Role.SEEKER and utcnow() > slot.starts_at - CANCEL_CUTOFF:
        raise Conflict("cancel_too_late")
    consultant, seeker = db.get(User, slot.consultant_id), db.get(User, slot.seeker_id or 0)
    if consultant is not None and seeker is not None:
        # The other person hears of it, with the calendar entry cancelled.
        other, link = (consultant, "/consultant/slots") if user.id == seeker.id else (seeker, "/journey/counselling")
        calendar = (
            slot_calendar(slot, consultant, seeker, base_url, booked_at=slot.booked_at or utcnow(), cancelled=True),
        )
        notify_with(
            db, other.id, "counselling_cancelled", link=link, attachments=calendar,
            params={**_slot_params(slot), "by": user.display_name},
        )
    slot.status, slot.seeker_id, slot.booked_at, slot.seeker_note = "open", None, None, ""
    # A consent belongs to this booking: whoever books the slot next starts without one.
    db.execute(delete(LiveRoomConsent).where(LiveRoomConsent.room_kind == COUNSELLING_ROOM.name,
                                             LiveRoomConsent.ref_id == slot.id))
    return slot


def mark_slot_held(db: Session, consultant: User, slot_id: int) -> CounsellingSlot:
    slot = db.get(CounsellingSlot, slot_id)
    if slot is None or slot.consultant_id != consultant.id:
        raise NotFound("slot_not_found")
    if slot.status != "booked":
        raise Conflict("slot_not_booked")
    slot.status = "held"
    return slot


def consultant_slots(db: Session, consultant: User) -> list[tuple[CounsellingSlot, User | None]]:
    rows = db.scalars(
        select(CounsellingSlot)
        .where(CounsellingSlot.consultant_id == consultant.id)
        .order_by(CounsellingSlot.starts_at)
    ).all()
    return [(s, db.get(User, s.seeker_id) if s.seeker_id else None) for s in rows]


def seeker_bookings(db: Session, seeker: User) -> list[tuple[CounsellingSlot, User]]:
    return [
        (s, u)
        for s, u in db.execute(
            select(CounsellingSlot, User)
            .join(User, User.id == CounsellingSlot.consultant_id)
            .where(CounsellingSlot.seeker_id == seeker.id)
            .order_by(CounsellingSlot.starts_at)
        ).all()
    ]


# --------------------------------------------------------------------------- mentoring


class MentorProfileIn(BaseModel):
    fields: list[str] = Field(min_length=1, max_length=6)
    region: str = Field(default="", max_length=100)
    job_title: str = Field(default="", max_length=200)
    employer_name: str = Field(default="", max_length=200)
    bio: str = Field(default="", max_length=3000)
    max_mentees: int = Field(default=3, ge=1, le=20)
    accepting: bool = True


class MentorRequestIn(BaseModel):
    mentor_id: Id
    message: str = Field(default="", max_length=3000)


class MessageIn(BaseModel):
    body: str = Field(min_length=1, max_length=5000)


class MentorStatusIn(BaseModel):
    status: str = Field(pattern="^(accepted|declined|completed)$")


def save_mentor_profile(db: Session, user: User, data: MentorProfileIn) -> MentorProfile:
    _check_fields(_clean_list(data.fields))
    profile = db.get(MentorProfile, user.id)
    if profile is None:
        profile = MentorProfile(user_id=user.id)
        db.add(profile)
    for name, value in data.model_dump().items():
        setattr(
            profile,
            name,
            _clean_list(value) if name == "fields" else value.strip() if isinstance(value, str) else value,
        )
    profile.updated_at = utcnow()
    db.flush()
    return profile


def _active_mentees(db: Session) -> dict[int, int]:
    return dict(
        db.execute(  # type: ignore[arg-type]
            select(MentorRequest.mentor_id, func.count(MentorRequest.id))
            .where(MentorRequest.status.in_(("requested", "accepted")))
            .group_by(MentorRequest.mentor_id)
        ).all()
    )


def recommended_mentors(db: Session, seeker: User, limit: int = 5) -> list[tuple[Any, MentorProfile, User]]:
    profile = get_profile(db, seeker)
    active = _active_mentees(db)
    mentors = {
        m.user_id: (m, u)
        for m, u in db.execute(
            select(MentorProfile, User)
            .join(User, User.id == MentorProfile.user_id)
            .where(User.id != seeker.id)
        ).all()
    }
    ranked = rank_mentors(
        profile.desired_fields,
        profile.desired_regions,
        [
            DomainMentor(str(uid), tuple(m.fields), m.region, active.get(uid, 0), m.max_mentees, m.accepting)
            for uid, (m, _) in mentors.items()
        ],
        aptitude_fields=profile.aptitude_fields,
        limit=limit,
    )
    return [(match, *mentors[int(match.mentor_id)]) for match in ranked]


def request_mentor(db: Session, seeker: User, data: MentorRequestIn) -> MentorRequest:
    ranked = {int(m.mentor_id): m for m, _, _ in recommended_mentors(db, seeker, limit=1000)}
    if data.mentor_id not in ranked:
        raise NotFound("mentor_not_found")  # not a mentor, full, not accepting or no shared field
    open_request = db.scalar(
        select(MentorRequest).where(
            MentorRequest.seeker_id == seeker.id,
            MentorRequest.mentor_id == data.mentor_id,
            MentorRequest.status.in_(("requested", "accepted")),
        )
    )
    if open_request is not None:
        raise Conflict("already_requested")
    request = MentorRequest(
        seeker_id=seeker.id, mentor_id=data.mentor_id, match_score=ranked[data.mentor_id].score_0_100
    )
    db.add(request)
    db.flush()
    if data.message.strip():
        db.add(MentorMessage(request_id=request.id, author_id=seeker.id, body=data.message.strip()))
    return request


def visible_request(db: Session, user: User, request_id: int) -> MentorRequest:
    request = db.get(MentorRequest, request_id)
    if request is None or user.id not in (request.seeker_id, request.mentor_id):
        raise NotFound("request_not_found")
    return request


def post_message(db: Session, user: User, request_id: int, data: MessageIn) -> MentorMessage:
    request = visible_request(db, user, request_id)
    if request.status == "declined":
        raise Conflict("request_closed")
    message = MentorMessage(request_id=request.id, author_id=user.id, body=data.body.strip())
    db.add(message)
    db.flush()
    return message


def set_request_status(db: Session, user: User, request_id: int, data: MentorStatusIn) -> MentorRequest:
    request = visible_request(db, user, request_id)
    if user.id != request.mentor_id and data.status != "completed":
        raise NotFound("request_not_found")  # only the mentor accepts or declines
    allowed = {"accepted": ("requested",), "declined": ("requested",), "completed": ("accepted",)}
    if request.status not in allowed[data.status]:
        raise Conflict("invalid_transition")
    request.status = data.status
    if data.status == "completed":
        request.completed_at = utcnow()
    if data.status == "accepted":
        notify(db, request.seeker_id, "mentoring_accepted", link=f"/mentoring/{request.id}", mentor=user.display_name)
    return request


def thread(db: Session, request: MentorRequest) -> list[tuple[MentorMessage, User | None]]:
    messages = db.scalars(
        select(MentorMessage).where(MentorMessage.request_id == request.id).order_by(MentorMessage.id)
    ).all()
    return [(m, db.get(User, m.author_id) if m.author_id else None) for m in messages]


def requests_for(db: Session, user: User) -> list[tuple[MentorRequest, User, User]]:
    rows = db.scalars(
        select(MentorRequest)
        .where((MentorRequest.seeker_id == user.id) | (MentorRequest.mentor_id == user.id))
        .order_by(MentorRequest.id.desc())
    ).all()
    return [(r, db.get(User, r.seeker_id), db.get(User, r.mentor_id)) for r in rows]  # type: ignore[misc]


# --------------------------------------------------------------------------- follow-up


class HireIn(BaseModel):
    company_name: str = Field(min_length=1, max_length=200)
    job_title: str = Field(default="", max_length=200)
    hired_on: dt.date
    posting_id: Id | None = None


class LeftIn(BaseModel):
    left_on: dt.date


def record_hire(db: Session, seeker: User, data: HireIn) -> Hire:
    if data.hired_on > today_kst() + dt.timedelta(days=90):
        raise InvalidInput("hire_date_too_far")
    if data.posting_id is not None:
        # The seeker's word only: recorded as their claim (Hire.posting_id), never written into the
        # employer's application status, which only the employer sets.
        visible_posting(db, data.posting_id)
    hire = Hire(
        seeker_id=seeker.id,
        posting_id=data.posting_id,
        company_name=data.company_name.strip(),
        job_title=data.job_title.strip(),
        hired_on=data.hired_on,
    )
    db.add(hire)
    db.flush()
    for checkin in schedule_checkins(data.hired_on):
        db.add(
            FollowupCheckin(
                hire_id=hire.id,
                number=checkin.number,
                months_after_hire=checkin.months_after_hire,
                due_on=checkin.due_on,
            )
        )
    db.flush()
    return hire


def current_hire(db: Session, seeker_id: int) -> Hire | None:
    return db.scalar(select(Hire).where(Hire.seeker_id == seeker_id).order_by(Hire.id.desc()).limit(1))


def hire_checkins(db: Session, hire: Hire) -> list[FollowupCheckin]:
    return list(
        db.scalars(
            select(FollowupCheckin).where(FollowupCheckin.hire_id == hire.id).order_by(FollowupCheckin.number)
        ).all()
    )


def checkin_states(db: Session, hire: Hire) -> list[tuple[FollowupCheckin, str]]:
    today = today_kst()
    out = []
    for c in hire_checkins(db, hire):
        domain = next(s for s in schedule_checkins(hire.hired_on) if s.number == c.number)
        out.append((c, checkin_state(domain, today, _day(c.completed_at))))
    return out


def answer_checkin(db: Session, seeker: User, checkin_id: int, data: AnswersIn) -> FollowupCheckin:
    checkin = db.get(FollowupCheckin, checkin_id)
    hire = db.get(Hire, checkin.hire_id) if checkin else None
    if checkin is None or hire is None or hire.seeker_id != seeker.id:
        raise NotFound("checkin_not_found")
    if checkin.completed_at is not None:
        raise Conflict("checkin_done")
    state = dict((c.id, s) for c, s in checkin_states(db, hire))[checkin.id]
    if state == "upcoming":
        raise Conflict("checkin_not_open")
    result = score_followup(data.answers)
    checkin.answers = dict(data.answers)
    checkin.risk_level = result.risk_level
    checkin.reasons = {"ko": list(result.reasons_ko), "en": list(result.reasons_en)}
    checkin.flagged = result.flag_consultant
    checkin.completed_at = utcnow()
    return checkin


def record_left(db: Session, seeker: User, hire_id: int, data: LeftIn) -> Hire:
    hire = db.get(Hire, hire_id)
    if hire is None or hire.seeker_id != seeker.id:
        raise NotFound("hire_not_found")
    if data.left_on < hire.hired_on:
        raise InvalidInput("left_before_hired")
    hire.left_on = data.left_on
    return hire


def flagged_checkins(db: Session, consultant: User) -> list[tuple[FollowupCheckin, Hire, User]]:
    query = (
        select(FollowupCheckin, Hire, User)
        .join(Hire, Hire.id == FollowupCheckin.hire_id)
        .join(User, User.id == Hire.seeker_id)
        .join(ConsultantAssignment, ConsultantAssignment.seeker_id == Hire.seeker_id)
        .where(FollowupCheckin.flagged.is_(True), ConsultantAssignment.consultant_id == consultant.id)
        .order_by(FollowupCheckin.completed_at.desc())
    )
    return [(c, h, u) for c, h, u in db.execute(query).all()]


UNASSIGNED_CENTRE = "-"


def retention_by_centre(db: Session) -> dict[str, Any]:
    centres: dict[str, list[HireRecord]] = defaultdict(list)
    for hire, centre in db.execute(
        select(Hire, ConsultantAssignment.centre).outerjoin(
            ConsultantAssignment, ConsultantAssignment.seeker_id == Hire.seeker_id
        )
    ).all():
        centres[centre or UNASSIGNED_CENTRE].append(HireRecord(hire.hired_on, hire.left_on))
    today = today_kst()
    return {centre: summarize_retention(records, today) for centre, records in sorted(centres.items())}


# --------------------------------------------------------------------------- the journey


def _count(db: Session, query: Any) -> int:
    return int(db.scalar(query) or 0)


def journey_facts(db: Session, seeker_id: int) -> JourneyFacts:
    last: dict[str, dt.date] = {}

    def note(step: str, value: dt.datetime | dt.date | None) -> None:
        day = _day(value) if isinstance(value, dt.datetime) else value
        if day is not None and (step not in last or day > last[step]):
            last[step] = day

    results: dict[str, list[QuestionnaireResult]] = defaultdict(list)
    for r in db.scalars(
        select(QuestionnaireResult)
        .where(QuestionnaireResult.seeker_id == seeker_id)
        .order_by(QuestionnaireResult.id)
    ).all():
        results[r.kind].append(r)
    diagnosis, aptitude, stress = results["diagnosis"], results["aptitude"], results["stress"]
    for kind, step in (("diagnosis", "diagnosis"), ("aptitude", "aptitude"), ("stress", "counselling")):
        for r in results[kind]:
            note(step, r.created_at)

    letters = db.scalars(select(CoverLetter).where(CoverLetter.seeker_id == seeker_id)).all()
    reviews = 0
    for letter in letters:
        for v in letter_versions(db, letter):
            note("cover_letter", v.created_at)
            reviews += v.author_role == "consultant"

    sessions = db.scalars(select(PracticeSession).where(PracticeSession.seeker_id == seeker_id)).all()
    for s in sessions:
        note("interview_practice", s.completed_at or s.created_at)

    slots = db.scalars(select(CounsellingSlot).where(CounsellingSlot.seeker_id == seeker_id)).all()
    for slot in slots:
        note("counselling", slot.booked_at)

    requests = db.scalars(select(MentorRequest).where(MentorRequest.seeker_id == seeker_id)).all()
    for req in requests:
        note("mentoring", req.completed_at or req.created_at)

    views = db.scalars(
        select(CareersActivity).where(
            CareersActivity.seeker_id == seeker_id, CareersActivity.kind == "recommendations_viewed"
        )
    ).all()
    for view in views:
        note("recommendation", view.at)
    applications = db.scalars(select(JobApplication).where(JobApplication.seeker_id == seeker_id)).all()
    for a in applications:
        note("recommendation", a.created_at)

    interviews = db.scalars(
        select(InterviewInvitation).where(InterviewInvitation.seeker_id == seeker_id)
    ).all()
    for interview in interviews:
        note("online_interview", interview.updated_at)

    hire = current_hire(db, seeker_id)
    checkins_done = 0
    if hire is not None:
        note("follow_up", hire.hired_on)
        note("online_interview", hire.hired_on)
        for c in hire_checkins(db, hire):
            if c.completed_at is not None:
                checkins_done += 1
                note("follow_up", c.completed_at)

    return JourneyFacts(
        diagnosis_started=bool(diagnosis),
        diagnosis_completed_on=_day(diagnosis[0].created_at) if diagnosis else None,
        cover_letters_submitted=len(letters),
        cover_letter_reviews_received=reviews,
        aptitude_completed_on=_day(aptitude[0].created_at) if aptitude else None,
        practice_sessions_started=len(sessions),
        practice_sessions_completed=sum(1 for s in sessions if s.status == "completed"),
        stress_checks_completed=len(stress),
        latest_stress_band=str(stress[-1].result.get("band")) if stress else None,
        counselling_sessions_booked=sum(1 for s in slots if s.status in ("booked", "held")),
        counselling_sessions_completed=sum(1 for s in slots if s.status == "held"),
        mentor_requests=len(requests),
        mentoring_sessions_completed=sum(1 for r in requests if r.status == "completed"),
        recommendations_viewed=len(views),
        applications_submitted=len(applications),
        # Invitations from the employer-interview feature (issue 5): any not declined counts as
        # scheduled; a submitted recorded interview or a held live one counts as done.
        interviews_scheduled=sum(1 for i in interviews if i.status not in INTERVIEW_NOT_SCHEDULED),
        interviews_completed=sum(1 for i in interviews if i.status in INTERVIEW_DONE),
        hired_on=hire.hired_on if hire else None,
        followup_checkins_completed=checkins_done,
        last_activity_on=last,
    )


def seeker_journey(db: Session, seeker_id: int) -> JourneyView:
    return compute_journey(
        journey_facts(db, seeker_id), diagnosis_recommendations(latest_result(db, seeker_id, "diagnosis"))
    )


def journey_public(view: JourneyView, locale: str) -> dict[str, Any]:
    en = locale == "en"
    return {
        "steps": [
            {
                "number": s.step.number,
                "id": s.step.step_id,
                "name": s.step.name_en if en else s.step.name_ko,
                "status": s.status,
                "last_activity_on": s.last_activity_on.isoformat() if s.last_activity_on else None,
            }
            for s in view.steps
        ],
        "recommended_next": [
            {"id": r.step_id, "number": r.step_number, "reason": r.reason_en if en else r.reason_ko}
            for r in view.recommended_next
        ],
    }


def visible_seeker(db: Session, viewer: User, seeker_id: int) -> User:
    seeker = db.get(User, seeker_id)
    if seeker is None or seeker.role is not Role.SEEKER or not can_view_seeker(db, viewer, seeker_id):
        raise NotFound("seeker_not_found")
    return seeker


class NoteIn(BaseModel):
    body: str = Field(min_length=1, max_length=5000)
    step_id: str | None = Field(default=None, max_length=32)


def add_note(db: Session, author: User, seeker_id: int, data: NoteIn) -> JourneyNote:
    visible_seeker(db, author, seeker_id)
    note = JourneyNote(seeker_id=seeker_id, author_id=author.id, step_id=data.step_id, body=data.body.strip())
    db.add(note)
    db.flush()
    return note


def notes_for(db: Session, seeker_id: int) -> list[tuple[JourneyNote, User | None]]:
    notes = db.scalars(
        select(JourneyNote).where(JourneyNote.seeker_id == seeker_id).order_by(JourneyNote.id.desc())
    ).all()
    return [(n, db.get(User, n.author_id) if n.author_id else None) for n in notes]


class AssignmentIn(BaseModel):
    seeker_id: Id
    consultant_id: Id | None = None  # None removes the assignment
    centre: str = Field(default="", max_length=100)


def assign(db: Session, data: AssignmentIn) -> ConsultantAssignment | None:
    seeker = db.get(User, data.seeker_id)
    if seeker is None or seeker.role is not Role.SEEKER:
        raise NotFound("seeker_not_found")
    existing = db.get(ConsultantAssignment, data.seeker_id)
    if data.consultant_id is None:
        if existing is not None:
            db.delete(existing)
        return None
    consultant = db.get(User, data.consultant_id)
    if consultant is None or consultant.role is not Role.CONSULTANT:
        raise NotFound("consultant_not_found")
    if existing is None:
        existing = ConsultantAssignment(seeker_id=seeker.id, consultant_id=consultant.id)
        db.add(existing)
    existing.consultant_id = consultant.id
    existing.centre = data.centre.strip()
    existing.assigned_at = utcnow()
    db.flush()
    return existing


def assigned_seekers(db: Session, consultant: User) -> list[tuple[User, ConsultantAssignment]]:
    return [
        (u, a)
        for u, a in db.execute(
            select(User, ConsultantAssignment)
            .join(ConsultantAssignment, ConsultantAssignment.seeker_id == User.id)
            .where(ConsultantAssignment.consultant_id == consultant.id)
            .order_by(User.display_name)
        ).all()
    ]


def admin_summary(db: Session) -> dict[str, Any]:
    seekers = db.scalars(select(User.id).where(User.role == Role.SEEKER)).all()
    views, hired = [], []
    for seeker_id in seekers:
        facts = journey_facts(db, seeker_id)
        views.append(
            compute_journey(facts, diagnosis_recommendations(latest_result(db, seeker_id, "diagnosis")))
        )
        hired.append(facts.hired_on is not None)
    counts, hires = summarize_journeys(views, hired)
    return {
        "seekers": len(seekers),
        "hired": hires,
        "steps": [{"id": c.step_id, "started": c.started, "finished": c.finished} for c in counts],
    }


def invitations_count(db: Session, seeker_id: int) -> int:
    return _count(db, select(func.count(JobInvitation.id)).where(JobInvitation.seeker_id == seeker_id))


def seeker_interviews(db: Session, seeker_id: int) -> list[InterviewInvitation]:
    return list(
        db.scalars(
            select(InterviewInvitation)
            .where(InterviewInvitation.seeker_id == seeker_id)
            .order_by(InterviewInvitation.id.desc())
        ).all()
    )
