"""The journey's live rooms, on the interviews' room machinery (`server/interviews/live_room.py`):
a booked video counselling slot (the consultant hosts, the seeker waits in the lobby) and an
accepted mentoring session (the mentor hosts, the mentee waits).

Both keep each person's recording consent, the chat and any recorded tracks in the
`live_room_*` tables. Recording needs BOTH people's consent and is off until then.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from media import RecordingRef
from server.core.db import utcnow
from server.core.errors import Conflict, NotFound
from server.interviews.room_kinds import RoomKind, Seat
from server.interviews.tokens import RoomGrants
from server.models import CounsellingSlot, MentorRequest, User
from server.models.rooms import LiveRoomConsent, LiveRoomMessage, LiveRoomRecording

OPENS_BEFORE = dt.timedelta(minutes=10)  # the room opens 10 minutes before the start
GRACE_AFTER = dt.timedelta(minutes=30)  # and stays open 30 minutes past the planned end
ROOM_STATUSES = ("booked", "held")  # a consultant may mark the session held while it runs

HOST = Seat("host", RoomGrants(publish=True, subscribe=True, admit=True, record=True))
GUEST = Seat("guest", RoomGrants(publish=True, subscribe=True))


def counselling_room_path(slot_id: int) -> str:
    return f"/journey/counselling/{slot_id}/room"


def mentoring_room_path(request_id: int) -> str:
    return f"/mentoring/{request_id}/room"


def counselling_window(slot: CounsellingSlot) -> tuple[dt.datetime, dt.datetime]:
    """When the slot's room opens and closes."""
    return slot.starts_at - OPENS_BEFORE, slot.starts_at + dt.timedelta(minutes=slot.duration_min) + GRACE_AFTER


def has_room(slot: CounsellingSlot) -> bool:
    """Only a booked video slot has a room; phone and in-person slots have none."""
    return slot.mode == "video" and slot.seeker_id is not None and slot.status in ROOM_STATUSES


def room_state(slot: CounsellingSlot, now: dt.datetime | None = None) -> str:
    """`none` (no room), `not_yet`, `open` or `closed`, for the pages."""
    if not has_room(slot):
        return "none"
    opens, closes = counselling_window(slot)
    now = now or utcnow()
    return "not_yet" if now < opens else "closed" if now > closes else "open"


class JourneyRoom(RoomKind):
    """Host and guest; both consent to recording; consent, chat and tracks in `live_room_*`."""

    admitted_roles = frozenset({"host"})
    consent_roles = ("host", "guest")
    folder: ClassVar[str]

    def people(self, db: Session, ref_id: int) -> tuple[int, int] | None:
        """(host, guest) user ids, when the room has both."""
        raise NotImplementedError

    def _consents(self, db: Session, ref_id: int) -> set[int]:
        return set(
            db.scalars(
                select(LiveRoomConsent.user_id).where(
                    LiveRoomConsent.room_kind == self.name, LiveRoomConsent.ref_id == ref_id
                )
            )
        )

    def consent_given(self, db: Session, ref_id: int) -> bool:
        people = self.people(db, ref_id)
        return people is not None and set(people) <= self._consents(db, ref_id)

    def own_consent(self, db: Session, ref_id: int, user_id: int) -> bool:
        return user_id in self._consents(db, ref_id)

    def save_consent(self, db: Session, ref_id: int, user_id: int, granted: bool) -> None:
        row = db.scalar(
            select(LiveRoomConsent).where(
                LiveRoomConsent.room_kind == self.name,
                LiveRoomConsent.ref_id == ref_id,
                LiveRoomConsent.user_id == user_id,
            )
        )
        if granted and row is None:
            db.add(LiveRoomConsent(room_kind=self.name, ref_id=ref_id, user_id=user_id))
        elif not granted and row is not None:
            db.delete(row)

    def save_chat(self, db: Session, ref_id: int, user_id: int, name: str, text: str) -> dt.datetime:
        row = LiveRoomMessage(room_kind=self.name, ref_id=ref_id, sender_id=user_id, sender_name=name, text=text)
        db.add(row)
        db.flush()
        return row.at

    def recording_row(self, ref_id: int, user_id: int, role: str, owner_instance: str | None) -> LiveRoomRecording:
        return LiveRoomRecording(
            room_kind=self.name, ref_id=ref_id, participant_id=user_id, role=role, recording_path="",
            owner_instance=owner_instance,
        )

    def recording_folder(self, db: Session, ref_id: int) -> tuple[str, ...]:
        return self.folder, str(ref_id)

    def finish_recording(self, db: Session, row_id: int, ref: RecordingRef) -> bool:
        row = db.get(LiveRoomRecording, row_id)
        if row is not None:
            row.duration_s, row.partial, row.ended_at, row.status = ref.duration_s, ref.partial, utcnow(), "recorded"
        return False  # counselling and mentoring calls are not scored


class CounsellingRoom(JourneyRoom):
    name = "counselling"
    folder = "counselling"

    def socket_path(self, ref_id: int) -> str:
        return f"/ws/counselling/{ref_id}/room"

    def people(self, db: Session, ref_id: int) -> tuple[int, int] | None:
        slot = db.get(CounsellingSlot, ref_id)
        if slot is None or slot.seeker_id is None:
            return None
        return slot.consultant_id, slot.seeker_id

    def seat(self, db: Session, user: User, ref_id: int, now: dt.datetime) -> Seat:
        slot = db.get(CounsellingSlot, ref_id)
        if slot is None or user.id not in (slot.consultant_id, slot.seeker_id):
            raise NotFound("slot_not_found")
        if slot.mode != "video":
            raise Conflict("no_video_room")
        if not has_room(slot):
            raise Conflict("slot_not_booked")
        opens, closes = counselling_window(slot)
        if now < opens:
            raise Conflict("room_not_open_yet")
        if now > closes:
            raise Conflict("room_closed")
        return HOST if user.id == slot.consultant_id else GUEST


class MentoringRoom(JourneyRoom):
    """A mentoring session has no booked time: its room is open while the mentoring is accepted."""

    name = "mentoring"
    folder = "mentoring"

    def socket_path(self, ref_id: int) -> str:
        return f"/ws/mentoring/{ref_id}/room"

    def people(self, db: Session, ref_id: int) -> tuple[int, int] | None:
        request = db.get(MentorRequest, ref_id)
        return None if request is None else (request.mentor_id, request.seeker_id)

    def seat(self, db: Session, user: User, ref_id: int, now: dt.datetime) -> Seat:
        request = db.get(MentorRequest, ref_id)
        if request is None or user.id not in (request.mentor_id, request.seeker_id):
            raise NotFound("request_not_found")
        if request.status != "accepted":
            raise Conflict("mentoring_not_active")
        return HOST if user.id == request.mentor_id else GUEST


COUNSELLING_ROOM = CounsellingRoom()
MENTORING_ROOM = MentoringRoom()
