"""Record one answer without re-encoding, and feed analysis while it runs.

:class:`AnswerRecorder` takes the VP8 frames and Opus packets a
:class:`~media.peer.PeerSession` has already received (see :mod:`media.tap`)
and muxes them as they are into a WebM file on a writer thread. Matroska
clusters are closed every second and the file is flushed after each packet,
so a killed process leaves a file that plays up to about the last second.

Only whole video frames are written. A frame with packets missing, and every
frame after it up to the next key frame (they refer to the picture that was
lost), is dropped and a key frame is asked for at once (RTCP PLI): the file
then shows a short freeze where the network lost data, and every frame in it
decodes.

While recording, decoded audio and a few video frames a second are handed,
as numpy, to an analysis consumer on a separate worker thread.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import queue
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Protocol

import av
import numpy as np

from .errors import MediaError
from .frames import AudioConverter, video_frame_to_sample
from .peer import PeerSession
from .tap import EncodedFrame, vp8_keyframe_size

logger = logging.getLogger(__name__)

_MS = Fraction(1, 1000)
_STOP = object()
DEFAULT_VIDEO_SIZE = (640, 480)
_RELEASE_DELAY_S = {"audio": 4 * 0.020, "video": 1 / 30}
_EARLY_VIDEO_S = 1.0  # video captured up to this long before the start may open the file at 0


class AnalysisConsumer(Protocol):
    """What the analysis module's incremental API looks like to ``media/``."""

    def feed_audio(self, samples: np.ndarray, sample_rate: int) -> None: ...

    def feed_video_frame(self, frame_bgr: np.ndarray, timestamp_s: float) -> None: ...


@dataclass(frozen=True)
class RecordingRef:
    """A finished (or cut-short) answer recording."""

    recording_id: str
    path: Path
    duration_s: float
    partial: bool
    end_reason: str
    video_frames: int
    audio_packets: int
    analysis_video_frames: int
    analysis_audio_s: float
    analysis_dropped_frames: int
    # Video frames not written because they were damaged or depended on a damaged one.
    damaged_video_frames: int = 0


RecordingFinished = Callable[[RecordingRef], "Awaitable[None] | None"]


@dataclass(frozen=True)
class RecorderOptions:
    video_sample_fps: float = 5.0
    header_wait_s: float = 2.0
    # Frames collected before the timeline is fixed, to find each stream's
    # lowest transit delay (a forced key frame arrives late; using it alone
    # would shift the picture behind the sound).
    settle_s: float = 0.5
    stall_timeout_s: float = 6.0
    cluster_time_limit_ms: int = 1000
    # CPU priority (nice, Linux) of the thread that converts frames for analysis: under load the
    # event loop that receives the media must run first.
    analysis_thread_nice: int = 5
    # On stop(), wait up to this long for media captured before the stop that is still on its
    # way (a busy event loop reads its sockets late); media captured after the stop is not kept.
    stop_drain_s: float = 2.0


class AnswerRecorder:
    """Records one answer of one peer to ``path`` (WebM: VP8 + Opus, no re-encode).

    ``start()`` begins at the next key frame (a PLI is sent at once);
    ``await stop()`` finishes the file and returns the :class:`RecordingRef`.
    ``stop()``/``close()`` are idempotent. If the peer closes, fails or stops
    sending for ``stall_timeout_s`` the recorder stops itself and flags the
    recording ``partial``. ``on_recording_finished(ref)`` runs once, after
    the file is closed and every analysis frame has been delivered.
    """

    def __init__(
        self,
        peer: PeerSession,
        path: str | Path,
        *,
        recording_id: str,
        consumer: AnalysisConsumer | None = None,
        on_recording_finished: RecordingFinished | None = None,
        options: RecorderOptions | None = None,
    ) -> None:
        self.peer = peer
        self.path = Path(path)
        self.recording_id = recording_id
        self._consumer = consumer
        self._on_finished = on_recording_finished
        self.options = options or RecorderOptions()
        self._started = False
        self._stop_future: asyncio.Future[RecordingRef] | None = None
        self._t0 = 0.0
        self._waiting_keyframe = True
        self._writer: _WebmWriter | None = None
        self._feed: _AnalysisFeed | None = None
        self._feed_stats: _AnalysisFeed | None = None  # the feed, also after detach_analysis()
        self._watchdog: asyncio.Task[None] | None = None
        self._video_tap: Any = None
        self._audio_tap: Any = None
        self._tasks: set[asyncio.Task[RecordingRef]] = set()
        self.damaged_video_frames = 0
        self._video_started = False
        self._stop_at_s: float | None = None  # answer time of stop(), while draining
        self._past_stop: set[str] = set()
        self._least_offset_s: dict[str, float] = {}  # per kind, answer time less RTP time
        self._drained = asyncio.Event()
        self._accepting = True

    @property
    def is_recording(self) -> bool:
        return self._started and self._stop_future is None

    def start(self) -> None:
        if self._started:
            return
        if self.peer.is_closed:
            raise MediaError("peer_closed", "cannot record a closed peer")
        video = self.peer.track("video")
        audio = self.peer.track("audio")
        if video is None and audio is None:
            raise MediaError("no_media", "the peer sends neither audio nor video")
        self._started = True
        self._t0 = time.monotonic()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = _WebmWriter(
            self.path,
            t0=self._t0,
            has_video=video is not None,
            has_audio=audio is not None,
            options=self.options,
        )
        self._writer.start()
        if self._consumer is not None and video is not None and not self.peer.decode_video:
            logger.warning(
                "recording %s: peer does not decode video, analysis gets audio only", self.recording_id
            )
        if self._consumer is not None:
            self._feed = _AnalysisFeed(
                self._consumer, self.options.video_sample_fps, self._writer.clock, self.options.analysis_thread_nice
            )
            self._feed_stats = self._feed
            self._feed.start()
            self.peer.add_frame_listener(self._feed)
        if video is not None:
            self._video_tap = video.tap
            video.tap.add_sink(self._on_encoded)
            video.tap.request_keyframe()
        else:
            self._waiting_keyframe = False
        if audio is not None:
            self._audio_tap = audio.tap
            audio.tap.add_sink(self._on_encoded)
        self.peer.add_close_listener(self._on_peer_closed)
        self._watchdog = asyncio.ensure_future(self._watch_stall())

    def _on_encoded(self, frame: EncodedFrame) -> None:
        # Runs on the event loop for every received frame: keep it tiny.
        if not self._accepting or self._writer is None:
            return
        rtp_s = frame.rtp_timestamp / frame.clock_rate_hz
        # The least transit seen so far (arrival less RTP time): the file's clock is fixed from
        # the first half second, which a busy event loop may have read late; judged by that
        # clock, media that arrives on time later would look captured after it was, and the
        # end of the answer would be cut off at the stop.
        offset_s = frame.arrival_s - _RELEASE_DELAY_S.get(frame.kind, 0.0) - rtp_s - self._t0
        least_s = self._least_offset_s.get(frame.kind)
        if least_s is None or offset_s < least_s:
            self._least_offset_s[frame.kind] = least_s = offset_s
        if self._stop_at_s is not None and rtp_s + least_s > self._stop_at_s:
            self._past_stop.add(frame.kind)  # everything captured before the stop is here
            if len(self._past_stop) >= len(self._streams_kinds()):
                self._drained.set()
            return
        if frame.kind == "video":
            if frame.breaks_picture_chain:
                # Damaged, or refers to a picture that was lost: nothing until a key frame.
                if not self._waiting_keyframe:
                    logger.info("recording %s: video frame lost, waiting for a key frame", self.recording_id)
                self._waiting_keyframe = True
                self.damaged_video_frames += 1
                self._video_tap.request_keyframe()
                return
            if self._waiting_keyframe:
                if not frame.is_keyframe:
                    if self._video_started:  # a dependant of a lost frame, not the wait at the start
                        self.damaged_video_frames += 1
                    self._video_tap.request_keyframe()
                    return
                self._waiting_keyframe = False
                self._video_started = True
            elif self._writer.video_dropped_early and self._writer.video_needs_key and not frame.is_keyframe:
                # The key frame we started with was captured before the answer: ask again.
                self._video_tap.request_keyframe()
        self._writer.queue.put(
            (
                frame.kind,
                frame.rtp_timestamp / frame.clock_rate_hz,
                frame.arrival_s,
                frame.data,
                frame.is_keyframe,
            )
        )

    def _streams_kinds(self) -> list[str]:
        return [k for k, tap in (("video", self._video_tap), ("audio", self._audio_tap)) if tap is not None]

    async def _drain(self) -> None:
        """Keep recording what was captured before now until it has all arrived (bounded)."""
        self._stop_at_s = time.monotonic() - self._t0
        try:
            await asyncio.wait_for(self._drained.wait(), self.options.stop_drain_s)
        except TimeoutError:
            logger.info("recording %s: media before the stop still missing after %.1f s",
                        self.recording_id, self.options.stop_drain_s)

    @property
    def analysis_dropped_frames(self) -> int:
        """Decoded frames the analysis consumer did not get because it fell behind."""
        return self._feed_stats.dropped if self._feed_stats is not None else 0

    @property
    def analysis_dropped_audio_frames(self) -> int:
        """Of those, audio frames: the consumer's transcript then misses part of the answer."""
        return self._feed_stats.dropped_audio if self._feed_stats is not None else 0

    async def detach_analysis(self) -> None:
        """Stop feeding the analysis consumer; the recording itself goes on untouched.

        For a consumer that falls behind: once this returns it is fed nothing more.
        """
        feed, self._feed = self._feed, None
        if feed is None:
            return
        self.peer.remove_frame_listener(feed)
        await asyncio.to_thread(feed.queue.put, _STOP)
        await asyncio.to_thread(feed.join)

    async def _on_peer_closed(self, reason: str) -> None:
        await self._finish(partial=True, reason=f"peer_{reason}")

    async def _watch_stall(self) -> None:
        timeout = self.options.stall_timeout_s
        while True:
            await asyncio.sleep(min(1.0, timeout / 4))
            taps = [t for t in (self._video_tap, self._audio_tap) if t is not None]
            last = max((t.last_arrival_s or 0.0 for t in taps), default=0.0)
            if time.monotonic() - max(last, self._t0) > timeout:
                self._spawn_finish(partial=True, reason="stalled")
                return

    def _spawn_finish(self, *, partial: bool, reason: str) -> None:
        task = asyncio.ensure_future(self._finish(partial=partial, reason=reason))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> RecordingRef:
        """Finish the answer normally; returns the same ref on every call."""
        if not self._started:
            raise MediaError("not_started", "the recorder was never started")
        return await self._finish(partial=False, reason="stopped")

    async def close(self) -> None:
        if self._started:
            await self._finish(partial=False, reason="stopped")

    async def _finish(self, *, partial: bool, reason: str) -> RecordingRef:
        if self._stop_future is not None:
            return await asyncio.shield(self._stop_future)
        loop = asyncio.get_running_loop()
        self._stop_future = loop.create_future()
        try:
            if not partial and self._writer is not None and not self.peer.is_closed:
                await self._drain()
            self._accepting = False
            ref = await self._finish_impl(partial=partial, reason=reason)
        except BaseException as exc:
            self._stop_future.set_exception(exc)
            raise
        self._stop_future.set_result(ref)
        if self._on_finished is not None:
            try:
                result = self._on_finished(ref)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                logger.exception("on_recording_finished failed for %s", self.recording_id)
        return ref

    async def _finish_impl(self, *, partial: bool, reason: str) -> RecordingRef:
        for tap in (self._video_tap, self._audio_tap):
            if tap is not None:
                tap.remove_sink(self._on_encoded)
        self.peer.remove_close_listener(self._on_peer_closed)
        if self._watchdog is not None and self._watchdog is not asyncio.current_task():
            self._watchdog.cancel()
        writer, feed = self._writer, self._feed
        self._feed = None
        assert writer is not None
        writer.queue.put(_STOP)
        if feed is not None:
            self.peer.remove_frame_listener(feed)
            await asyncio.to_thread(feed.queue.put, _STOP)
        await asyncio.to_thread(writer.join)
        if feed is not None:
            await asyncio.to_thread(feed.join)
        feed = self._feed_stats
        if writer.error is not None:
            partial = True
            reason = f"{reason}+write_error"
        return RecordingRef(
            recording_id=self.recording_id,
            path=self.path,
            duration_s=round(writer.duration_s, 3),
            partial=partial,
            end_reason=reason,
            video_frames=writer.counts["video"],
            audio_packets=writer.counts["audio"],
            analysis_video_frames=feed.video_frames if feed else 0,
            analysis_audio_s=round(feed.audio_s, 3) if feed else 0.0,
            analysis_dropped_frames=feed.dropped if feed else 0,
            damaged_video_frames=self.damaged_video_frames,
        )


class _Clock:
    """Maps a stream's RTP time to seconds since the answer started.

    ``offsets_s[kind]`` is fixed once (writer thread) and then only read.
    """

    def __init__(self, t0: float) -> None:
        self.t0 = t0
        self.offsets_s: dict[str, float] = {}
        self.final = False  # set when the writer has ended: no more offsets will come

    def fix(self, kind: str, samples: list[tuple[float, float]]) -> None:
        """Fix ``kind``'s offset from (rtp_s, arrival_s) pairs: the least-delayed one wins."""
        if kind in self.offsets_s or not samples:
            return
        delay = _RELEASE_DELAY_S.get(kind, 0.0)
        self.offsets_s[kind] = min(arrival - delay - rtp_s for rtp_s, arrival in samples) - self.t0

    def to_answer_time(self, kind: str, rtp_s: float) -> float | None:
        offset = self.offsets_s.get(kind)
        return None if offset is None else rtp_s + offset


class _WebmWriter(threading.Thread):
    """Owns the PyAV container; muxes already-encoded packets as they come."""

    def __init__(
        self, path: Path, *, t0: float, has_video: bool, has_audio: bool, options: RecorderOptions
    ) -> None:
        super().__init__(name=f"webm-writer-{path.name}", daemon=True)
        self.path = path
        self.has_video = has_video
        self.has_audio = has_audio
        self.options = options
        self.queue: queue.Queue[Any] = queue.Queue()
        self.clock = _Clock(t0)
        self.counts = {"video": 0, "audio": 0}
        self.duration_s = 0.0
        self.error: BaseException | None = None
        self._container: Any = None
        self._streams: dict[str, Any] = {}
        self._last_ms = {"video": -1, "audio": -1}
        # Read on the event loop (plain bools): video waits for a key frame in the file, and
        # one was dropped for mapping to before the start (so a new one must be asked for).
        self.video_needs_key = True
        self.video_dropped_early = False

    def run(self) -> None:
        pending: list[tuple[str, float, float, bytes, bool]] = []
        deadline = time.monotonic() + self.options.header_wait_s
        first_video_s: float | None = None
        try:
            while True:
                try:
                    item = self.queue.get(timeout=0.05)
                except queue.Empty:
                    item = None
                if item is _STOP:
                    break
                if item is not None:
                    if self._container is None:
                        pending.append(item)
                        if item[0] == "video" and first_video_s is None:
                            first_video_s = time.monotonic()
                    else:
                        self._mux(*item)
                now = time.monotonic()
                if self._container is None and (
                    now > deadline
                    or (not self.has_video and pending and now - pending[0][2] > self.options.settle_s)
                    or (first_video_s is not None and now - first_video_s > self.options.settle_s)
                ):
                    self._open(pending)
                    pending = []
            if self._container is None:
                self._open(pending)
        except BaseException as exc:  # keep what is on disk; report partial
            logger.exception("recording %s failed", self.path)
            self.error = exc
        finally:
            self.clock.final = True
            if self._container is not None:
                try:
                    self._container.close()
                except Exception as exc:
                    self.error = self.error or exc

    def _open(self, pending: list[tuple[str, float, float, bytes, bool]]) -> None:
        size = DEFAULT_VIDEO_SIZE
        for kind, _, _, data, key in pending:
            if kind == "video" and key:
                size = vp8_keyframe_size(data)
                break
        for kind in ("video", "audio"):
            self.clock.fix(kind, [(rtp_s, arrival) for k, rtp_s, arrival, *_ in pending if k == kind])
        container = av.open(
            str(self.path),
            "w",
            format="webm",
            options={
                "cluster_time_limit": str(self.options.cluster_time_limit_ms),
                "flush_packets": "1",
                # Without this the muxer may hold up to 10 s of packets
                # waiting for a silent stream, defeating crash safety.
                "max_interleave_delta": "300000",
            },
        )
        self._container = container
        if self.has_video:
            # An encoder context only describes the stream; nothing is encoded.
            video = container.add_stream("libvpx", rate=30)
            video.width, video.height = size
            video.pix_fmt = "yuv420p"
            self._streams["video"] = video
        if self.has_audio:
            audio = container.add_stream("libopus", rate=48000)
            audio.layout = "stereo"
            self._streams["audio"] = audio
        for item in sorted(pending, key=lambda i: self.clock.to_answer_time(i[0], i[1]) or 0.0):
            self._mux(*item)

    def _mux(self, kind: str, rtp_s: float, arrival_s: float, data: bytes, key: bool) -> None:
        stream = self._streams.get(kind)
        if stream is None:
            return
        # A stream that starts after the header (e.g. audio late) is fixed by its first packet.
        self.clock.fix(kind, [(rtp_s, arrival_s)])
        pts_s = self.clock.to_answer_time(kind, rtp_s)
        if pts_s is not None and -_EARLY_VIDEO_S < pts_s < 0 and kind == "video" and (key or not self.video_needs_key):
            # The key frame asked for at the start (and what follows it) was captured just before
            # the start: kept at 0 rather than dropped, which would wait for another key frame.
            pts_s = 0.0
        if pts_s is None or pts_s < 0:
            if kind == "video":
                # What follows refers to a frame not in the file; the recorder asks for a key frame.
                self.video_needs_key = True
                self.video_dropped_early = True
            return  # captured before the answer started
        if kind == "video" and self.video_needs_key:
            if not key:
                return
            self.video_needs_key = False
        pts_ms = round(pts_s * 1000)
        if pts_ms <= self._last_ms[kind]:
            pts_ms = self._last_ms[kind] + 1
        self._last_ms[kind] = pts_ms
        packet = av.Packet(data)
        packet.pts = packet.dts = pts_ms
        packet.time_base = _MS
        packet.stream = stream
        if key and kind == "video":
            packet.is_keyframe = True
        self._container.mux(packet)
        self.counts[kind] += 1
        frame_s = 0.02 if kind == "audio" else 1 / 30
        self.duration_s = max(self.duration_s, pts_ms / 1000 + frame_s)


class _AnalysisFeed(threading.Thread):
    """Converts decoded frames at the edge and feeds analysis off the loop."""

    MAX_QUEUED = 400

    def __init__(
        self, consumer: AnalysisConsumer, video_sample_fps: float, clock: _Clock, nice: int = 0
    ) -> None:
        super().__init__(name="analysis-feed", daemon=True)
        self._nice = nice
        self.consumer = consumer
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=self.MAX_QUEUED)
        self._interval_s = 1.0 / video_sample_fps if video_sample_fps > 0 else float("inf")
        self._clock = clock
        self._next_video_rtp_s = float("-inf")
        self.video_frames = 0
        self.audio_s = 0.0
        self.dropped = 0
        self.dropped_audio = 0

    def on_decoded_frame(self, kind: str, frame: Any) -> None:
        # Event-loop side: decide cheaply whether the frame is wanted.
        if frame.pts is None or frame.time_base is None:
            return
        rtp_s = float(frame.pts * frame.time_base)  # same clock as the writer's packets
        if kind == "video":
            if rtp_s + 1e-3 < self._next_video_rtp_s:
                return
            self._next_video_rtp_s = rtp_s + self._interval_s
        try:
            self.queue.put_nowait((kind, frame, rtp_s))
        except queue.Full:
            self.dropped += 1
            if kind == "audio":
                self.dropped_audio += 1

    def _answer_time(self, kind: str, rtp_s: float) -> float | None:
        # The writer fixes the timeline after its settle window; wait for it.
        while True:
            timestamp_s = self._clock.to_answer_time(kind, rtp_s)
            if timestamp_s is not None or self._clock.final:
                return timestamp_s
            time.sleep(0.02)

    def run(self) -> None:
        if self._nice:
            try:
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self._nice)
            except (AttributeError, OSError):  # not Linux: normal priority
                pass
        converter = AudioConverter()
        while True:
            item = self.queue.get()
            if item is _STOP:
                return
            kind, frame, rtp_s = item
            timestamp_s = self._answer_time(kind, rtp_s)
            if timestamp_s is None or timestamp_s < 0:
                continue  # before the answer started, as in the file
            try:
                if kind == "video":
                    sample = video_frame_to_sample(frame, timestamp_s)
                    self.consumer.feed_video_frame(sample.image_bgr, sample.timestamp_s)
                    self.video_frames += 1
                else:
                    chunk = converter.convert(frame)
                    if chunk is not None:
                        self.consumer.feed_audio(chunk.samples, chunk.sample_rate_hz)
                        self.audio_s += chunk.duration_s
            except Exception:
                logger.exception("analysis consumer failed on a %s frame", kind)
