"""Live rooms: a lobby, admission, SFU forwarding through `media.Room`, chat, mute,
connection quality, and recording only with the consent of the people the room's kind names.

One `LiveRoom` per room key `(kind, ref_id)` (an interview invitation, a counselling booking, a
mentoring session), kept in the app's `RoomRegistry` (no module globals) and closed when its
last member leaves or the server stops. What differs between kinds is a `RoomKind` adapter
(`server/interviews/room_kinds.py`). Every member is one socket; their peer is created only
after they are admitted (guests) or on connect (hosts).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from media import (
    AnswerRecorder,
    MediaError,
    PeerSession,
    RecordingRef,
    Room,
    RoomOptions,
    SlotAssignment,
    check_offer,
)
from server.answers.live import LiveAnswerServices
from server.answers.signalling import Ice, Offer, Ping, answer_message, error_message
from server.core.audit import record_audit
from server.core.db import session_scope
from server.core.i18n import translate
from server.core.storage import StorageError
from server.interviews.captions import LiveCaptions
from server.interviews.room_kinds import INTERVIEW_ROOM, RoomKind
from server.interviews.room_signalling import (
    Admit,
    Captions,
    Chat,
    Deny,
    Leave,
    Mute,
    RecordingConsent,
    StartRecording,
    StopRecording,
)
from server.interviews.tokens import RoomClaims
from server.models.accounts import User

log = logging.getLogger("untact.interviews.room")

Send = Callable[[dict[str, Any]], Awaitable[None]]
CloseSocket = Callable[[int], Awaitable[None]]
QUALITY_INTERVAL_S = 3.0
MAX_MEMBERS = 6  # one candidate, a panel of up to four interviewers, and a companion


@dataclass
class Member:
    claims: RoomClaims
    send_raw: Send
    close_socket: CloseSocket
    locale: str
    admitted: bool
    peer: PeerSession | None = None
    consent: bool = False
    muted: dict[str, bool] = field(default_factory=dict)

    @property
    def identity(self) -> str:
        return self.claims.identity

    async def send(self, message: dict[str, Any]) -> None:
        try:
            await self.send_raw(message)
        except Exception:  # the socket is gone; its own handler cleans up
            log.debug("could not send %s to %s", message.get("type"), self.identity)

    async def error(self, code: str, *, retryable: bool = False) -> None:
        await self.send(
            error_message(code, translate(self.locale, f"signalling.{code}"), retryable=retryable)
        )


@dataclass
class _Recording:
    row_id: int
    recorder: AnswerRecorder


class LiveRoom:
    def __init__(
        self,
        ref_id: int,
        services: LiveAnswerServices,
        *,
        on_empty: Callable[[LiveRoom], None],
        kind: RoomKind = INTERVIEW_ROOM,
    ) -> None:
        self.kind = kind
        self.ref_id = ref_id
        self.key = (kind.name, ref_id)
        self.name = kind.room_name(ref_id)
        self._services = services
        self._on_empty = on_empty
        self.room = Room(
            self.name,
            options=RoomOptions(max_participants=MAX_MEMBERS),
            on_assignment=self._on_assignment,
            on_participant_left=self._on_participant_left,
        )
        self.members: dict[str, Member] = {}
        self._recordings: dict[str, _Recording] = {}
        self.recording_active = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False
        self._quality_task: asyncio.Task[None] | None = None
        self._captions: LiveCaptions | None = None
        self.captions_on = False  # an interviewer asked for captions (they run while the candidate is in)

    @property
    def invitation_id(self) -> int:  # the interview kind's name for the room's reference
        return self.ref_id

    def start(self) -> None:
        self.room.start()
        self._quality_task = self._spawn(self._quality_loop())

    # ---------------------------------------------------------------- membership

    def _spawn(self, coro: Awaitable[Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _roster(self) -> list[dict[str, Any]]:
        return [
            {"identity": m.identity, "name": m.claims.name, "role": m.claims.role, "in_lobby": not m.admitted}
            for m in self.members.values()
        ]

    async def _broadcast(self, message: dict[str, Any], *, admitted_only: bool = True) -> None:
        for member in list(self.members.values()):
            if member.admitted or not admitted_only:
                await member.send(message)

    async def _send_lobby(self) -> None:
        waiting = [
            {"identity": m.identity, "name": m.claims.name, "consent": m.consent}
            for m in self.members.values()
            if not m.admitted
        ]
        for member in self.members.values():
            if member.admitted and member.claims.grants.admit:
                await member.send({"type": "lobby", "waiting": waiting})

    async def connect(self, claims: RoomClaims, send: Send, close_socket: CloseSocket, locale: str) -> Member:
        previous = self.members.get(claims.identity)
        if previous is not None:  # the same person reconnecting (a reload): the new socket wins
            await self.disconnect(previous, reason="replaced")
            await previous.close_socket(4409)
        if len(self.members) >= MAX_MEMBERS:
            raise MediaError("room_full", "the room is full")
        consent = await asyncio.to_thread(self._consent_given)
        # Guests (the candidate and their companion, a seeker) wait in the lobby; hosts go straight in.
        member = Member(claims, send, close_socket, locale, admitted=claims.role in self.kind.admitted_roles)
        if claims.role in self.kind.consent_roles:
            # A consenting person's box shows their own choice (a candidate's is the invitation's).
            consent = member.consent = await asyncio.to_thread(self._own_consent, claims.user_id)
        self.members[claims.identity] = member
        await member.send(
            {
                "type": "hello",
                "room": self.name,
                "identity": claims.identity,
                "role": claims.role,
                "grants": claims.grants.to_dict(),
                "state": "admitted" if member.admitted else "lobby",
                "recording": self.recording_active,
                "captions": self.captions_on,
                "screen_sharer": self.room.screen_sharer,
                "consent": consent,
                "participants": self._roster(),
            }
        )
        await self._broadcast({"type": "participants", "participants": self._roster()})
        await self._send_lobby()
        return member

    async def disconnect(self, member: Member, *, reason: str = "left") -> None:
        if self.members.get(member.identity) is not member:
            return
        del self.members[member.identity]
        await self._stop_recorder(member.identity)
        await self._sync_captions()
        await self.room.leave(member.identity)  # closes the peer
        await self._broadcast({"type": "participant_left", "identity": member.identity, "reason": reason})
        await self._broadcast({"type": "participants", "participants": self._roster()})
        await self._send_lobby()
        if not self.members:
            self._on_empty(self)

    # ---------------------------------------------------------------- messages

    async def handle(self, member: Member, message: Any) -> None:
        if self._closed or self.members.get(member.identity) is not member:
            return
        match message:
            case Ping():
                await member.send({"type": "pong"})
            case Offer():
                await self._join(member, message.sdp)
            case Ice():
                await self._add_candidate(member, message)
            case Admit() | Deny():
                await self._admit(member, message.identity, isinstance(message, Admit))
            case RecordingConsent():
                await self._set_consent(member, message.recording)
            case Chat():
                await self._chat(member, message.text)
            case Mute():
                await self._mute(member, message.source, message.muted)
            case StartRecording():
                await self._start_recording(member)
            case StopRecording():
                await self._stop_recording(member)
            case Captions():
                await self._set_captions(member, message.on)
            case Leave():
                await self.disconnect(member)
                await member.close_socket(1000)

    async def _join(self, member: Member, sdp: str) -> None:
        if not member.admitted:
            await member.error("not_admitted")
            return
        if not member.claims.grants.publish and not member.claims.grants.subscribe:
            await member.error("not_allowed")
            return
        if member.peer is not None:
            await member.error("already_joined")
            return
        allow_private = self._services.allow_private_candidates
        try:
            check_offer(sdp, allow_private_candidates=allow_private)  # before any peer exists
        except MediaError as exc:
            await member.error(exc.code)
            return
        peer = PeerSession(
            peer_id=f"{self.name}-{member.identity}-{uuid.uuid4().hex[:6]}",
            ice_servers=self._services.ice_servers,
            decode_video=False,
            allow_private_candidates=allow_private,
        )
        member.peer = peer
        try:
            answer = await self.room.join(member.identity, peer, sdp)
        except MediaError as exc:
            member.peer = None
            log.warning("room %s: %s could not join: %s (%s)", self.name, member.identity, exc.code, exc)
            await member.error(exc.code)
            return
        await member.send(answer_message(answer))
        if member.claims.role == "companion":  # a companion starts muted and unmutes themselves
            self.room.set_muted(member.identity, "microphone", True)
            member.muted["microphone"] = True
            await self._broadcast(
                {"type": "muted", "identity": member.identity, "source": "microphone", "muted": True}
            )
        for assignment in self.room.assignments(member.identity):
            await member.send(self._slot_message(assignment))
        if self.recording_active:
            await self._start_recorder(member)
        await self._sync_captions()

    async def _add_candidate(self, member: Member, message: Ice) -> None:
        if member.peer is None:
            await member.error("no_peer")
            return
        try:
            await member.peer.add_remote_candidate(
                message.candidate.model_dump() if message.candidate else None
            )
        except MediaError as exc:
            if exc.code == "candidate_not_allowed":  # dropped quietly, as on the answer sockets
                log.debug("room %s: dropped a local-address candidate of %s", self.name, member.identity)
                return
            await member.error("bad_candidate")

    async def _admit(self, member: Member, identity: str, admit: bool) -> None:
        if not member.claims.grants.admit:
            await member.error("not_allowed")
            return
        candidate = self.members.get(identity)
        if candidate is None or candidate.admitted:
            await member.error("not_in_lobby")
            return
        # Decided and audited (one database call) before anyone is told, so a client that hangs
        # up on the reply, or a cancelled handler, loses no audit row.
        if admit:
            candidate.admitted = True
        else:
            del self.members[identity]
        await asyncio.to_thread(self._decide, member.claims.user_id, admit, candidate.claims)
        if admit:
            await candidate.send({"type": "admitted", "by": member.claims.name})
            await self._broadcast({"type": "participants", "participants": self._roster()})
        else:
            await candidate.send({"type": "denied", "by": member.claims.name})
            await candidate.close_socket(4000)
        await self._send_lobby()

    async def _set_consent(self, member: Member, granted: bool) -> None:
        if member.claims.role not in self.kind.consent_roles:
            await member.error("not_allowed")
            return
        member.consent = granted
        await asyncio.to_thread(self._save_consent, member.claims.user_id, granted)
        # Audited before anyone is told, so a client that hangs up on the reply loses nothing.
        # The room's record keeps only the current consent; the audit log keeps its history.
        await asyncio.to_thread(
            self._audit, "room_consent_given" if granted else "room_consent_withdrawn", member.claims.user_id,
            purpose=self.kind.consent_purpose,
        )
        everyone = granted and await asyncio.to_thread(self._consent_given)
        stopped_recording = not granted and self.recording_active
        if stopped_recording:
            await asyncio.to_thread(
                self._audit, "room_recording_stopped", member.claims.user_id, reason="consent_withdrawn"
            )
            await self._stop_all_recorders()
        if not granted and self.captions_on:
            self.captions_on = False
            await self._broadcast({"type": "captions", "on": False})
        await self._sync_captions()
        # `recording`: whether recording may run now (every consenting person agreed).
        await self._broadcast({"type": "consent", "recording": everyone})
        await member.send({"type": "consent", "recording": granted})  # their own choice, also in the lobby
        await self._send_lobby()

    async def _chat(self, member: Member, text: str) -> None:
        if not member.admitted:
            await member.error("not_admitted")
            return
        at = await asyncio.to_thread(self._save_chat, member, text)
        await self._broadcast(
            {"type": "chat", "from": member.identity, "name": member.claims.name, "text": text, "at": at}
        )

    async def _mute(self, member: Member, source: str, muted: bool) -> None:
        if member.peer is None:
            await member.error("no_peer")
            return
        try:
            self.room.set_muted(member.identity, source, muted)
        except MediaError as exc:
            await member.error(exc.code)
            return
        member.muted[source] = muted
        await self._broadcast(
            {"type": "muted", "identity": member.identity, "source": source, "muted": muted}
        )
        if source == "screen":
            await self._broadcast({"type": "screen", "identity": member.identity, "sharing": not muted})

    # ---------------------------------------------------------------- live captions

    async def _set_captions(self, member: Member, on: bool) -> None:
        if not self.kind.captions or member.claims.role != "interviewer" or not member.admitted:
            await member.error("not_allowed")
            return
        if on and not await asyncio.to_thread(self._consent_given):
            # Captions transcribe the candidate's speech: only with the same consent as recording.
            await member.error("consent_required")
            return
        if self.captions_on != on:
            self.captions_on = on
            await self._broadcast({"type": "captions", "on": on, "by": member.claims.name})
        await self._sync_captions()

    def _candidate(self) -> Member | None:
        return next((m for m in self.members.values() if m.claims.role == "candidate"), None)

    async def _sync_captions(self) -> None:
        """Run captions exactly when they are on and the candidate's media is in the room."""
        candidate = self._candidate()
        wanted = self.captions_on and candidate is not None and candidate.peer is not None
        running = self._captions
        if running is not None and (not wanted or candidate is None or running.peer is not candidate.peer):
            self._captions = None
            # Closing waits for a transcription in progress (seconds on a busy machine): done aside,
            # so that the interviewer's next message (e.g. stop recording) is not held behind it.
            self._spawn(running.close())
            running = None
        if wanted and running is None and candidate is not None and candidate.peer is not None:
            captions = LiveCaptions(
                candidate.peer,
                candidate.locale,
                self._services,
                lambda words: self._send_caption(candidate, words),
            )
            self._captions = captions
            try:
                await captions.start()
            except Exception:
                log.exception("captions could not start in %s", self.name)
                self._captions = None
                for member in list(self.members.values()):
                    if member.claims.role == "interviewer":
                        await member.error("captions_failed", retryable=True)

    async def _send_caption(self, candidate: Member, words: list[Any]) -> None:
        text = " ".join(w.word for w in words)
        await self._broadcast_to_interviewers(
            {
                "type": "caption",
                "identity": candidate.identity,
                "name": candidate.claims.name,
                "text": text,
                "start_s": words[0].start_s,
                "end_s": words[-1].end_s,
            }
        )

    async def _broadcast_to_interviewers(self, message: dict[str, Any]) -> None:
        for member in list(self.members.values()):
            if member.admitted and member.claims.role == "interviewer":
                await member.send(message)

    # ---------------------------------------------------------------- recording

    async def _start_recording(self, member: Member) -> None:
        if not member.claims.grants.record:
            await member.error("not_allowed")
            return
        if not await asyncio.to_thread(self._consent_given):
            await member.error("consent_required")
            return
        if self.recording_active:
            return
        self.recording_active = True
        for other in list(self.members.values()):
            if other.peer is not None:
                await self._start_recorder(other)
        await asyncio.to_thread(self._audit, "room_recording_started", member.claims.user_id)
        await self._broadcast({"type": "recording", "active": True, "by": member.claims.name})

    async def _stop_recording(self, member: Member) -> None:
        if not member.claims.grants.record:
            await member.error("not_allowed")
            return
        if self.recording_active:
            await asyncio.to_thread(self._audit, "room_recording_stopped", member.claims.user_id, reason="stopped")
        await self._stop_all_recorders()

    async def _stop_all_recorders(self) -> None:
        if not self.recording_active:
            return
        self.recording_active = False
        # Together: each recorder waits up to its drain time for media captured before the stop,
        # and one after another a panel's indicator would stay on for that time per member.
        await asyncio.gather(*(self._stop_recorder(identity) for identity in list(self._recordings)))
        await self._broadcast({"type": "recording", "active": False})

    async def _start_recorder(self, member: Member) -> None:
        if member.peer is None or member.identity in self._recordings or not member.peer.tracks:
            return
        row_id, path = await asyncio.to_thread(self._create_recording_row, member)
        recorder = AnswerRecorder(
            member.peer,
            path,
            recording_id=f"{self.name}-{member.identity}-{row_id}",
            on_recording_finished=lambda ref: self._finish_recording(row_id, ref),
        )
        try:
            recorder.start()
        except MediaError:
            log.warning("could not record %s in %s", member.identity, self.name)
            return
        self._recordings[member.identity] = _Recording(row_id, recorder)

    async def _stop_recorder(self, identity: str) -> None:
        recording = self._recordings.pop(identity, None)
        if recording is not None:
            await recording.recorder.stop()

    async def _finish_recording(self, row_id: int, ref: RecordingRef) -> None:
        await asyncio.to_thread(self._save_recording, row_id, ref)

    # ---------------------------------------------------------------- media callbacks

    def _slot_message(self, assignment: SlotAssignment) -> dict[str, Any]:
        publisher = self.members.get(assignment.publisher_id or "")
        return {
            "type": "slot",
            "mid": assignment.mid,
            "kind": assignment.kind,
            "publisher": assignment.publisher_id,
            "name": publisher.claims.name if publisher else None,
            "role": publisher.claims.role if publisher else None,
            "source": assignment.source,
        }

    def _on_assignment(self, assignment: SlotAssignment) -> None:
        member = self.members.get(assignment.subscriber_id)
        if member is not None:
            self._spawn(member.send(self._slot_message(assignment)))

    def _on_participant_left(self, identity: str, reason: str) -> None:
        member = self.members.get(identity)
        if member is not None and reason.startswith("peer_"):
            member.peer = None
            self._spawn(self._broadcast({"type": "peer_closed", "identity": identity, "reason": reason}))
            self._spawn(self._sync_captions())

    async def _quality_loop(self) -> None:
        while not self._closed:
            await asyncio.sleep(QUALITY_INTERVAL_S)
            for identity in list(self.room.participant_ids):
                try:
                    quality = await self.room.connection_quality(identity)
                except MediaError:
                    continue
                await self._broadcast(
                    {
                        "type": "quality",
                        "identity": identity,
                        "level": quality.level,
                        "loss_ratio": round(quality.inbound_loss_ratio, 4),
                        "rtt_ms": quality.rtt_ms,
                    }
                )

    # ---------------------------------------------------------------- persistence (worker threads)

    def _audit(self, event: str, actor_id: int, **detail: Any) -> None:
        with session_scope(self._services.sessionmaker) as db:
            record_audit(
                db, event, actor=db.get(User, actor_id), path=self.kind.socket_path(self.ref_id),
                **self.kind.audit_detail(self.ref_id), **detail,
            )

    def _consent_given(self) -> bool:
        with session_scope(self._services.sessionmaker) as db:
            return self.kind.consent_given(db, self.ref_id)

    def _own_consent(self, user_id: int) -> bool:
        with session_scope(self._services.sessionmaker) as db:
            return self.kind.own_consent(db, self.ref_id, user_id)

    def _save_consent(self, user_id: int, granted: bool) -> None:
        with session_scope(self._services.sessionmaker) as db:
            self.kind.save_consent(db, self.ref_id, user_id, granted)

    def _decide(self, actor_id: int, admit: bool, candidate: RoomClaims) -> None:
        """The host let a person in from the lobby (the meeting has begun) or turned them away."""
        with session_scope(self._services.sessionmaker) as db:
            actor = db.get(User, actor_id)
            if admit and actor is not None:
                self.kind.mark_started(db, self.ref_id, actor)
            record_audit(
                db, "room_admit" if admit else "room_deny", actor=actor, path=self.kind.socket_path(self.ref_id),
                **self.kind.audit_detail(self.ref_id), member_user_id=candidate.user_id, member_role=candidate.role,
            )

    def _save_chat(self, member: Member, text: str) -> str:
        with session_scope(self._services.sessionmaker) as db:
            at = self.kind.save_chat(db, self.ref_id, member.claims.user_id, member.claims.name, text)
            return at.isoformat()

    def _create_recording_row(self, member: Member) -> tuple[int, Path]:
        with session_scope(self._services.sessionmaker) as db:
            return self.kind.create_recording(
                db, self.ref_id, member.claims.user_id, member.claims.role, member.identity,
                self._services.recordings_dir, self._services.instance_id or None,
            )

    def _save_recording(self, row_id: int, ref: RecordingRef) -> None:
        storage = self._services.file_storage
        try:  # stored (uploaded, with S3) before the track is marked recorded
            storage.commit(storage.key_of(Path(ref.path)))
        except StorageError as exc:  # kept locally: the analysis job (candidate) uploads it
            log.warning("could not store a room recording", extra={"recording_id": row_id, "error": str(exc)})
        with session_scope(self._services.sessionmaker) as db:
            analyse = self.kind.finish_recording(db, row_id, ref)
        if analyse:
            self._services.kick_worker()

    # ---------------------------------------------------------------- lifecycle

    async def close(self, reason: str | None = None) -> None:
        """End the room: every member gets ``room_closed`` (with `reason` when the node ends it:
        ``node_lost``, ``node_draining``; the clients then rejoin through a fresh grant)."""
        if self._closed:
            return
        self._closed = True
        if self._quality_task is not None:
            self._quality_task.cancel()
        if self._captions is not None:
            captions, self._captions = self._captions, None
            await captions.close()
        for identity in list(self._recordings):
            await self._stop_recorder(identity)
        members = list(self.members.values())
        self.members.clear()
        for member in members:
            await member.send({"type": "room_closed", **({"reason": reason} if reason else {})})
            await member.close_socket(1001)
        await self.room.close()
        while pending := [t for t in self._tasks if not t.done()]:
            await asyncio.gather(*pending, return_exceptions=True)


RoomKey = tuple[str, int]


class RoomRegistry:
    """The server's live rooms by `(kind, ref_id)`; on `app.state`, drained at shutdown.

    `on_room_closed(name)` runs after a room ended here (a media node releases its claim)."""

    def __init__(self, services: LiveAnswerServices) -> None:
        self._services = services
        self._rooms: dict[RoomKey, LiveRoom] = {}
        self._closing: set[asyncio.Task[None]] = set()
        self.on_room_closed: Callable[[str], Awaitable[None]] | None = None

    def __len__(self) -> int:
        return len(self._rooms)

    def get_or_create(self, ref_id: int, kind: RoomKind = INTERVIEW_ROOM) -> LiveRoom:
        room = self._rooms.get((kind.name, ref_id))
        if room is None:
            room = LiveRoom(ref_id, self._services, on_empty=self._discard, kind=kind)
            room.start()
            self._rooms[room.key] = room
        return room

    def get(self, ref_id: int, kind: RoomKind = INTERVIEW_ROOM) -> LiveRoom | None:
        return self._rooms.get((kind.name, ref_id))

    async def _close_room(self, room: LiveRoom, reason: str | None = None) -> None:
        await room.close(reason)
        if self.on_room_closed is not None:
            try:
                await self.on_room_closed(room.name)
            except Exception:
                log.warning("on_room_closed failed for %s", room.name, exc_info=True)

    def _discard(self, room: LiveRoom) -> None:
        if self._rooms.get(room.key) is room:
            del self._rooms[room.key]
            task = asyncio.ensure_future(self._close_room(room))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    async def notify_all(self, message: dict[str, Any]) -> None:
        """Send `message` to every member of every room (a draining node's notice)."""
        members = [member for room in self._rooms.values() for member in room.members.values()]
        await asyncio.gather(*(member.send(message) for member in members), return_exceptions=True)

    async def close(self, reason: str | None = None) -> None:
        """End every room (idempotent); the registry takes new rooms again afterwards."""
        rooms = list(self._rooms.values())
        self._rooms.clear()
        await asyncio.gather(
            *(self._close_room(room, reason) for room in rooms), *self._closing, return_exceptions=True
        )
