"""A job seeker's practice answers against the live server, from an aiortc client, and what the
recording kept. Shared by the overload and soak tests and `benchmarks/bench_live_load.py`.

The client plays a face video (VP8 WebM) and espeak speech (WAV) through aiortc, which encodes
them as a browser would. A recording is checked from its own data: every video packet decodes,
and the media timestamps have no holes (``lost_video_s``/``lost_audio_s``: time missing between
consecutive frames beyond one frame interval), so the result does not depend on how busy the
machine was.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import websockets
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer

from tests import mediakit

VIDEO_FPS = 15
SPEECH = (
    "In my last job I answered customer questions by phone and email. I wrote short answers for "
    "the most common questions and shared them with the team, so we could reply faster. "
)


def answer_media(seconds: float, size: tuple[int, int] = (320, 240)) -> tuple[Path, Path]:
    """A face video and a speech WAV at least ``seconds`` long (files are not looped)."""
    clip = mediakit.speech_wav(SPEECH * (int(seconds / 10) + 2), words_per_minute=150, sample_rate=48000)
    video = mediakit.face_video("facing", seconds=seconds + 5, fps=VIDEO_FPS, size=size, fmt="webm")
    return video, clip.path


class Seeker:
    """A signed-up, consenting seeker; ``next_question()`` opens new practice sessions as needed."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, timeout=60)
        self.http.get("/login")
        self._headers = {"X-CSRF-Token": self.http.cookies["untact_csrf"]}
        email = f"rel-{uuid.uuid4().hex[:10]}@example.kr"
        self.http.post("/api/auth/signup", json={"email": email, "password": "reliable-pass-1",
                       "display_name": "신뢰성", "role": "seeker"}, headers=self._headers).raise_for_status()
        version = self.http.get("/api/practice/consent").json()["version"]
        self.http.post("/api/practice/consent", json={"version": version}, headers=self._headers).raise_for_status()
        self._slots: list[tuple[int, int]] = []

    def _new_session(self) -> None:
        session = self.http.post("/api/practice/sessions", json={
            "source": "field", "field": "sales_service", "question_count": 10, "language": "en",
            "answer_limit_s": 300, "max_retakes": 5, "nudges_enabled": True}, headers=self._headers)
        session.raise_for_status()
        body = session.json()
        self._slots = [(body["id"], q["id"]) for q in body["questions"] for _ in range(6)]

    def next_question(self) -> tuple[int, int]:
        """(session id, question id) for one more answer."""
        if not self._slots:
            self._new_session()
        return self._slots.pop()

    def give_back(self, slot: tuple[int, int]) -> None:
        """An answer that was refused did not use up its attempt."""
        self._slots.append(slot)

    def answer_summary(self, session_id: int, answer_id: int) -> dict[str, Any]:
        detail = self.http.get(f"/api/practice/sessions/{session_id}").json()
        return next(a for a in detail["answers"] if a["id"] == answer_id)

    def wait_analysed(self, session_id: int, answer_id: int, timeout_s: float = 600) -> dict[str, Any]:
        """The answer's summary once its analysis is done (ready or failed), or the last one seen."""
        deadline = time.monotonic() + timeout_s
        while True:
            summary = self.answer_summary(session_id, answer_id)
            if summary["status"] in ("ready", "failed") or time.monotonic() > deadline:
                return summary
            time.sleep(1.0)

    def close(self) -> None:
        self.http.close()


class SentFrames:
    """Notes when the client's sender had each video frame encoded and went on to send it.

    A client that cannot keep up (its CPU is busy) encodes and sends its frames late: what it
    had sent by the stop is what the server could record, so recordings are compared with this.
    (aiortc's ``RTCRtpSender._next_encoded_frame`` returns a frame; its packets go out at once.)
    """

    def __init__(self, sender: Any) -> None:
        self.sent: list[tuple[float, bool]] = []  # (monotonic s, key frame)
        encoded = sender._next_encoded_frame

        async def counted(codec: Any) -> Any:
            frame = await encoded(codec)
            if frame is not None:
                self.sent.append((time.monotonic(), _starts_vp8_keyframe(frame.payloads[0])))
            return frame

        sender._next_encoded_frame = counted

    def from_key_frame(self, start_s: float, end_s: float) -> int:
        """Frames sent from the first key frame after ``start_s`` up to ``end_s``: a recording
        starts at a key frame, which the client makes when the server asks for one."""
        window = [key for t, key in self.sent if start_s <= t <= end_s]
        return len(window) - window.index(True) if True in window else 0


def _starts_vp8_keyframe(payload: bytes) -> bool:
    # RFC 7741: skip the payload descriptor (1 byte, +1 with X, +1/2 picture id, +1 TL0, +1 TID).
    pos = 1
    if payload[0] & 0x80:
        ext = payload[1]
        pos = 2
        if ext & 0x80:
            pos += 2 if payload[pos] & 0x80 else 1
        if ext & 0x40:
            pos += 1
        if ext & 0x30:
            pos += 1
    return len(payload) > pos and (payload[pos] & 0x01) == 0


@dataclass
class AnswerOutcome:
    session_id: int
    question_id: int
    busy: dict[str, Any] | None = None  # the server_busy error, when refused
    answer_id: int | None = None
    started: dict[str, Any] | None = None
    stopped: dict[str, Any] | None = None
    report_ready: bool = False
    analysis_delayed: bool = False  # analysed from the file after the answer (no live report)
    report_after_stop_s: float | None = None
    answer_wall_s: float | None = None  # from `answer_started` to sending `stop_answer`
    client_sent_frames: int = 0  # video frames the client sent in that time, from its first key frame
    errors: tuple[dict[str, Any], ...] = ()

    @property
    def accepted(self) -> bool:
        return self.answer_id is not None


class _Inbox:
    def __init__(self, ws: Any) -> None:
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.errors: list[dict[str, Any]] = []
        self._task = asyncio.ensure_future(self._pump(ws))

    async def _pump(self, ws: Any) -> None:
        try:
            async for raw in ws:
                await self.queue.put(json.loads(raw))
        except websockets.ConnectionClosed:
            pass

    async def expect(self, *kinds: str, wait_s: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + wait_s
        while True:
            message = await asyncio.wait_for(self.queue.get(), max(0.1, deadline - time.monotonic()))
            if message["type"] in kinds:
                return message
            if message["type"] == "error":
                self.errors.append(message)
                if "error" in kinds:
                    return message

    def close(self) -> None:
        self._task.cancel()


async def answer_once(
    seeker: Seeker,
    media: tuple[Path, Path],
    seconds: float,
    *,
    wait_report: bool = True,
    go: asyncio.Event | None = None,
    connected_peers: list[int] | None = None,
    hold: threading.Event | None = None,
) -> AnswerOutcome:
    """Connect, answer one question for ``seconds``, stop, and (optionally) wait for the report.

    ``go``: wait for it after the peer is connected (then appended to ``connected_peers``), so
    many seekers start answering together. ``hold``: answer until it is set (not ``seconds``).
    """
    session_id, question_id = seeker.next_question()
    outcome = AnswerOutcome(session_id, question_id)
    url = seeker.base_url.replace("http://", "ws://") + f"/ws/practice/{session_id}"
    headers = {"Cookie": f"untact_session={seeker.http.cookies['untact_session']}", "Origin": seeker.base_url}
    video_player, audio_player = MediaPlayer(str(media[0])), MediaPlayer(str(media[1]))
    pc = RTCPeerConnection()
    try:
        async with websockets.connect(url, additional_headers=headers, max_size=2**20) as ws:
            inbox = _Inbox(ws)
            try:
                await inbox.expect("hello")
                video = SentFrames(pc.addTrack(video_player.video))
                pc.addTrack(audio_player.audio)
                await pc.setLocalDescription(await pc.createOffer())
                await ws.send(json.dumps({"type": "offer", "sdp": pc.localDescription.sdp}))
                answer = await inbox.expect("answer")
                connected = asyncio.Event()
                pc.on("connectionstatechange", lambda: connected.set() if pc.connectionState == "connected" else None)
                await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))
                await asyncio.wait_for(connected.wait(), 60)
                await asyncio.sleep(0.5)  # the first frames reach the server
                if connected_peers is not None:
                    connected_peers.append(1)
                if go is not None:
                    await go.wait()
                await ws.send(json.dumps({"type": "start_answer", "question_id": question_id}))
                reply = await inbox.expect("answer_started", "error")
                if reply["type"] == "error":
                    if reply.get("code") == "server_busy":
                        outcome.busy = reply
                        seeker.give_back((session_id, question_id))
                    outcome.errors = tuple(inbox.errors)
                    return outcome
                outcome.started = reply
                outcome.answer_id = reply["answer_id"]
                t_started = time.monotonic()
                if hold is not None:
                    await asyncio.to_thread(hold.wait)
                else:
                    await asyncio.sleep(seconds)
                await ws.send(json.dumps({"type": "stop_answer"}))
                t_stop = time.monotonic()
                outcome.answer_wall_s = round(t_stop - t_started, 3)
                outcome.client_sent_frames = video.from_key_frame(t_started, t_stop)
                outcome.stopped = await inbox.expect("answer_stopped")
                if wait_report:
                    done = await inbox.expect("report_ready", "error", wait_s=600)
                    outcome.report_ready = done["type"] == "report_ready"
                    outcome.analysis_delayed = done.get("code") == "analysis_delayed"
                    outcome.report_after_stop_s = round(time.monotonic() - t_stop, 2)
                outcome.errors = tuple(inbox.errors)
            finally:
                inbox.close()
    finally:
        await pc.close()
        for player in (video_player, audio_player):
            for track in (player.audio, player.video):
                if track is not None:
                    track.stop()
    return outcome


@dataclass(frozen=True)
class RecordingCheck:
    video_packets: int
    decoded_frames: int
    rejected_packets: int
    video_span_s: float
    lost_video_s: float
    lost_audio_s: float


def _lost_s(stamps_s: list[float], interval_s: float) -> float:
    """Time missing between consecutive timestamps beyond one interval (half an interval slack)."""
    lost = 0.0
    for a, b in itertools.pairwise(stamps_s):
        if b - a > 1.5 * interval_s:
            lost += b - a - interval_s
    return round(lost, 3)


def check_recording(path: Path, fps: float = VIDEO_FPS) -> RecordingCheck:
    import av

    frames, rejected = mediakit.decodable_video_frames(path)
    with av.open(str(path)) as container:
        video = [float(p.pts * p.time_base) for p in container.demux(video=0) if p.size and p.pts is not None]
    with av.open(str(path)) as container:
        audio = [float(p.pts * p.time_base) for p in container.demux(audio=0) if p.size and p.pts is not None]
    video.sort()
    audio.sort()
    return RecordingCheck(
        video_packets=len(video),
        decoded_frames=frames,
        rejected_packets=rejected,
        video_span_s=round(video[-1] - video[0], 3) if video else 0.0,
        lost_video_s=_lost_s(video, 1 / fps),
        lost_audio_s=_lost_s(audio, 0.020),
    )


def recording_path(data_dir: Path, answer_id: int) -> Path:
    paths = list((data_dir / "recordings").rglob(f"answer-{answer_id}.webm"))
    assert len(paths) == 1, (answer_id, paths)
    return paths[0]
