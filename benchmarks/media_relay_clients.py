"""Benchmark helper: the two aiortc participants of one 1:1 room, in their own process.

Both send 320x240@30 VP8 video and offer one receive-only video slot. Over
stdio (JSON lines) we print ``{"offer": sdp, "name": n}`` and read
``{"answer": sdp}`` for each participant (A first, then B), then measure the
forwarded video each receives over a window and print ``{"result": {...}}``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

from aiortc import RTCBundlePolicy, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from media_sender import LoopVideo, make_frames


class CountingLoopVideo(LoopVideo):
    """Also records when each frame was handed to the encoder (source frame rate)."""

    def __init__(self, frames: list[Any]) -> None:
        super().__init__(frames)
        self.sent_times: list[float] = []

    async def recv(self) -> Any:
        frame = await super().recv()
        self.sent_times.append(time.monotonic())
        return frame


class Participant:
    def __init__(self, name: str, width: int, height: int) -> None:
        self.name = name
        self.pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        self.source = CountingLoopVideo(make_frames(30, width, height))
        self.pc.addTrack(self.source)
        self.pc.addTransceiver("video", direction="recvonly")
        self.frame_times: list[float] = []
        self.offer_sent_s = 0.0
        self.pc.on("track", self._on_track)
        self._tasks: list[asyncio.Task[None]] = []

    def _on_track(self, track: Any) -> None:
        self._tasks.append(asyncio.ensure_future(self._consume(track)))

    async def _consume(self, track: Any) -> None:
        while True:
            try:
                await track.recv()
            except Exception:
                return
            self.frame_times.append(time.monotonic())

    async def loss_ratio(self) -> float:
        report = await self.pc.getStats()
        received = lost = 0
        for s in report.values():
            if s.type == "inbound-rtp" and s.kind == "video":
                received += s.packetsReceived
                lost += max(0, s.packetsLost)
        return lost / (received + lost) if received + lost else 1.0


async def negotiate(p: Participant, reader: asyncio.StreamReader) -> None:
    await p.pc.setLocalDescription(await p.pc.createOffer())
    p.offer_sent_s = time.monotonic()
    print(json.dumps({"name": p.name, "offer": p.pc.localDescription.sdp}), flush=True)
    line = await reader.readline()
    answer = json.loads(line)["answer"]
    await p.pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=4.0)
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--height", type=int, default=240)
    args = parser.parse_args()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    a = Participant("a", args.width, args.height)
    b = Participant("b", args.width, args.height)
    await negotiate(a, reader)
    await negotiate(b, reader)
    await asyncio.sleep(args.warmup)
    start = time.monotonic()
    await asyncio.sleep(args.seconds)
    end = time.monotonic()
    result: dict[str, Any] = {}
    for p in (a, b):
        window = [t for t in p.frame_times if start <= t < end]
        sent = [t for t in p.source.sent_times if start <= t < end]
        result[p.name] = {
            "fps": len(window) / (end - start),
            "sent_fps": len(sent) / (end - start),
            "loss": await p.loss_ratio(),
        }
    # B joins with A already publishing: the time a user waits to see the other side.
    first_b = b.frame_times[0] - b.offer_sent_s if b.frame_times else None
    result["join_to_first_frame_s"] = first_b
    print(json.dumps({"result": result}), flush=True)
    await a.pc.close()
    await b.pc.close()


if __name__ == "__main__":
    asyncio.run(main())
