"""One person's live answer-recording connection: WebRTC peer, per-answer recorder, incremental
analysis, live nudges, and saving the report. Closed on every path, closing twice is safe.

Every kind of recorded answer runs on `LiveAnswers` with the same `AnswerStore`
(`server/answers/store.py`), which creates the answer row by the kind's rules (its
`AnswerKind`: ownership, refusals, consent, retakes) and saves what the recording and the
analysis produced."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker
from starlette.websockets import WebSocketDisconnect

from analysis import AnalysisError, AnalysisOptions, IncrementalAnalysis, ModelPool, Report
from media import AnswerRecorder, IceServer, MediaError, PeerSession, RecordingRef, check_offer
from server.answers.capacity import AnswerSlot, LiveCapacity
from server.answers.signalling import (
    Ice,
    Offer,
    Ping,
    SetNudges,
    SignallingError,
    StartAnswer,
    StopAnswer,
    answer_message,
    error_message,
    frame_text,
    nudge_message,
    parse_client_message,
)
from server.core.i18n import translate
from server.core.native_memory import release_free_memory
from server.core.storage import LocalStorage, Storage

log = logging.getLogger("untact.live_answers")

Send = Callable[[dict[str, Any]], Awaitable[None]]

# Thresholds for live nudges. English: words a minute, coarser than the report's band on
# purpose (a nudge is a hint while speaking). Korean: the report's own measure and band, net
# syllables a minute against the answer's korean_band (LiveMetrics.pace_band, 230-500).
PACE_BANDS_WPM = {"en": (105.0, 185.0)}
LOOK_AWAY_NUDGE_S = 5.0
SILENCE_NUDGE_S = 6.0
NUDGE_COOLDOWN_S = 15.0
PACE_MIN_ELAPSED_S = 15.0
ANSWER_LIMIT_GRACE_S = 5.0
# Back-pressure (see server/answers/capacity.py): live analysis that holds more than this much
# audio it has not transcribed yet, or that missed audio, is dropped for the answer, which is
# then analysed from the whole file. (Missed video frames only thin the 5 fps gaze samples.)
# The recording is not touched.
LIVE_ANALYSIS_MAX_BACKLOG_S = 25.0


@dataclass(frozen=True)
class LiveAnswerServices:
    """What a live answer connection needs from the app, passed in (no globals)."""

    sessionmaker: sessionmaker[Session]
    recordings_dir: Path
    model_pool: ModelPool  # owns the engine settings (model, device, compute type, threads)
    ice_servers: tuple[IceServer, ...]
    kick_worker: Callable[[], None]
    # This process's id in `process_heartbeats`, written as each answer's owner (recovery).
    instance_id: str = ""
    # Settings.allow_private_ice_candidates: may client candidates point at local addresses?
    allow_private_candidates: bool = True
    # Admission control and the live-analysis executor; None: unbounded (tests of one answer).
    capacity: LiveCapacity | None = None
    # Where finished recordings are kept (server/core/storage.py); None: in `recordings_dir`.
    storage: Storage | None = None

    def __post_init__(self) -> None:
        if self.storage is None:
            object.__setattr__(self, "storage", LocalStorage(self.recordings_dir))

    @property
    def file_storage(self) -> Storage:
        assert self.storage is not None
        return self.storage


@dataclass(frozen=True)
class AnswerPlan:
    """A new answer row, ready to record: where to write it and how to analyse it."""

    answer_id: int
    question_id: int
    attempt: int
    path: Path
    options: AnalysisOptions
    language: str
    answer_limit_s: int


class AnswerStore(Protocol):
    """The persistence one kind of answer needs; every method runs in a worker thread."""

    recording_prefix: str

    def create_answer(self, question_id: int) -> AnswerPlan | str:
        """A plan for a new answer, or the signalling error code that refuses it."""
        ...

    def mark_recorded(self, answer_id: int, ref: RecordingRef) -> None: ...

    def save_report(self, answer_id: int, report: Report) -> None: ...

    def mark_failed(self, answer_id: int, code: str) -> None: ...

    def queue_file_analysis(self, answer_id: int, code: str) -> None: ...


@dataclass
class _ActiveAnswer:
    answer_id: int
    recorder: AnswerRecorder
    analysis: IncrementalAnalysis | None  # None: analysed from the whole file after the answer
    language: str
    answer_limit_s: float
    nudge_task: asyncio.Task[None] | None = None
    slot: AnswerSlot | None = None
    degraded: str | None = None  # why live analysis was dropped (the file is analysed instead)


def choose_nudge(metrics: Any, language: str, last_sent: dict[str, float], now: float) -> str | None:
    """Which nudge to show now, if any (at most one kind per cooldown)."""

    def ready(kind: str) -> bool:
        return now - last_sent.get(kind, -1e9) >= NUDGE_COOLDOWN_S

    if metrics.looking_away_s >= LOOK_AWAY_NUDGE_S and ready("look_at_camera"):
        return "look_at_camera"
    silent = metrics.seconds_since_speech
    if silent is None and metrics.elapsed_s >= SILENCE_NUDGE_S + 2:
        silent = metrics.elapsed_s
    if silent is not None and silent >= SILENCE_NUDGE_S and ready("long_silence"):
        return "long_silence"
    band = getattr(metrics, "pace_band", None)  # set when the speech is transcribed as Korean
    if band is not None:
        rate, low, high = metrics.net_syllables_per_minute, band.low, band.high
    elif language == "ko":
        rate, low, high = None, 0.0, 0.0  # Korean, not measured yet
    else:
        rate, (low, high) = metrics.words_per_minute, PACE_BANDS_WPM["en"]
    if rate is not None and metrics.elapsed_s >= PACE_MIN_ELAPSED_S:
        if rate > high and ready("pace_fast"):
            return "pace_fast"
        if rate < low and ready("pace_slow"):
            return "pace_slow"
    return None


def with_partial_flag(report: Report) -> Report:
    if "partial_recording" in report.flags:
        return report
    return dataclasses.replace(report, flags=(*report.flags, "partial_recording"))


class LiveAnswers:
    def __init__(
        self,
        services: LiveAnswerServices,
        store: AnswerStore,
        *,
        peer_prefix: str,
        locale: str,
        nudges_enabled: bool,
        send: Send,
    ) -> None:
        self._services = services
        self._store = store
        self._peer_prefix = peer_prefix
        self._locale = locale
        self._nudges_enabled = nudges_enabled
        self._send_raw = send
        self._peer: PeerSession | None = None
        self._active: _ActiveAnswer | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    # ---------------------------------------------------------------- messages

    async def handle(self, message: Any) -> None:
        if self._closed:
            return
        match message:
            case Offer():
                await self._accept_offer(message.sdp)
            case Ice():
                await self._add_candidate(message)
            case StartAnswer():
                await self._start_answer(message.question_id)
            case StopAnswer():
                await self._stop_answer()
            case SetNudges():
                self._nudges_enabled = message.enabled
            case Ping():
                await self.send({"type": "pong"})

    async def send(self, message: dict[str, Any]) -> None:
        try:
            await self._send_raw(message)
        except Exception:  # the socket is gone; the work itself goes on and is saved
            log.debug("could not send %s", message.get("type"))

    async def send_error(self, code: str, *, retryable: bool = False) -> None:
        await self.send(
            error_message(code, translate(self._locale, f"signalling.{code}"), retryable=retryable)
        )

    async def _accept_offer(self, sdp: str) -> None:
        if self._active is not None:
            await self.send_error("busy_recording")
            return
        allow_private = self._services.allow_private_candidates
        try:
            # The whole offer is checked before the working peer is replaced: a bad offer
            # during a reconnection leaves the current connection as it was.
            check_offer(sdp, allow_private_candidates=allow_private)
        except MediaError as exc:
            await self.send_error(exc.code)
            return
        if self._peer is not None:
            await self._peer.close("renegotiated")
        peer = PeerSession(
            peer_id=f"{self._peer_prefix}-{uuid.uuid4().hex[:8]}",
            ice_servers=self._services.ice_servers,
            allow_private_candidates=allow_private,
        )
        peer.start()
        peer.add_close_listener(self._on_peer_closed)
        self._peer = peer
        try:
            answer = await peer.accept_offer(sdp)
        except MediaError as exc:
            await peer.close("bad_offer")
            self._peer = None
            await self.send_error(exc.code)
            return
        await self.send(answer_message(answer))

    async def _add_candidate(self, message: Ice) -> None:
        if self._peer is None:
            await self.send_error("no_peer")
            return
        try:
            await self._peer.add_remote_candidate(
                message.candidate.model_dump() if message.candidate else None
            )
        except MediaError as exc:
            if exc.code == "candidate_not_allowed":
                # Dropped without an error: every browser on a LAN has such candidates, and
                # its public ones still connect (docs/signalling.md, ICE candidates).
                log.debug("dropped a local-address candidate on %s", self._peer_prefix)
                return
            await self.send_error("bad_candidate")

    async def _on_peer_closed(self, reason: str) -> None:
        await self.send({"type": "peer_closed", "reason": reason})

    # ---------------------------------------------------------------- answers

    async def _start_answer(self, question_id: int) -> None:
        if self._active is not None:
            await self.send_error("busy_recording")
            return
        peer = self._peer
        if peer is None or peer.is_closed or not peer.tracks:
            await self.send_error("no_media", retryable=True)
            return
        # --- admission (server/answers/capacity.py): refuse before any row or file exists
        capacity = self._services.capacity
        slot = capacity.try_admit() if capacity is not None else None
        if capacity is not None and slot is None:
            await self._send_server_busy(capacity)
            return
        try:
            plan = await asyncio.to_thread(self._store.create_answer, question_id)
        except BaseException:
            if slot is not None:
                slot.release()
            raise
        if isinstance(plan, str):
            if slot is not None:
                slot.release()
            await self.send_error(plan)
            return
        analysis: IncrementalAnalysis | None = None
        degraded: str | None = None
        if slot is None or slot.take_analysis():
            analysis = IncrementalAnalysis(plan.options, pool=self._services.model_pool)
            try:
                await self._run_analysis_call(analysis.start)
            except BaseException:
                if slot is not None:
                    slot.release()
                raise
        else:
            degraded = "live_analysis_busy"
        # --- end admission
        answer_id = plan.answer_id
        recorder = AnswerRecorder(
            peer,
            plan.path,
            recording_id=f"{self._store.recording_prefix}-{answer_id}",
            consumer=analysis,
            on_recording_finished=lambda ref: self._on_recording_finished(answer_id, ref),
        )
        active = _ActiveAnswer(
            answer_id, recorder, analysis, plan.language, float(plan.answer_limit_s), slot=slot, degraded=degraded
        )
        if degraded is not None and capacity is not None:
            capacity.note_degraded()
        self._active = active
        try:
            recorder.start()
        except MediaError as exc:
            self._active = None
            if analysis is not None:
                await self._run_analysis_call(analysis.close)
            if slot is not None:
                slot.release()
            await asyncio.to_thread(self._store.mark_failed, answer_id, exc.code)
            await self.send_error("no_media", retryable=True)
            return
        active.nudge_task = self._spawn(self._nudge_loop(active))
        await self.send(
            {
                "type": "answer_started",
                "answer_id": answer_id,
                "question_id": plan.question_id,
                "attempt": plan.attempt,
                "answer_limit_s": plan.answer_limit_s,
                "live_analysis": analysis is not None,
            }
        )

    # --- admission, executor and back-pressure (server/answers/capacity.py)

    async def _send_server_busy(self, capacity: LiveCapacity) -> None:
        message = error_message(
            "server_busy", translate(self._locale, "signalling.server_busy"), retryable=True
        )
        message["retry_after_s"] = capacity.retry_after_s
        log.info("answer refused: node at capacity", extra={"live": dataclasses.asdict(capacity.snapshot())})
        await self.send(message)

    async def _run_analysis_call(self, fn: Callable[[], Any]) -> Any:
        capacity = self._services.capacity
        if capacity is None:
            return await asyncio.to_thread(fn)
        return await capacity.run(fn)

    def _analysis_behind(self, active: _ActiveAnswer) -> bool:
        analysis = active.analysis
        if analysis is None:
            return False
        return (
            active.recorder.analysis_dropped_audio_frames > 0
            or analysis.untranscribed_s > LIVE_ANALYSIS_MAX_BACKLOG_S
        )

    async def _degrade(self, active: _ActiveAnswer, reason: str) -> None:
        """Drop live analysis for this answer: no more nudges, the whole file is analysed later."""
        analysis = active.analysis
        if analysis is None:
            return
        active.analysis = None
        active.degraded = reason
        if self._services.capacity is not None:
            self._services.capacity.note_degraded()
        log.warning("live analysis fell behind, answer will be analysed from the file",
                    extra={"answer_id": active.answer_id, "reason": reason})
        await active.recorder.detach_analysis()
        await self._run_analysis_call(analysis.close)
        if active.slot is not None:
            active.slot.release_analysis()

    # --- end admission, executor and back-pressure

    async def _stop_answer(self) -> None:
        active = self._active
        if active is None:
            await self.send_error("not_recording")
            return
        await active.recorder.stop()

    async def _nudge_loop(self, active: _ActiveAnswer) -> None:
        last_sent: dict[str, float] = {}
        started = time.monotonic()
        while self._active is active:
            await asyncio.sleep(1.0)
            if self._active is not active:
                break
            if time.monotonic() - started > active.answer_limit_s + ANSWER_LIMIT_GRACE_S:
                # The page stops at the limit; this covers a page that stopped talking to us.
                self._spawn(active.recorder.stop())
                break
            if self._analysis_behind(active):  # back-pressure: see _degrade
                await self._degrade(active, "live_analysis_behind")
            if not self._nudges_enabled or active.analysis is None:
                continue
            metrics = active.analysis.live_metrics()
            now = time.monotonic()
            kind = choose_nudge(metrics, active.language, last_sent, now)
            if kind is not None:
                last_sent[kind] = now
                await self.send(nudge_message(kind, translate(self._locale, f"nudge.{kind}")))

    async def _on_recording_finished(self, answer_id: int, ref: RecordingRef) -> None:
        active = self._active
        if active is None or active.answer_id != answer_id:
            return
        self._active = None
        if active.nudge_task is not None:
            active.nudge_task.cancel()
        if active.slot is not None:
            # The node may record another answer now. The live-analysis slot stays taken until
            # the tail is analysed: freeing it here let tails and new live analyses pile up on 2
            # cores, and five back-to-back one-way answers then took over 5 minutes each.
            active.slot.release_recording()
        log.info(
            "answer recorded",
            extra={
                "answer_id": answer_id, "duration_s": ref.duration_s, "partial": ref.partial,
                "video_frames": ref.video_frames, "analysis_video_frames": ref.analysis_video_frames,
                "analysis_audio_s": ref.analysis_audio_s, "analysis_dropped": ref.analysis_dropped_frames,
                "damaged_video_frames": ref.damaged_video_frames, "live_analysis": active.degraded or "live",
            },
        )
        await asyncio.to_thread(self._store.mark_recorded, answer_id, ref)
        await self.send(
            {
                "type": "answer_stopped",
                "answer_id": answer_id,
                "duration_s": ref.duration_s,
                "partial": ref.partial,
            }
        )
        self._spawn(self._finish_analysis(active, ref))

    async def _finish_analysis(self, active: _ActiveAnswer, ref: RecordingRef) -> None:
        answer_id = active.answer_id
        if active.analysis is not None and active.recorder.analysis_dropped_audio_frames > 0:
            await self._degrade(active, "live_analysis_behind")  # its transcript misses part of the answer
        analysis = active.analysis
        if analysis is None:  # degraded: the worker analyses the whole recording
            try:
                code = active.degraded or "live_analysis_busy"
                await asyncio.to_thread(self._store.queue_file_analysis, answer_id, code)
                await self.send_error("analysis_delayed", retryable=True)
            finally:
                if active.slot is not None:
                    active.slot.release()
            return
        started = time.monotonic()
        try:
            report = await self._run_analysis_call(analysis.finish)
            log.info(
                "answer analysed",
                extra={
                    "answer_id": answer_id,
                    "finish_s": round(time.monotonic() - started, 2),
                    "finish_timings": getattr(analysis, "finish_timings", None),
                    "partial": ref.partial,
                    # (start_s, end_s, compute_s, audio received_s) per transcribed chunk
                    "chunks": getattr(analysis, "chunk_log", None),
                },
            )
            if ref.partial:
                report = with_partial_flag(report)
            await asyncio.to_thread(self._store.save_report, answer_id, report)
            await self.send(
                {"type": "report_ready", "answer_id": answer_id, "overall": report.scores.overall.score}
            )
        except AnalysisError as exc:
            log.warning(
                "live analysis failed, queued whole-file analysis",
                extra={"answer_id": answer_id, "code": exc.code},
            )
            await asyncio.to_thread(self._store.queue_file_analysis, answer_id, exc.code)
            await self.send_error("analysis_delayed", retryable=True)
        finally:
            await self._run_analysis_call(analysis.close)
            if active.slot is not None:
                active.slot.release()
            await asyncio.to_thread(release_free_memory)  # see server/core/native_memory.py

    # ---------------------------------------------------------------- lifecycle

    def _spawn(self, coro: Awaitable[Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def close(self, reason: str = "closed") -> None:
        """Stop everything. A recording in progress is kept, analysed and flagged partial."""
        if self._closed:
            return
        self._closed = True
        peer, self._peer = self._peer, None
        if peer is not None:
            await peer.close(reason)  # an active recorder finishes itself as partial
        active = self._active
        if active is not None:
            await active.recorder.close()
        while pending := [t for t in self._tasks if not t.done()]:
            await asyncio.gather(*pending, return_exceptions=True)


async def serve_answer_socket(
    websocket: Any, make_live: Callable[[Send], LiveAnswers], hello: dict[str, Any]
) -> None:
    """Run one accepted signalling WebSocket for a live answer controller until it goes away.

    Bad messages get a typed `error` and the socket stays open; the controller is registered
    on `app.state.live_sessions` (drained at shutdown) and closed on every way out.
    """
    locale = websocket.state.locale
    send_lock = asyncio.Lock()

    async def send(message: dict[str, Any]) -> None:
        async with send_lock:
            await websocket.send_json(message)

    live = make_live(send)
    registry = websocket.app.state.live_sessions
    registry.add(live)
    try:
        await send(hello)
        while True:
            event = await websocket.receive()
            if event["type"] == "websocket.disconnect":
                break
            try:
                message = parse_client_message(frame_text(event))
            except SignallingError as exc:
                await send(error_message(exc.code, translate(locale, f"signalling.{exc.code}")))
                continue
            await live.handle(message)
    except WebSocketDisconnect:
        pass
    finally:
        registry.discard(live)
        await live.close("socket_gone")
        # The peer, its threads and any answer are gone: return the memory they freed.
        await asyncio.to_thread(release_free_memory)
