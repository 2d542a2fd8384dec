"""Benchmark helper: an aiortc client in its own process sending 640x480@30 + Opus.

Protocol over stdio, one JSON object per line: we print ``{"offer": sdp}``,
read ``{"answer": sdp}``, then send media until stdin closes (or SIGTERM).
Kept separate so its encoding CPU is not charged to the server under test.
"""

from __future__ import annotations

import argparse
import asyncio
import fractions
import json
import sys
import time

import av
import numpy as np
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack, VideoStreamTrack


def make_frames(count: int, width: int, height: int) -> list[av.VideoFrame]:
    rng = np.random.default_rng(7)
    base = rng.integers(0, 255, (height // 8, width // 8, 3), dtype=np.uint8)
    base = np.kron(base, np.ones((8, 8, 1), np.uint8))  # blocky texture: webcam-like bitrate
    frames = []
    for i in range(count):
        img = np.roll(base, shift=(i * 3, i * 5), axis=(0, 1)).copy()
        y = int(height / 2 + height / 4 * np.sin(i / count * 2 * np.pi))
        img[y - 40 : y + 40, width // 2 - 60 : width // 2 + 60] = (40, 180, 220)
        frames.append(av.VideoFrame.from_ndarray(img, format="bgr24").reformat(format="yuv420p"))
    return frames


class LoopVideo(VideoStreamTrack):
    def __init__(self, frames: list[av.VideoFrame]) -> None:
        super().__init__()
        self._planes = [f.to_ndarray() for f in frames]
        self._i = 0

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = av.VideoFrame.from_ndarray(self._planes[self._i % len(self._planes)], format="yuv420p")
        self._i += 1
        frame.pts, frame.time_base = pts, time_base
        return frame


class Tone(MediaStreamTrack):
    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self._n = 0
        self._t0: float | None = None

    async def recv(self) -> av.AudioFrame:
        if self._t0 is None:
            self._t0 = time.monotonic()
        wait = self._t0 + self._n / 48000 - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        t = (self._n + np.arange(960)) / 48000
        data = (8000 * np.sin(2 * np.pi * 330 * t)).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(data, format="s16", layout="mono")
        frame.sample_rate = 48000
        frame.pts, frame.time_base = self._n, fractions.Fraction(1, 48000)
        self._n += 960
        return frame


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=480)
    parser.add_argument("--no-audio", action="store_true")
    args = parser.parse_args()
    pc = RTCPeerConnection()
    pc.addTrack(LoopVideo(make_frames(60, args.width, args.height)))
    if not args.no_audio:
        pc.addTrack(Tone())
    await pc.setLocalDescription(await pc.createOffer())
    print(json.dumps({"offer": pc.localDescription.sdp}), flush=True)
    loop = asyncio.get_running_loop()
    line = await loop.run_in_executor(None, sys.stdin.readline)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=json.loads(line)["answer"], type="answer"))
    await loop.run_in_executor(None, sys.stdin.read)  # until the parent closes stdin
    await pc.close()


if __name__ == "__main__":
    asyncio.run(main())
