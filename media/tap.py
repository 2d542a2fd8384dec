"""Tap the encoded frames an aiortc receiver has already reassembled.

aiortc's ``RTCRtpReceiver`` depacketises RTP, rebuilds whole encoded frames
in its jitter buffer and hands ``(codec, JitterFrame)`` to a decoder thread
through a private ``queue.Queue``. We replace that queue with a subclass whose
``put`` first gives each encoded frame to our sinks (recorder, SFU
forwarding) and then, only if decoding is wanted, passes it on to the
decoder. That is the cheapest place to get VP8 frames and Opus packets
without decoding or re-encoding.

aiortc's jitter buffer can hand over a video frame that is not whole: after a
lost packet it waits until the buffer is full, then drops what it holds and
starts again at the next packet it has, which may be the middle of a frame.
The frames after such a drop also refer to pictures that never arrived. So
video receivers get a :class:`_CheckedJitterBuffer` that records, for every
frame it hands over, whether it was whole (first packet starts VP8 partition
0, last packet carries the RTP marker) and its first and last RTP sequence
numbers; the tap turns that into :attr:`EncodedFrame.complete` and
:attr:`EncodedFrame.follows_gap`. A frame that is not complete never reaches
the decoder either.

This relies on private names of aiortc 1.x (``__decoder_queue``,
``__jitter_buffer`` and ``_send_rtcp_pli``); :func:`tap_receiver` checks for
them and raises a :class:`MediaError` instead of silently recording nothing.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiortc.jitterbuffer import JitterBuffer, JitterFrame

from .errors import MediaError

logger = logging.getLogger(__name__)

_QUEUE_ATTR = "_RTCRtpReceiver__decoder_queue"
_STARTED_ATTR = "_RTCRtpReceiver__started"
_JITTER_ATTR = "_RTCRtpReceiver__jitter_buffer"
KEYFRAME_REQUEST_INTERVAL_S = 0.3


@dataclass(frozen=True)
class EncodedFrame:
    """One whole encoded frame (a VP8 frame or an Opus packet) as received."""

    kind: str
    codec_name: str
    data: bytes
    rtp_timestamp: int
    clock_rate_hz: int
    arrival_s: float
    # False when packets of this frame are missing (it cannot be decoded as it is).
    complete: bool = True
    # True when frames were lost right before this one: a delta frame then refers to a
    # picture the decoder never had, so it and what follows are damaged up to a key frame.
    follows_gap: bool = False

    @property
    def breaks_picture_chain(self) -> bool:
        """A video frame that must not be decoded, recorded or forwarded: it is damaged, or it
        is a delta frame after lost frames. Everything after it waits for the next key frame
        (the one rule the recorder and the room's forwarding share)."""
        return self.kind == "video" and (not self.complete or (self.follows_gap and not self.is_keyframe))

    @property
    def is_keyframe(self) -> bool:
        if self.kind == "audio":
            return True
        if self.codec_name.lower() == "vp8":
            return is_vp8_keyframe(self.data)
        return False


def is_vp8_keyframe(data: bytes) -> bool:
    # RFC 6386 9.1: bit 0 of the frame tag is 0 for key frames, followed after
    # the 3-byte tag by the start code 9d 01 2a.
    return len(data) >= 10 and (data[0] & 0x01) == 0 and data[3:6] == b"\x9d\x01\x2a"


def vp8_keyframe_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a VP8 key frame header."""
    width = int.from_bytes(data[6:8], "little") & 0x3FFF
    height = int.from_bytes(data[8:10], "little") & 0x3FFF
    return width, height


EncodedSink = Callable[[EncodedFrame], None]


class _CheckedFrame(JitterFrame):
    """A jitter-buffer frame that also says whether all its packets were there."""

    def __init__(self, data: bytes, timestamp: int, *, first_seq: int, last_seq: int, whole: bool) -> None:
        super().__init__(data, timestamp)
        self.first_seq = first_seq
        self.last_seq = last_seq
        self.whole = whole


def _vp8_starts_frame(payload: bytes) -> bool:
    # RFC 7741 4.2: S bit (0x10) set and partition index (low 3 bits) 0 on a frame's first packet.
    return bool(payload) and (payload[0] & 0x10) != 0 and (payload[0] & 0x07) == 0


class _CheckedJitterBuffer(JitterBuffer):
    """aiortc's video jitter buffer, handing over :class:`_CheckedFrame` objects.

    The frame assembly is aiortc's own (``JitterBuffer._remove_frame``); it only
    also keeps the first and last packet of the frame it returns.
    """

    def _remove_frame(self, sequence_number: int) -> JitterFrame | None:
        if self._origin is None:
            return None
        frames = 0
        packets: list[Any] = []
        remove = 0
        timestamp = None
        frame: _CheckedFrame | None = None
        for count in range(self.capacity):
            pos = (self._origin + count) % self._capacity
            packet = self._packets[pos]
            if packet is None:
                break
            if timestamp is None:
                timestamp = packet.timestamp
            elif packet.timestamp != timestamp:
                if frame is None:
                    frame = _CheckedFrame(
                        data=b"".join([x._data for x in packets]),
                        timestamp=timestamp,
                        first_seq=packets[0].sequence_number,
                        last_seq=packets[-1].sequence_number,
                        whole=_vp8_starts_frame(packets[0].payload) and bool(packets[-1].marker),
                    )
                    remove = count
                frames += 1
                if frames >= self._prefetch:
                    self.remove(remove)
                    return frame
                packets = []
                timestamp = packet.timestamp
            packets.append(packet)
        return None


class _TeeQueue(queue.Queue):  # type: ignore[type-arg]
    """Stands in for the receiver's decoder queue; called on the event loop."""

    def __init__(self, tap: ReceiverTap) -> None:
        super().__init__()
        self._tap = tap

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        if item is not None:
            codec, jitter_frame = item
            whole = self._tap._deliver(codec, jitter_frame)
            if not self._tap.decode_enabled or not whole:
                return
        super().put(item, block, timeout)


class ReceiverTap:
    """Encoded-frame tap on one aiortc receiver (one remote track).

    ``decode_enabled=False`` stops aiortc decoding this track at all, which
    is the cheapest mode for pure recording or forwarding.
    """

    def __init__(self, receiver: Any, kind: str, *, decode_enabled: bool = True) -> None:
        self.kind = kind
        self.decode_enabled = decode_enabled
        self._receiver = receiver
        self._sinks: list[EncodedSink] = []
        self._last_keyframe_request_s = 0.0
        self._tasks: set[asyncio.Task[None]] = set()
        self.frames_seen = 0
        self.bytes_seen = 0
        self.incomplete_frames = 0  # handed over with packets missing (never decoded or recorded)
        self.gaps = 0  # times whole frames were lost between two handed-over frames
        self.last_arrival_s: float | None = None
        self._last_seq: int | None = None

    def add_sink(self, sink: EncodedSink) -> None:
        if sink not in self._sinks:
            self._sinks.append(sink)

    def remove_sink(self, sink: EncodedSink) -> None:
        if sink in self._sinks:
            self._sinks.remove(sink)

    def _deliver(self, codec: Any, jitter_frame: Any) -> bool:
        """Give one frame to the sinks; returns whether the frame is whole."""
        now = time.monotonic()
        self.frames_seen += 1
        self.bytes_seen += len(jitter_frame.data)
        self.last_arrival_s = now
        complete = True
        follows_gap = False
        if isinstance(jitter_frame, _CheckedFrame):
            complete = jitter_frame.whole
            if self._last_seq is not None:
                follows_gap = jitter_frame.first_seq != (self._last_seq + 1) & 0xFFFF
            self._last_seq = jitter_frame.last_seq
            if not complete:
                self.incomplete_frames += 1
            if follows_gap:
                self.gaps += 1
        if not self._sinks:
            return complete
        frame = EncodedFrame(
            kind=self.kind,
            codec_name=codec.name,
            data=jitter_frame.data,
            rtp_timestamp=jitter_frame.timestamp,
            clock_rate_hz=codec.clockRate,
            arrival_s=now,
            complete=complete,
            follows_gap=follows_gap,
        )
        for sink in list(self._sinks):
            try:
                sink(frame)
            except Exception:  # a broken sink must not stop the media path
                logger.exception("encoded-frame sink failed on %s track", self.kind)
        return complete

    def request_keyframe(self) -> None:
        """Ask the sender for a key frame (RTCP PLI), at most every 0.3 s."""
        if self.kind != "video":
            return
        now = time.monotonic()
        if now - self._last_keyframe_request_s < KEYFRAME_REQUEST_INTERVAL_S:
            return
        self._last_keyframe_request_s = now
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        task = loop.create_task(self._send_pli())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send_pli(self) -> None:
        for source in self._receiver.getSynchronizationSources():
            try:
                await self._receiver._send_rtcp_pli(source.source)
            except Exception:  # transport closing: nothing to ask any more
                logger.debug("PLI not sent", exc_info=True)


def tap_receiver(receiver: Any, kind: str, *, decode_enabled: bool = True) -> ReceiverTap:
    """Install a :class:`ReceiverTap` on an aiortc receiver before it starts."""
    if not all(hasattr(receiver, name) for name in (_QUEUE_ATTR, _JITTER_ATTR, "_send_rtcp_pli")):
        raise MediaError(
            "unsupported_aiortc",
            "this aiortc version has no receiver decoder queue to tap",
        )
    if getattr(receiver, _STARTED_ATTR, False):
        raise MediaError("tap_too_late", "the receiver is already running")
    existing = getattr(receiver, _QUEUE_ATTR)
    if isinstance(existing, _TeeQueue):
        return existing._tap
    tap = ReceiverTap(receiver, kind, decode_enabled=decode_enabled)
    setattr(receiver, _QUEUE_ATTR, _TeeQueue(tap))
    buffer = getattr(receiver, _JITTER_ATTR)
    if kind == "video" and type(buffer) is JitterBuffer:
        setattr(
            receiver,
            _JITTER_ATTR,
            _CheckedJitterBuffer(capacity=buffer.capacity, prefetch=buffer._prefetch, is_video=True),
        )
    return tap
