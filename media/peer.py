"""One server-side WebRTC peer: a browser's offer in, an answer out.

:class:`PeerSession` wraps aiortc's ``RTCPeerConnection`` with an explicit
lifecycle (``start()`` / idempotent ``close()``), typed errors for bad SDP or
candidates, a JSON data channel for nudges, and taps on every received track
so recorders and rooms get encoded frames without decoding.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import socket
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import av
from aiortc import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpReceiver,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError
from aiortc.sdp import SessionDescription, candidate_from_sdp

from .errors import MediaError
from .sdp_checks import check_candidate, check_offer
from .tap import ReceiverTap, tap_receiver

logger = logging.getLogger(__name__)

MAX_DATA_MESSAGE_BYTES = 16 * 1024
# Receive buffer asked for each ICE socket. When the event loop does not read for a while (the
# machine is busy), the kernel keeps this much and drops the rest; aiortc asks for no
# retransmission of audio, so dropped audio is a hole in the recording. aioice asks for 256 KiB,
# about 2 s of one browser's media (the kernel counts ~2 KiB per packet); this is ~16 s. The
# kernel caps it at net.core.rmem_max (see docs/media.md).
UDP_RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class IceServer:
    """A STUN/TURN server; none are needed on loopback or a LAN."""

    urls: tuple[str, ...]
    username: str | None = None
    credential: str | None = None


class FrameListener(Protocol):
    """Receives decoded aiortc frames from a peer (internal to ``media/``)."""

    def on_decoded_frame(self, kind: str, frame: av.frame.Frame) -> None: ...


@dataclass
class ReceivedTrack:
    """A track the remote side sends us, identified by its m-line ``mid``."""

    kind: str
    mid: str
    track_id: str
    tap: ReceiverTap = field(repr=False)
    decoded_frames: int = 0


CloseListener = Callable[[str], "Awaitable[None] | None"]


class PeerSession:
    """Server side of one browser's RTCPeerConnection.

    Lifecycle: ``start()`` → ``await accept_offer(sdp)`` → trickle
    ``await add_remote_candidate(...)`` → ``await close()``. The session also
    closes itself when the connection goes ``"failed"`` or ``"closed"``;
    ``on_closed(reason)`` listeners run exactly once either way.

    ``decode_video=False`` skips decoding received video entirely (pure
    recording / forwarding); analysis of video frames then gets nothing.
    ``media_timeout_s``: close with reason ``"media_timeout"`` when no RTP
    arrives on any track for that long (a crashed browser sends no BYE).
    ``allow_private_candidates=False`` keeps the remote side from pointing this peer's
    connectivity checks at loopback, private, link-local or unspecified addresses (offer
    candidates at them are removed, trickled ones refused with ``candidate_not_allowed``).
    """

    def __init__(
        self,
        *,
        peer_id: str,
        ice_servers: Sequence[IceServer] = (),
        decode_video: bool = True,
        on_message: Callable[[dict[str, Any]], None] | None = None,
        data_channel_label: str = "nudges",
        media_timeout_s: float | None = 20.0,
        allow_private_candidates: bool = True,
    ) -> None:
        self.peer_id = peer_id
        self.allow_private_candidates = allow_private_candidates
        self.decode_video = decode_video
        self._ice_servers = tuple(ice_servers)
        self._on_message = on_message
        self._data_channel_label = data_channel_label
        self._media_timeout_s = media_timeout_s
        self._pc: RTCPeerConnection | None = None
        self._channel: Any = None
        self._tracks: list[ReceivedTrack] = []
        self._pending_tracks: dict[str, Any] = {}
        self._frame_listeners: list[FrameListener] = []
        self._close_listeners: list[CloseListener] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closing = False
        self._closed = asyncio.Event()
        self.close_reason: str | None = None

    # -- lifecycle -----------------------------------------------------

    def start(self) -> None:
        if self._pc is not None:
            return
        if self._closing:
            raise MediaError("peer_closed", "this peer session is closed")
        config = RTCConfiguration(
            iceServers=[
                RTCIceServer(urls=list(s.urls), username=s.username, credential=s.credential)
                for s in self._ice_servers
            ],
            # aiortc's "balanced" policy leaves a second m-line of the same
            # kind on an orphaned transport; browsers bundle everything anyway.
            bundlePolicy=RTCBundlePolicy.MAX_BUNDLE,
        )
        pc = RTCPeerConnection(configuration=config)
        self._pc = pc

        @pc.on("connectionstatechange")
        def _on_state() -> None:
            state = pc.connectionState
            logger.debug("peer %s connection %s", self.peer_id, state)
            if state in ("failed", "closed"):
                self._spawn(self.close(reason=f"connection_{state}"))

        @pc.on("datachannel")
        def _on_datachannel(channel: Any) -> None:
            if self._channel is None or channel.label == self._data_channel_label:
                self._channel = channel

            @channel.on("message")
            def _on_channel_message(message: Any) -> None:
                self._handle_data_message(message)

        @pc.on("track")
        def _on_track(track: Any) -> None:
            self._spawn(self._pump_decoded(track))

    @property
    def state(self) -> str:
        if self._closing:
            return "closed"
        if self._pc is None:
            return "new"
        return str(self._pc.connectionState)

    @property
    def is_closed(self) -> bool:
        return self._closing

    async def close(self, reason: str = "requested") -> None:
        """Close the connection and notify listeners; safe to call repeatedly."""
        if self._closing:
            await self._closed.wait()
            return
        self._closing = True
        self.close_reason = reason
        try:
            for listener in list(self._close_listeners):
                try:
                    result = listener(reason)
                    if inspect.isawaitable(result):
                        await result
                except Exception:
                    logger.exception("close listener of peer %s failed", self.peer_id)
            if self._pc is not None:
                await self._pc.close()
            current = asyncio.current_task()
            for task in list(self._tasks):
                if task is not current:
                    task.cancel()
        finally:
            self._closed.set()

    async def wait_closed(self) -> None:
        await self._closed.wait()

    # -- signalling ----------------------------------------------------

    async def accept_offer(self, sdp: str, *, before_answer: Callable[[], None] | None = None) -> str:
        """Apply the browser's offer and return our answer SDP.

        Video is restricted to VP8 and audio to Opus, so received media can be
        written to WebM and forwarded without transcoding. ``before_answer``
        runs after the offer is applied and before the answer is built (rooms
        attach outgoing tracks there).
        Raises :class:`MediaError` (``bad_sdp``, ``sdp_too_large``, ``invalid_sdp``,
        ``no_common_codec``, ``peer_closed``); the checks of :func:`media.sdp_checks.check_offer`
        run first, so callers may also run them before replacing a working peer.
        """
        pc = self._require_pc()
        sdp = check_offer(sdp, allow_private_candidates=self.allow_private_candidates)
        parsed = SessionDescription.parse(sdp)
        if pc.signalingState != "stable" or pc.remoteDescription is not None:
            raise MediaError("bad_state", "an offer was already accepted on this peer")

        # Pre-create one transceiver per offered audio/video m-line so codec
        # preferences apply while the remote description is negotiated.
        for media in parsed.media:
            if media.kind not in ("audio", "video"):
                continue
            transceiver = pc.addTransceiver(media.kind, direction="recvonly")
            transceiver.setCodecPreferences(_preferred_codecs(media.kind))
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        except Exception as exc:
            code = "no_common_codec" if "description send parameters" in str(exc) else "bad_sdp"
            raise MediaError(code, f"the offer was refused: {exc}") from exc

        for transceiver in pc.getTransceivers():
            receiver = transceiver.receiver
            track = receiver.track
            if track is None or transceiver.mid is None:
                continue
            tap = tap_receiver(
                receiver,
                transceiver.kind,
                decode_enabled=self.decode_video or transceiver.kind == "audio",
            )
            self._tracks.append(
                ReceivedTrack(kind=transceiver.kind, mid=transceiver.mid, track_id=track.id, tap=tap)
            )
        if before_answer is not None:
            before_answer()
        answer = await self._answer()
        if self._media_timeout_s is not None and self._tracks:
            self._spawn(self._watch_media(self._media_timeout_s))
        return answer

    async def _answer(self) -> str:
        pc = self._require_pc()
        try:
            answer = await pc.createAnswer()
            await pc.setLocalDescription(answer)
        except Exception as exc:
            raise MediaError("negotiation_failed", f"could not create an answer: {exc}") from exc
        _enlarge_receive_buffers(pc, UDP_RECEIVE_BUFFER_BYTES)
        return str(pc.localDescription.sdp)

    async def add_remote_candidate(self, candidate: Mapping[str, Any] | None) -> None:
        """Add a trickled candidate in the browser's JSON form.

        ``{"candidate": "candidate:...", "sdpMid": "0", "sdpMLineIndex": 0}``;
        ``None`` or an empty candidate string means end-of-candidates.
        """
        pc = self._require_pc()
        if candidate is None:
            return
        if not isinstance(candidate, Mapping):
            raise MediaError("bad_candidate", "a candidate must be a JSON object")
        line = candidate.get("candidate")
        if line in (None, ""):
            return
        if not isinstance(line, str):
            raise MediaError("bad_candidate", "the candidate string is missing")
        check_candidate(line, allow_private=self.allow_private_candidates)
        mid = candidate.get("sdpMid")
        index = candidate.get("sdpMLineIndex")
        if mid is not None and not isinstance(mid, str):
            raise MediaError("bad_candidate", "sdpMid must be a string")
        if index is not None and (not isinstance(index, int) or isinstance(index, bool)):
            raise MediaError("bad_candidate", "sdpMLineIndex must be an integer")
        if pc.remoteDescription is None:
            raise MediaError("bad_state", "candidates must follow the offer", retryable=True)
        text = line[len("candidate:") :] if line.startswith("candidate:") else line
        try:
            parsed = candidate_from_sdp(text)
        except Exception as exc:
            raise MediaError("bad_candidate", f"the candidate cannot be parsed: {exc}") from exc
        parsed.sdpMid = mid
        parsed.sdpMLineIndex = index
        try:
            await pc.addIceCandidate(parsed)
        except Exception as exc:
            raise MediaError("bad_candidate", f"the candidate was refused: {exc}") from exc

    # -- data channel --------------------------------------------------

    def send_json(self, message: Mapping[str, Any]) -> bool:
        """Send a JSON message (e.g. a nudge) on the data channel.

        Returns False when no channel is open yet; nudges are best effort.
        """
        channel = self._channel
        if channel is None or channel.readyState != "open" or self._closing:
            return False
        try:
            channel.send(json.dumps(dict(message), ensure_ascii=False))
        except Exception:  # channel closing under us: a nudge is not worth an error
            logger.debug("nudge not sent on peer %s", self.peer_id, exc_info=True)
            return False
        return True

    def _handle_data_message(self, message: Any) -> None:
        if self._on_message is None:
            return
        if isinstance(message, bytes) or len(message) > MAX_DATA_MESSAGE_BYTES:
            logger.info("peer %s: ignored non-text or oversize data message", self.peer_id)
            return
        try:
            decoded = json.loads(message)
        except ValueError:
            logger.info("peer %s: ignored malformed data message", self.peer_id)
            return
        if isinstance(decoded, dict):
            self._on_message(decoded)

    # -- tracks --------------------------------------------------------

    @property
    def tracks(self) -> tuple[ReceivedTrack, ...]:
        return tuple(self._tracks)

    def track(self, kind: str) -> ReceivedTrack | None:
        """The first received track of ``kind`` ("audio" or "video")."""
        return next((t for t in self._tracks if t.kind == kind), None)

    def add_frame_listener(self, listener: FrameListener) -> None:
        if listener not in self._frame_listeners:
            self._frame_listeners.append(listener)

    def remove_frame_listener(self, listener: FrameListener) -> None:
        if listener in self._frame_listeners:
            self._frame_listeners.remove(listener)

    def add_close_listener(self, listener: CloseListener) -> None:
        if listener not in self._close_listeners:
            self._close_listeners.append(listener)

    def remove_close_listener(self, listener: CloseListener) -> None:
        if listener in self._close_listeners:
            self._close_listeners.remove(listener)

    def add_sender_track(self, track: Any, mid: str) -> Any:
        """Attach an outgoing aiortc track to the transceiver with ``mid``.

        Used by rooms to forward media into slots the browser offered as
        ``recvonly``. Must be called before the answer is created.
        """
        pc = self._require_pc()
        for transceiver in pc.getTransceivers():
            if transceiver.mid == mid:
                transceiver.sender.replaceTrack(track)
                transceiver.direction = "sendrecv"
                return transceiver.sender
        raise MediaError("unknown_mid", f"no m-line with mid {mid!r}")

    def send_slots(self) -> list[tuple[str, str]]:
        """``(mid, kind)`` of m-lines the remote offered as receive-only.

        These are where a room forwards other participants' media.
        """
        slots = []
        for transceiver in self._transceivers():
            if transceiver.mid is not None and transceiver.receiver.track is None:
                slots.append((transceiver.mid, transceiver.kind))
        return slots

    def _sender_for_mid(self, mid: str) -> Any:
        pc = self._require_pc()
        for transceiver in pc.getTransceivers():
            if transceiver.mid == mid:
                return transceiver.sender
        return None

    def _transceivers(self) -> list[Any]:
        return [] if self._pc is None else list(self._pc.getTransceivers())

    async def _watch_media(self, timeout_s: float) -> None:
        # A browser that crashes or loses its network sends no BYE and no DTLS
        # alert; ICE consent would take ~30 s to notice. No RTP at all for
        # timeout_s (after media once flowed, or since the answer) ends the session.
        since = time.monotonic()
        while not self._closing:
            await asyncio.sleep(min(1.0, timeout_s / 4))
            arrivals = [t.tap.last_arrival_s for t in self._tracks if t.tap.last_arrival_s is not None]
            last = max(arrivals) if arrivals else None
            idle_s = time.monotonic() - (last if last is not None else since)
            if idle_s > timeout_s:
                logger.info("peer %s: no media for %.0f s, closing", self.peer_id, idle_s)
                self._spawn(self.close(reason="media_timeout"))
                return

    async def _pump_decoded(self, track: Any) -> None:
        # aiortc queues decoded frames without bound, so we always drain them.
        received = None
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            if received is None:
                received = next((t for t in self._tracks if t.track_id == track.id), None)
            if received is not None:
                received.decoded_frames += 1
            for listener in list(self._frame_listeners):
                try:
                    listener.on_decoded_frame(track.kind, frame)
                except Exception:
                    logger.exception("frame listener failed on peer %s", self.peer_id)

    # -- helpers -------------------------------------------------------

    def _require_pc(self) -> RTCPeerConnection:
        if self._closing:
            raise MediaError("peer_closed", "this peer session is closed")
        if self._pc is None:
            raise MediaError("not_started", "call start() before signalling")
        return self._pc

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def get_raw_stats(self) -> list[Any]:
        """aiortc stats objects of all senders and receivers (media-internal)."""
        if self._pc is None or self._closing:
            return []
        report = await self._pc.getStats()
        return list(report.values())


def _enlarge_receive_buffers(pc: RTCPeerConnection, size_bytes: int) -> None:
    """Ask for ``size_bytes`` of kernel receive buffer on every ICE socket of ``pc``.

    The sockets exist once the local description is set (candidates gathered). This reaches
    into aioice's connection (``_protocols``); without it the sockets keep aioice's size.
    """
    seen: set[int] = set()
    for transceiver in pc.getTransceivers():
        dtls = transceiver.receiver.transport
        connection = getattr(getattr(dtls, "transport", None), "_connection", None)
        for protocol in getattr(connection, "_protocols", ()):
            transport = getattr(protocol, "transport", None)
            sock = transport.get_extra_info("socket") if transport is not None else None
            if sock is None or sock.fileno() in seen:
                continue
            seen.add(sock.fileno())
            try:
                if sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) < size_bytes:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size_bytes)
            except OSError:  # not a UDP socket we may size: keep aioice's buffer
                logger.debug("could not size a receive buffer", exc_info=True)


def _preferred_codecs(kind: str) -> list[Any]:
    capabilities = RTCRtpReceiver.getCapabilities(kind)
    assert capabilities is not None
    wanted = ("video/vp8", "video/rtx") if kind == "video" else ("audio/opus",)
    return [c for c in capabilities.codecs if c.mimeType.lower() in wanted]
