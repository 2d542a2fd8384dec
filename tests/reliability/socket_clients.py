"""Clients of the live server's signalling sockets for the reliability tests: a seeker with a
practice session, an interviewer in a live room, a real aiortc answer."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer

from tests import mediakit

SPEECH = "I organised the volunteer schedule for our community centre and reduced missed shifts by half."


@dataclass
class SocketTarget:
    url: str
    headers: dict[str, str]
    client: httpx.Client
    info: dict[str, Any]


def _client(base_url: str) -> tuple[httpx.Client, dict[str, str]]:
    client = httpx.Client(base_url=base_url, timeout=30)
    client.get("/login")
    return client, {"X-CSRF-Token": client.cookies["untact_csrf"]}


def _signup(client: httpx.Client, headers: dict[str, str], role: str, email: str, **extra: str) -> None:
    body = {"email": email, "password": "signal-pass-1", "display_name": "신호", "role": role, **extra}
    response = client.post("/api/auth/signup", json=body, headers=headers)
    assert response.status_code == 201, response.text


def _ws(base_url: str, path: str) -> str:
    return base_url.replace("http://", "ws://") + path


def _cookie_headers(client: httpx.Client, base_url: str) -> dict[str, str]:
    return {"Cookie": f"untact_session={client.cookies['untact_session']}", "Origin": base_url}


def practice_socket(base_url: str, *, language: str = "en") -> SocketTarget:
    """A new seeker who consented, with a practice session of two questions."""
    client, headers = _client(base_url)
    _signup(client, headers, "seeker", f"edge-{uuid.uuid4().hex[:10]}@example.kr")
    version = client.get("/api/practice/consent").json()["version"]
    assert client.post("/api/practice/consent", json={"version": version}, headers=headers).status_code == 201
    session = client.post("/api/practice/sessions", json={"source": "field", "field": "public_sector",
                          "question_count": 2, "language": language}, headers=headers).json()  # fmt: skip
    return SocketTarget(_ws(base_url, f"/ws/practice/{session['id']}"), _cookie_headers(client, base_url), client,
                        session)  # fmt: skip


def room_socket(base_url: str) -> SocketTarget:
    """An interviewer's socket in a live interview room (admitted at once)."""
    seeker, seeker_headers = _client(base_url)
    seeker_email = f"edge-cand-{uuid.uuid4().hex[:10]}@example.kr"
    _signup(seeker, seeker_headers, "seeker", seeker_email)
    seeker.close()
    employer, headers = _client(base_url)
    _signup(employer, headers, "employer", f"edge-emp-{uuid.uuid4().hex[:10]}@example.kr",
            company_name="엣지면접")  # fmt: skip
    invitation = employer.post("/api/interviews/invitations", json={
        "seeker_email": seeker_email, "kind": "live", "scheduled_at": "2030-01-01T10:00:00"}, headers=headers)
    assert invitation.status_code == 201, invitation.text
    grant = employer.post(f"/api/interviews/invitations/{invitation.json()['id']}/room-token", headers=headers)
    assert grant.status_code == 200, grant.text
    url = _ws(base_url, f"{grant.json()['ws_url']}?token={grant.json()['token']}")
    return SocketTarget(url, _cookie_headers(employer, base_url), employer, invitation.json())


async def next_message(ws: Any, wanted: str, wait_s: float = 60) -> dict[str, Any]:
    """The next message of type `wanted`, skipping others; an `error` while waiting fails."""
    deadline = time.monotonic() + wait_s
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), deadline - time.monotonic()))
        if message["type"] == wanted:
            return message
        if message["type"] == "error" and wanted != "error":
            raise AssertionError(f"server error while waiting for {wanted}: {message}")


async def next_error(ws: Any, wait_s: float = 30) -> dict[str, Any]:
    """The next `error`, skipping the room's own broadcasts (lobby, quality, participants)."""
    return await next_message(ws, "error", wait_s)


async def offer_sdp(*, audio: bool = True, video: bool = True) -> str:
    """A real offer from aiortc (with its fingerprint, ICE credentials and host candidates)."""
    pc = RTCPeerConnection()
    try:
        if video:
            pc.addTransceiver("video", direction="sendonly")
        if audio:
            pc.addTransceiver("audio", direction="sendonly")
        await pc.setLocalDescription(await pc.createOffer())
        return str(pc.localDescription.sdp)
    finally:
        await pc.close()


def answer_media(seconds: int = 20) -> tuple[object, object]:
    """Face video and English speech, as two files (MediaPlayer sends no audio from a muxed WebM)."""
    clip = mediakit.speech_wav(" ".join([SPEECH] * 3), words_per_minute=150)
    return mediakit.face_video("facing", seconds=seconds, fps=15, fmt="webm"), clip.path


async def connect_peer(ws: Any, media: tuple[object, object]) -> tuple[RTCPeerConnection, list[MediaPlayer]]:
    video_path, audio_path = media
    player = MediaPlayer(str(video_path))
    audio = MediaPlayer(str(audio_path))
    pc = RTCPeerConnection()
    pc.addTrack(player.video)
    pc.addTrack(audio.audio)
    await pc.setLocalDescription(await pc.createOffer())
    await ws.send(json.dumps({"type": "offer", "sdp": pc.localDescription.sdp}))
    answer = await next_message(ws, "answer")
    connected = asyncio.Event()
    pc.on("connectionstatechange", lambda: connected.set() if pc.connectionState == "connected" else None)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))
    await asyncio.wait_for(connected.wait(), 15)
    await asyncio.sleep(1.0)  # let the first frames arrive
    return pc, [player, audio]


async def close_peer(pc: RTCPeerConnection, players: list[MediaPlayer]) -> None:
    await pc.close()
    for player in players:
        for track in (player.audio, player.video):
            if track is not None:
                track.stop()
