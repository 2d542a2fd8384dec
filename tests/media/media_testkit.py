"""Helpers for media tests: synthetic aiortc client tracks and loopback wiring.

Kept out of conftest.py so test modules import them by a unique name.
"""

from __future__ import annotations

import asyncio
import fractions
import time
from collections.abc import Callable
from typing import Any

import av
import numpy as np
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack, VideoStreamTrack

AUDIO_RATE = 48_000
AUDIO_PTIME_S = 0.02


def synthetic_frames(count: int = 30, size: tuple[int, int] = (640, 480)) -> list[np.ndarray]:
    """Moving-pattern BGR frames; uses the shared face video when available."""
    try:
        from tests import mediakit

        frames = [f for f, _ in mediakit.face_frames("facing", seconds=count / 30, fps=30, size=size)]
        if frames:
            return frames
    except Exception:  # mediakit missing or broken: fall back to a pattern
        pass
    w, h = size
    out = []
    for i in range(count):
        img = np.zeros((h, w, 3), np.uint8)
        img[:, :, 0] = (np.arange(w) + i * 8) % 256
        img[:, :, 1] = ((np.arange(h) + i * 4) % 256)[:, None]
        img[h // 3 : h // 2, (i * 10) % w : (i * 10) % w + 60, 2] = 255
        out.append(img)
    return out


class LoopVideoTrack(VideoStreamTrack):
    """30 fps video cycling through pre-converted frames (cheap to send)."""

    def __init__(self, frames_bgr: list[np.ndarray]) -> None:
        super().__init__()
        self._frames = [
            av.VideoFrame.from_ndarray(f, format="bgr24").reformat(format="yuv420p") for f in frames_bgr
        ]
        self._index = 0
        self.sent = 0

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        source = self._frames[self._index % len(self._frames)]
        self._index += 1
        frame = av.VideoFrame.from_ndarray(source.to_ndarray(), format="yuv420p")
        frame.pts = pts
        frame.time_base = time_base
        self.sent += 1
        return frame


class ToneAudioTrack(MediaStreamTrack):
    """A 440 Hz tone, 20 ms frames, s16 mono at 48 kHz, paced in real time."""

    kind = "audio"

    def __init__(self, amplitude: float = 0.3) -> None:
        super().__init__()
        self._amplitude = amplitude
        self._samples = 0
        self._start: float | None = None

    async def recv(self) -> av.AudioFrame:
        n = int(AUDIO_RATE * AUDIO_PTIME_S)
        if self._start is None:
            self._start = time.monotonic()
        else:
            wait = self._start + self._samples / AUDIO_RATE - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        t = (self._samples + np.arange(n)) / AUDIO_RATE
        data = (self._amplitude * 32767 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(data.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = AUDIO_RATE
        frame.pts = self._samples
        frame.time_base = fractions.Fraction(1, AUDIO_RATE)
        self._samples += n
        return frame


async def offer_from(client: RTCPeerConnection) -> str:
    await client.setLocalDescription(await client.createOffer())
    return str(client.localDescription.sdp)


async def complete(client: RTCPeerConnection, answer_sdp: str) -> None:
    await client.setRemoteDescription(RTCSessionDescription(sdp=answer_sdp, type="answer"))


async def wait_for(predicate: Callable[[], Any], timeout_s: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
