"""Reminders that nobody triggers by hand: 24 h and 1 h before a live interview, 24 h before a
recorded interview's deadline, 1 h before a booked counselling session (with the video room's
link), and a post-hire check-in that has opened.

`send_due_reminders` runs from a periodic job (`server/notifications/jobs.py`). Each reminder
sent is a row in `notification_reminders` keyed by (kind, subject, person, due time), written
in the same transaction as the notification, so a restart or a second run sends nothing
twice; a rescheduled interview has a new due time and so gets its reminders again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.domain.followup import CHECKIN_OPENS_DAYS_BEFORE, CHECKIN_OVERDUE_AFTER_DAYS
from server.models.careers import CounsellingSlot, FollowupCheckin, Hire
from server.models.interviews import InterviewInvitation, InvitationEvent
from server.models.notifications import NotificationReminder
from server.notifications.service import notify_with

KST = ZoneInfo("Asia/Seoul")
LIVE_LEADS = (("interview_reminder_24h", timedelta(hours=24)), ("interview_reminder_1h", timedelta(hours=1)))
ONEWAY_LEAD = ("oneway_reminder_24h", timedelta(hours=24))
COUNSELLING_LEAD = ("counselling_reminder_1h", timedelta(hours=1))
# The video room's page (server/journey/rooms.py `counselling_room_path`; the journey imports
# notifications, not the other way round).
COUNSELLING_ROOM_LINK = "/journey/counselling/{slot_id}/room"
LIVE_REMINDED = ("invited", "accepted")
ONEWAY_REMINDED = ("invited", "accepted", "in_progress")


@dataclass(frozen=True)
class DueReminder:
    kind: str
    subject_id: int
    user_id: int
    due_at: datetime
    link: str
    params: dict[str, str]


def _last_invited_at(db: Session, invitation_id: int) -> datetime | None:
    """When the current time was sent (the invitation, or the answer to a reschedule request)."""
    return db.scalar(
        select(func.max(InvitationEvent.at)).where(
            InvitationEvent.invitation_id == invitation_id, InvitationEvent.to_status == "invited"
        )
    )


def _interview_reminders(db: Session, now: datetime) -> Iterator[DueReminder]:
    horizon = now + timedelta(hours=24)
    live = db.scalars(
        select(InterviewInvitation).where(
            InterviewInvitation.kind == "live",
            InterviewInvitation.status.in_(LIVE_REMINDED),
            InterviewInvitation.scheduled_at > now,
            InterviewInvitation.scheduled_at <= horizon,
        )
    ).all()
    for invitation in live:
        start = invitation.scheduled_at
        assert start is not None
        invited_at = _last_invited_at(db, invitation.id) or invitation.created_at
        # The latest lead that is due: a server that was down for a day sends the 1 h one only.
        due = [(kind, start - lead) for kind, lead in LIVE_LEADS if start - lead <= now]
        if not due:
            continue
        kind, due_at = due[-1]
        if invited_at >= due_at:
            continue  # invited (or moved) after the reminder was due: the invitation said it all
        params = {
            "company": invitation.company.name, "title": invitation.title, "starts_at": start.isoformat(),
        }
        people = [invitation.seeker_id, *([invitation.created_by] if invitation.created_by else [])]
        for user_id in people:
            yield DueReminder(kind, invitation.id, user_id, due_at, f"/interviews/{invitation.id}", params)
    oneway = db.scalars(
        select(InterviewInvitation).where(
            InterviewInvitation.kind == "recorded",
            InterviewInvitation.status.in_(ONEWAY_REMINDED),
            InterviewInvitation.deadline_at > now,
            InterviewInvitation.deadline_at <= horizon,
        )
    ).all()
    kind, lead = ONEWAY_LEAD
    for invitation in oneway:
        deadline = invitation.deadline_at
        assert deadline is not None
        due_at = deadline - lead
        invited_at = _last_invited_at(db, invitation.id) or invitation.created_at
        if invited_at >= due_at:
            continue
        params = {
            "company": invitation.company.name, "title": invitation.title, "deadline_at": deadline.isoformat(),
        }
        yield DueReminder(kind, invitation.id, invitation.seeker_id, due_at, f"/interviews/{invitation.id}", params)


def _counselling_reminders(db: Session, now: datetime) -> Iterator[DueReminder]:
    """An hour before a booked session, to both people; a video session's reminder leads to its room."""
    kind, lead = COUNSELLING_LEAD
    slots = db.scalars(
        select(CounsellingSlot).where(
            CounsellingSlot.status == "booked",
            CounsellingSlot.seeker_id.is_not(None),
            CounsellingSlot.starts_at > now,
            CounsellingSlot.starts_at <= now + lead,
        )
    ).all()
    for slot in slots:
        due_at = slot.starts_at - lead
        if slot.booked_at is not None and slot.booked_at >= due_at:
            continue  # booked within the hour: the booking's own notice said it all
        assert slot.seeker_id is not None
        params = {"starts_at": slot.starts_at.isoformat(), "mode_key": f"journey.mode_{slot.mode}"}
        video = slot.mode == "video"
        room = COUNSELLING_ROOM_LINK.format(slot_id=slot.id)
        yield DueReminder(kind, slot.id, slot.seeker_id, due_at, room if video else "/journey/counselling",
                          {**params, "note_key": "rooms.reminder_video" if video else "rooms.reminder_other"})
        yield DueReminder(kind, slot.id, slot.consultant_id, due_at, room if video else "/consultant/slots",
                          {**params, "note_key": "rooms.reminder_video_host" if video else "rooms.reminder_other"})


def _checkin_reminders(db: Session, now: datetime) -> Iterator[DueReminder]:
    """A check-in that has opened (a week before its date) and is not overdue yet."""
    today = now.astimezone(KST).date()
    rows = db.execute(
        select(FollowupCheckin, Hire)
        .join(Hire, Hire.id == FollowupCheckin.hire_id)
        .where(
            FollowupCheckin.completed_at.is_(None),
            Hire.left_on.is_(None),
            FollowupCheckin.due_on <= today + dt.timedelta(days=CHECKIN_OPENS_DAYS_BEFORE),
            FollowupCheckin.due_on >= today - dt.timedelta(days=CHECKIN_OVERDUE_AFTER_DAYS),
        )
    ).all()
    for checkin, hire in rows:
        due_at = datetime.combine(checkin.due_on, dt.time(0, 0), tzinfo=KST)
        params = {"company": hire.company_name, "months": str(checkin.months_after_hire),
                  "due_at": due_at.isoformat()}
        yield DueReminder("checkin_due", checkin.id, hire.seeker_id, due_at, "/journey/follow-up", params)


def _already_sent(db: Session, reminder: DueReminder) -> bool:
    return (
        db.scalar(
            select(NotificationReminder.id).where(
                NotificationReminder.kind == reminder.kind,
                NotificationReminder.subject_id == reminder.subject_id,
                NotificationReminder.user_id == reminder.user_id,
                NotificationReminder.due_at == reminder.due_at,
            )
        )
        is not None
    )


def send_due_reminders(db: Session, now: datetime) -> list[DueReminder]:
    """Notify every reminder that is due and not sent yet; returns those sent."""
    return send_reminders(db, [*_interview_reminders(db, now), *_counselling_reminders(db, now),
                               *_checkin_reminders(db, now)])


def send_reminders(db: Session, reminders: Iterable[DueReminder]) -> list[DueReminder]:
    """Notify each reminder not sent yet, recording it in the same transaction (also used by the
    centre events' reminders, server/events/reminders.py)."""
    sent: list[DueReminder] = []
    for reminder in list(reminders):
        if _already_sent(db, reminder):
            continue
        # The unique key is the backstop: a concurrent run fails its commit instead of sending twice.
        db.add(NotificationReminder(
            kind=reminder.kind, subject_id=reminder.subject_id, user_id=reminder.user_id, due_at=reminder.due_at,
        ))
        db.flush()
        notify_with(db, reminder.user_id, reminder.kind, link=reminder.link, params=reminder.params)
        sent.append(reminder)
    return sent
