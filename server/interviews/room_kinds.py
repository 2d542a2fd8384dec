"""What differs between the kinds of live room: an adapter per kind, one room machinery.

A live room is keyed by `(kind, ref_id)`: ("interview", invitation id), ("counselling", slot
id), ("mentoring", mentor request id). `LiveRoom`, the room tokens and the room socket are the
same for all; a `RoomKind` says who may sit in the room and in which seat (host or guest, with
which grants), when the room is open, whose consent recording needs, and where consent, chat
and recordings are stored. The interview kind is here; the journey's kinds are in
`server/journey/rooms.py`.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy.orm import Session

from media import RecordingRef
from server.core.db import utcnow
from server.core.errors import Conflict
from server.interviews import service
from server.interviews.tokens import RoomGrants
from server.jobs.kinds import JobKind
from server.jobs.queue import enqueue
from server.models.accounts import Role, User
from server.models.interviews import InterviewInvitation, RoomChatMessage, RoomRecording
from server.models.rooms import LiveRoomRecording

MIN_ANALYSED_S = 2.0


@dataclass(frozen=True)
class Seat:
    """Where a person sits in a room: their role there and what their token lets them do."""

    role: str
    grants: RoomGrants


class RoomKind(ABC):
    """The rules of one kind of room. Database methods run in a worker thread with a session."""

    name: ClassVar[str]
    admitted_roles: ClassVar[frozenset[str]]  # go straight in; everyone else waits in the lobby
    consent_roles: ClassVar[tuple[str, ...]]  # recording needs the consent of every one of them
    captions: ClassVar[bool] = False  # live captions of the guest's speech (interviews only)
    consent_purpose: ClassVar[str] = "live_room_recording"

    def room_name(self, ref_id: int) -> str:
        return f"{self.name}-{ref_id}"

    @abstractmethod
    def socket_path(self, ref_id: int) -> str:
        ...

    @abstractmethod
    def seat(self, db: Session, user: User, ref_id: int, now: dt.datetime) -> Seat:
        """The person's seat in the room now; a typed error (404 not theirs, 409 not open) else."""

    def audit_detail(self, ref_id: int) -> dict[str, Any]:
        return {"room_kind": self.name, "ref_id": ref_id}

    @abstractmethod
    def consent_given(self, db: Session, ref_id: int) -> bool:
        ...

    @abstractmethod
    def own_consent(self, db: Session, ref_id: int, user_id: int) -> bool:
        ...

    @abstractmethod
    def save_consent(self, db: Session, ref_id: int, user_id: int, granted: bool) -> None:
        ...

    def mark_started(self, db: Session, ref_id: int, actor: User) -> None:  # noqa: B027 (optional hook)
        """The host admitted the guest: the meeting has begun. Most kinds note nothing."""

    @abstractmethod
    def save_chat(self, db: Session, ref_id: int, user_id: int, name: str, text: str) -> dt.datetime:
        ...

    def create_recording(
        self, db: Session, ref_id: int, user_id: int, role: str, identity: str, recordings_dir: Path,
        owner_instance: str | None,
    ) -> tuple[int, Path]:
        """A row for one member's track and the file it is written to."""
        row = self.recording_row(ref_id, user_id, role, owner_instance)
        db.add(row)
        db.flush()
        path = recordings_dir.joinpath(*self.recording_folder(db, ref_id)) / f"room-{row.id}-{identity}.webm"
        row.recording_path = str(path.relative_to(recordings_dir))
        return row.id, path

    @abstractmethod
    def recording_row(
        self, ref_id: int, user_id: int, role: str, owner_instance: str | None
    ) -> RoomRecording | LiveRoomRecording:
        """The new row of a track (its `recording_path` is set once its id is known)."""

    @abstractmethod
    def recording_folder(self, db: Session, ref_id: int) -> tuple[str, ...]:
        """Where the room's tracks go, below the recordings directory."""

    @abstractmethod
    def finish_recording(self, db: Session, row_id: int, ref: RecordingRef) -> bool:
        """Store the finished track; True when an analysis job was queued (wake the worker)."""


class InterviewRoom(RoomKind):
    """An employer's live interview: interviewers host, the candidate (and a companion) wait."""

    name = "interview"
    admitted_roles = frozenset({"interviewer"})
    consent_roles = ("candidate",)
    captions = True
    consent_purpose = "live_room_recording_and_captions"

    def socket_path(self, ref_id: int) -> str:
        return f"/ws/interviews/{ref_id}/room"

    def seat(self, db: Session, user: User, ref_id: int, now: dt.datetime) -> Seat:
        invitation = service.visible_invitation(db, user, ref_id)
        if invitation.kind != "live":
            raise Conflict("not_a_live_interview")
        if user.role is Role.EMPLOYER:
            return Seat("interviewer", RoomGrants(publish=True, subscribe=True, admit=True, record=True))
        if invitation.status not in ("accepted", "in_progress"):
            raise Conflict("interview_not_open")
        if user.role is Role.CONSULTANT:  # 동행면접: visible companion, no admit/record, no notes
            return Seat("companion", RoomGrants(publish=True, subscribe=True))
        return Seat("candidate", RoomGrants(publish=True, subscribe=True))

    def audit_detail(self, ref_id: int) -> dict[str, Any]:
        return {"invitation_id": ref_id}

    def consent_given(self, db: Session, ref_id: int) -> bool:
        invitation = db.get(InterviewInvitation, ref_id)
        return invitation is not None and invitation.recording_consent_at is not None

    def own_consent(self, db: Session, ref_id: int, user_id: int) -> bool:
        return self.consent_given(db, ref_id)  # the candidate's consent is the invitation's

    def save_consent(self, db: Session, ref_id: int, user_id: int, granted: bool) -> None:
        invitation = db.get(InterviewInvitation, ref_id)
        if invitation is not None:
            invitation.recording_consent_at = utcnow() if granted else None

    def mark_started(self, db: Session, ref_id: int, actor: User) -> None:
        invitation = db.get(InterviewInvitation, ref_id)
        if invitation is not None:
            service.mark_started(db, actor, invitation)

    def save_chat(self, db: Session, ref_id: int, user_id: int, name: str, text: str) -> dt.datetime:
        row = RoomChatMessage(invitation_id=ref_id, sender_id=user_id, sender_name=name, text=text)
        db.add(row)
        db.flush()
        return row.at

    def recording_row(self, ref_id: int, user_id: int, role: str, owner_instance: str | None) -> RoomRecording:
        return RoomRecording(
            invitation_id=ref_id, participant_id=user_id, role=role, recording_path="",
            owner_instance=owner_instance,  # recovery leaves it to this process
        )

    def recording_folder(self, db: Session, ref_id: int) -> tuple[str, ...]:
        invitation = db.get(InterviewInvitation, ref_id)
        assert invitation is not None
        return "interviews", str(invitation.company_id), str(ref_id)

    def finish_recording(self, db: Session, row_id: int, ref: RecordingRef) -> bool:
        row = db.get(RoomRecording, row_id)
        if row is None:
            return False
        row.duration_s = ref.duration_s
        row.partial = ref.partial
        row.ended_at = utcnow()
        row.status = "recorded"
        if row.role == "candidate" and (ref.duration_s or 0) >= MIN_ANALYSED_S:
            # After the call the candidate's track gets the same report as practice.
            row.status = "analyzing"
            enqueue(db, JobKind.ANALYZE_ROOM_RECORDING, {"recording_id": row.id})
            return True
        return False


INTERVIEW_ROOM = InterviewRoom()
