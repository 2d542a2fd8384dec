"""The booth's live room at a centre event, on the interviews' room machinery
(`server/interviews/live_room.py`): one room per booth (`ref_id` = booth id) for the whole day.

The company's employer users host it; a seeker booked at the booth sits as a guest while their
slot's window is open (an hour before until an hour after, server/domain/booth_day.py) and waits
in the lobby until the host admits them, seeing their place in the day's queue; a consultant
goes along (동행면접) as a companion, admitted from the lobby like the seeker and starting muted.
Booth rooms are not recorded (no one has the grant); the chat is kept in `live_room_messages`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from media import RecordingRef
from server.core.errors import Conflict, NotFound
from server.events import day
from server.interviews.room_kinds import RoomKind, Seat
from server.interviews.tokens import RoomGrants
from server.models import EventBooth, User
from server.models.rooms import LiveRoomMessage, LiveRoomRecording

HOST = Seat("host", RoomGrants(publish=True, subscribe=True, admit=True))
GUEST = Seat("guest", RoomGrants(publish=True, subscribe=True))
COMPANION = Seat("companion", RoomGrants(publish=True, subscribe=True))


class BoothRoom(RoomKind):
    name = "booth"
    admitted_roles = frozenset({"host"})
    consent_roles = ()

    def socket_path(self, ref_id: int) -> str:
        return f"/ws/events/booths/{ref_id}/room"

    def seat(self, db: Session, user: User, ref_id: int, now: dt.datetime) -> Seat:
        booth = db.get(EventBooth, ref_id)
        if booth is None:
            raise NotFound("event_booth_not_found")
        if day.is_host(user, booth):
            if not day.host_room_open(db, booth.id, now):
                raise Conflict("event_booth_room_closed")
            return HOST
        if day.may_accompany(db, user, booth, now):
            if not day.host_room_open(db, booth.id, now):
                raise Conflict("event_booth_room_closed")
            return COMPANION
        if day.seeker_item_now(db, user, booth.id, now) is not None:
            return GUEST
        if any(i.seeker.id == user.id for i in day.day_queue(db, booth.id, now)):
            raise Conflict("event_booth_room_not_your_time")
        raise NotFound("event_booth_not_found")

    def consent_given(self, db: Session, ref_id: int) -> bool:
        return False  # never recorded

    def own_consent(self, db: Session, ref_id: int, user_id: int) -> bool:
        return False

    def save_consent(self, db: Session, ref_id: int, user_id: int, granted: bool) -> None:
        raise Conflict("not_allowed")

    def save_chat(self, db: Session, ref_id: int, user_id: int, name: str, text: str) -> dt.datetime:
        row = LiveRoomMessage(room_kind=self.name, ref_id=ref_id, sender_id=user_id, sender_name=name, text=text)
        db.add(row)
        db.flush()
        return row.at

    def recording_row(self, ref_id: int, user_id: int, role: str, owner_instance: str | None) -> LiveRoomRecording:
        raise Conflict("not_allowed")  # no seat in a booth room has the record grant

    def recording_folder(self, db: Session, ref_id: int) -> tuple[str, ...]:
        return "booths", str(ref_id)

    def finish_recording(self, db: Session, row_id: int, ref: RecordingRef) -> bool:
        return False


BOOTH_ROOM = BoothRoom()
