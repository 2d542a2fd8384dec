"""Live rooms: a selective forwarding unit (SFU) without decode or re-encode.

Each participant sends its camera, microphone (and optionally a screen) once.
The room takes the encoded VP8 frames / Opus packets from the publisher's
receiver tap and hands them to the other participants' aiortc senders as
``av.Packet`` objects, which aiortc only re-packetises (no transcoding).

Subscriptions use *slots*: when joining, a browser offers some receive-only
m-lines (e.g. for a 1:1 room, one audio and two video). The room fills free
slots with other participants' tracks and tells the server which slot shows
whom through ``on_assignment`` - no renegotiation is needed when people join
or leave, as long as there are enough slots.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtp import RTCP_PSFB_FIR, RTCP_PSFB_PLI, RtcpPsfbPacket

from .errors import MediaError
from .peer import PeerSession
from .tap import EncodedFrame, ReceiverTap

logger = logging.getLogger(__name__)

SOURCES = ("camera", "microphone", "screen")
_FRAME_TICKS = {"video": 3000, "audio": 960}  # one frame at 90 kHz / 48 kHz


@dataclass(frozen=True)
class RoomOptions:
    max_participants: int = 5
    # Frames queued per forwarded track before we drop (≈2 s of video).
    forward_queue_frames: int = 60


@dataclass(frozen=True)
class SlotAssignment:
    """Which publisher's track a subscriber's receive slot (m-line) carries now."""

    room_id: str
    subscriber_id: str
    mid: str
    kind: str
    publisher_id: str | None
    source: str | None


@dataclass(frozen=True)
class ConnectionQuality:
    """Per-participant link quality since the previous call (from RTP/RTCP counters)."""

    participant_id: str
    level: str  # "good" | "fair" | "poor" | "unknown"
    inbound_loss_ratio: float
    outbound_loss_ratio: float | None
    rtt_ms: float | None
    inbound_bitrate_kbps: float
    outbound_bitrate_kbps: float
    interval_s: float


class ForwardingTrack(MediaStreamTrack):
    """An outgoing track that yields another participant's encoded frames.

    aiortc's sender sees ``av.Packet`` objects and only packetises them.
    Timestamps are rebased so the outgoing stream stays continuous when the
    source changes (someone leaves and another takes the slot).
    """

    def __init__(self, kind: str, max_queued: int) -> None:
        super().__init__()
        self.kind = kind
        self._queue: asyncio.Queue[EncodedFrame] = asyncio.Queue()
        self._max_queued = max_queued
        self._source_tap: ReceiverTap | None = None
        self._waiting_keyframe = kind == "video"
        self._offset: int | None = None
        self._last_out = -_FRAME_TICKS[kind]
        self.frames_forwarded = 0
        self.frames_dropped = 0
        self.frames_damaged = 0  # not forwarded: damaged or after a loss, until a key frame

    def set_source(self, tap: ReceiverTap | None) -> None:
        self._source_tap = tap
        self._offset = None  # rebase on the next frame
        self.resync()

    def resync(self) -> None:
        """Restart from the next key frame (after a switch, unmute or overflow)."""
        while not self._queue.empty():
            self._queue.get_nowait()
        if self.kind == "video":
            self._waiting_keyframe = True
            self.request_keyframe()

    def request_keyframe(self) -> None:
        if self._source_tap is not None:
            self._source_tap.request_keyframe()

    def push(self, frame: EncodedFrame) -> None:
        if self.readyState != "live":
            return
        if frame.breaks_picture_chain:
            # Packets of this frame, or frames before it, were lost: the subscriber could not
            # decode it or the frames that refer to it. Start again from the next key frame.
            self.frames_damaged += 1
            self._waiting_keyframe = True
            self.request_keyframe()
            return
        if self._waiting_keyframe:
            if not frame.is_keyframe:
                self.request_keyframe()
                return
            self._waiting_keyframe = False
        if self._queue.qsize() >= self._max_queued:
            # The subscriber's sender is not keeping up: start again from a key
            # frame rather than send a stream the decoder cannot use.
            self.frames_dropped += self._queue.qsize()
            if self.kind == "video":
                self.resync()
                return
            self._queue.get_nowait()
        self._queue.put_nowait(frame)

    async def recv(self) -> av.Packet:
        if self.readyState != "live":
            raise MediaStreamError
        frame = await self._queue.get()
        if self._offset is None:
            self._offset = self._last_out + _FRAME_TICKS[self.kind] - frame.rtp_timestamp
        out = frame.rtp_timestamp + self._offset
        if out <= self._last_out:
            out = self._last_out + 1
        self._last_out = out
        packet = av.Packet(frame.data)
        packet.pts = out
        packet.time_base = Fraction(1, frame.clock_rate_hz)
        self.frames_forwarded += 1
        return packet


@dataclass(eq=False)
class _Slot:
    subscriber_id: str
    mid: str
    kind: str
    track: ForwardingTrack
    publication: _Publication | None = None


@dataclass(eq=False)
class _Publication:
    publisher_id: str
    source: str
    kind: str
    tap: ReceiverTap
    muted: bool = False
    slots: list[_Slot] = field(default_factory=list)

    def forward(self, frame: EncodedFrame) -> None:
        if self.muted:
            return
        for slot in self.slots:
            slot.track.push(frame)


@dataclass(eq=False)
class _Participant:
    participant_id: str
    peer: PeerSession
    publications: list[_Publication] = field(default_factory=list)
    slots: list[_Slot] = field(default_factory=list)
    counters: dict[str, float] = field(default_factory=dict)


class Room:
    """One live interview room.

    Lifecycle: ``start()`` → ``await join(...)`` / ``await leave(...)`` →
    ``await close()`` (idempotent; closes every participant's peer). A
    participant whose peer closes or fails leaves automatically.
    """

    def __init__(
        self,
        room_id: str,
        *,
        options: RoomOptions | None = None,
        on_assignment: Callable[[SlotAssignment], None] | None = None,
        on_participant_left: Callable[[str, str], None] | None = None,
    ) -> None:
        self.room_id = room_id
        self.options = options or RoomOptions()
        self._on_assignment = on_assignment
        self._on_left = on_participant_left
        self._participants: dict[str, _Participant] = {}
        self._started = False
        self._closed = False
        self._lock = asyncio.Lock()

    def start(self) -> None:
        if self._closed:
            raise MediaError("room_closed", "this room is closed")
        self._started = True

    @property
    def participant_ids(self) -> tuple[str, ...]:
        return tuple(self._participants)

    async def join(
        self,
        participant_id: str,
        peer: PeerSession,
        offer_sdp: str,
        *,
        video_sources: tuple[str, ...] = ("camera", "screen"),
    ) -> str:
        """Accept a participant's offer, publish its tracks, fill its slots.

        ``video_sources`` names the participant's sent video tracks in m-line
        order (first is the camera, then the screen share). Returns the
        answer SDP. Raises :class:`MediaError` (``room_closed``, ``room_full``,
        ``already_joined`` or any error of :meth:`PeerSession.accept_offer`).
        """
        if not self._started or self._closed:
            raise MediaError("room_closed", "the room is not open")
        if participant_id in self._participants:
            raise MediaError("already_joined", f"{participant_id} is already in the room")
        if len(self._participants) >= self.options.max_participants:
            raise MediaError("room_full", f"the room holds {self.options.max_participants} people")
        participant = _Participant(participant_id, peer)

        def attach_slots() -> None:
            for mid, kind in peer.send_slots():
                track = ForwardingTrack(kind, self.options.forward_queue_frames)
                sender = peer.add_sender_track(track, mid)
                _forward_keyframe_requests(sender, track)
                participant.slots.append(_Slot(participant_id, mid, kind, track))

        # From here on the room owns the peer: it is closed on every failure path.
        try:
            peer.start()
            answer = await peer.accept_offer(offer_sdp, before_answer=attach_slots)
        except MediaError:
            await peer.close(reason="join_failed")
            raise
        async with self._lock:
            if self._closed:
                await peer.close()
                raise MediaError("room_closed", "the room closed while joining")
            videos = iter(video_sources)
            for track in peer.tracks:
                source = "microphone" if track.kind == "audio" else next(videos, "video")
                # A screen-share m-line is reserved at join and sends nothing until the person
                # shares: it starts muted and takes nobody's slot until then.
                publication = _Publication(
                    participant_id, source, track.kind, track.tap, muted=source == "screen"
                )
                track.tap.add_sink(publication.forward)
                participant.publications.append(publication)
            self._participants[participant_id] = participant
            self._rebalance()

        async def on_peer_closed(reason: str) -> None:
            await self._remove(participant_id, reason=f"peer_{reason}", close_peer=False)

        peer.add_close_listener(on_peer_closed)
        return answer

    async def leave(self, participant_id: str) -> None:
        """Remove a participant and close its peer; unknown ids are ignored."""
        await self._remove(participant_id, reason="left", close_peer=True)

    async def _remove(self, participant_id: str, *, reason: str, close_peer: bool) -> None:
        async with self._lock:
            participant = self._participants.pop(participant_id, None)
            if participant is None:
                return
            for publication in participant.publications:
                publication.tap.remove_sink(publication.forward)
                for slot in list(publication.slots):
                    self._assign(slot, None)
            for slot in participant.slots:
                slot.track.stop()
                if slot.publication is not None:
                    slot.publication.slots.remove(slot)
                    slot.publication = None
            self._rebalance()
        if close_peer:
            await participant.peer.close()
        if self._on_left is not None:
            self._on_left(participant_id, reason)

    def set_muted(self, participant_id: str, source: str, muted: bool) -> None:
        """Stop (or resume) forwarding one of a participant's sources.

        The screen is special: unmuting it starts a screen share, which takes a free video slot
        at every other participant (one share at a time: ``screen_busy`` otherwise), and muting
        it gives those slots back."""
        if source not in SOURCES:
            raise MediaError("bad_source", f"source must be one of {SOURCES}")
        participant = self._participants.get(participant_id)
        if participant is None:
            raise MediaError("not_in_room", f"{participant_id} is not in the room")
        matching = [p for p in participant.publications if p.source == source]
        if source == "screen" and not muted:
            if not matching:
                raise MediaError("no_screen_track", f"{participant_id} joined without a screen-share track")
            if self.screen_sharer not in (None, participant_id):
                raise MediaError("screen_busy", f"{self.screen_sharer} is already sharing a screen")
        for publication in matching:
            if publication.muted == muted:
                continue
            publication.muted = muted
            if source == "screen":
                if muted:
                    for slot in list(publication.slots):
                        self._assign(slot, None)
                self._rebalance()
            if not muted:
                for slot in publication.slots:
                    slot.track.resync()

    @property
    def screen_sharer(self) -> str | None:
        """Who is sharing a screen now, if anyone."""
        for participant in self._participants.values():
            if any(p.source == "screen" and not p.muted for p in participant.publications):
                return participant.participant_id
        return None

    def is_muted(self, participant_id: str, source: str) -> bool:
        participant = self._participants.get(participant_id)
        if participant is None:
            return False
        return any(p.muted for p in participant.publications if p.source == source)

    def assignments(self, subscriber_id: str) -> tuple[SlotAssignment, ...]:
        participant = self._participants.get(subscriber_id)
        if participant is None:
            return ()
        return tuple(self._assignment(slot) for slot in participant.slots)

    def forwarding_counts(self, subscriber_id: str) -> dict[str, int]:
        """Frames forwarded into each of a subscriber's slots, by mid."""
        participant = self._participants.get(subscriber_id)
        if participant is None:
            return {}
        return {slot.mid: slot.track.frames_forwarded for slot in participant.slots}

    async def connection_quality(self, participant_id: str) -> ConnectionQuality:
        """Loss, RTT and bitrates since the last call for this participant."""
        participant = self._participants.get(participant_id)
        if participant is None:
            raise MediaError("not_in_room", f"{participant_id} is not in the room")
        return await _quality(participant)

    async def close(self) -> None:
        """Remove everyone and close their peers; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        for participant_id in list(self._participants):
            await self._remove(participant_id, reason="room_closed", close_peer=True)

    # -- slot bookkeeping --------------------------------------------------

    def _rebalance(self) -> None:
        """Give every publication a free slot of its kind at every other participant."""
        for publisher in self._participants.values():
            for publication in publisher.publications:
                if publication.source == "screen" and publication.muted:
                    continue
                for subscriber in self._participants.values():
                    if subscriber is publisher:
                        continue
                    if any(s.subscriber_id == subscriber.participant_id for s in publication.slots):
                        continue
                    free = next(
                        (s for s in subscriber.slots if s.kind == publication.kind and s.publication is None),
                        None,
                    )
                    if free is None:
                        logger.info(
                            "room %s: no free %s slot at %s for %s's %s",
                            self.room_id,
                            publication.kind,
                            subscriber.participant_id,
                            publisher.participant_id,
                            publication.source,
                        )
                        continue
                    self._assign(free, publication)

    def _assign(self, slot: _Slot, publication: _Publication | None) -> None:
        if slot.publication is not None and slot in slot.publication.slots:
            slot.publication.slots.remove(slot)
        slot.publication = publication
        if publication is not None:
            publication.slots.append(slot)
        slot.track.set_source(publication.tap if publication is not None else None)
        if self._on_assignment is not None:
            try:
                self._on_assignment(self._assignment(slot))
            except Exception:
                logger.exception("on_assignment failed in room %s", self.room_id)

    def _assignment(self, slot: _Slot) -> SlotAssignment:
        publication = slot.publication
        return SlotAssignment(
            room_id=self.room_id,
            subscriber_id=slot.subscriber_id,
            mid=slot.mid,
            kind=slot.kind,
            publisher_id=publication.publisher_id if publication else None,
            source=publication.source if publication else None,
        )


def _forward_keyframe_requests(sender: Any, track: ForwardingTrack) -> None:
    """Pass a subscriber's PLI/FIR on to the publisher (aiortc's sender ignores it
    for pre-encoded packets)."""
    original = sender._handle_rtcp_packet

    async def handle(packet: Any) -> None:
        await original(packet)
        if isinstance(packet, RtcpPsfbPacket) and packet.fmt in (RTCP_PSFB_PLI, RTCP_PSFB_FIR):
            track.request_keyframe()

    sender._handle_rtcp_packet = handle


async def _quality(participant: _Participant) -> ConnectionQuality:
    loop = asyncio.get_running_loop()
    now = loop.time()
    stats = await participant.peer.get_raw_stats()
    received = lost = 0
    bytes_sent = 0
    remote_fraction: list[float] = []
    rtts: list[float] = []
    for s in stats:
        kind = getattr(s, "type", "")
        if kind == "inbound-rtp":
            received += s.packetsReceived
            lost += max(0, s.packetsLost)
        elif kind == "outbound-rtp":
            bytes_sent += s.bytesSent
        elif kind == "remote-inbound-rtp":
            remote_fraction.append(float(s.fractionLost) / 256.0)
            if s.roundTripTime is not None:
                rtts.append(float(s.roundTripTime))
    bytes_in = sum(p.tap.bytes_seen for p in participant.publications)
    prev = participant.counters
    interval = now - prev.get("time", now - 1e-9) if prev else 0.0
    d_received = received - prev.get("received", 0)
    d_lost = lost - prev.get("lost", 0)
    expected = d_received + d_lost
    inbound_loss = d_lost / expected if expected > 0 else 0.0
    in_kbps = 8 * (bytes_in - prev.get("bytes_in", 0)) / interval / 1000 if interval > 0 else 0.0
    out_kbps = 8 * (bytes_sent - prev.get("bytes_sent", 0)) / interval / 1000 if interval > 0 else 0.0
    participant.counters = {
        "time": now,
        "received": received,
        "lost": lost,
        "bytes_in": bytes_in,
        "bytes_sent": bytes_sent,
    }
    outbound_loss = max(remote_fraction) if remote_fraction else None
    rtt_ms = 1000 * sum(rtts) / len(rtts) if rtts else None
    worst_loss = max(inbound_loss, outbound_loss or 0.0)
    if interval <= 0:
        level = "unknown"
    elif worst_loss < 0.02 and (rtt_ms is None or rtt_ms < 300):
        level = "good"
    elif worst_loss < 0.08 and (rtt_ms is None or rtt_ms < 600):
        level = "fair"
    else:
        level = "poor"
    return ConnectionQuality(
        participant_id=participant.participant_id,
        level=level,
        inbound_loss_ratio=round(inbound_loss, 4),
        outbound_loss_ratio=None if outbound_loss is None else round(outbound_loss, 4),
        rtt_ms=None if rtt_ms is None else round(rtt_ms, 1),
        inbound_bitrate_kbps=round(in_kbps, 1),
        outbound_bitrate_kbps=round(out_kbps, 1),
        interval_s=round(interval, 3),
    )
