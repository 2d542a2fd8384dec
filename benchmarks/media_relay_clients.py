"""Benchmark helper: the two aiortc participants of one 1:1 room, in their own process.

Both send 320x240@30 VP8 video and offer one receive-only video slot. Over
stdio (JSON lines) we print ``{"offer": sdp, "name": n}`` and read
``{"answer": sdp}`` for each participant (A first, then B), then measure the
forwarded video each receives over a window and print ``{"result": {...}}``.

``--cheap`` makes the clients nearly free, so that the server is what runs out of CPU: each
sends a loop of VP8 frames encoded once at start (aiortc packetises an ``av.Packet`` without
encoding it) and counts the frames it receives from the reassembled RTP (``media.tap``) without
decoding them. Loss still comes from RTP statistics.
"""

from __future__ import annotations

import argparse
import asyncio
import fractions
import json
import sys
import time
from pathlib import Path
from typing import Any

import av
from aiortc import RTCBundlePolicy, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack
from media_sender import LoopVideo, make_frames

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from media.tap import tap_receiver

FPS = 30
VIDEO_CLOCK = 90_000


def encode_loop(width: int, height: int, count: int = FPS) -> list[bytes]:
    """``count`` VP8 frames (the first a key frame), encoded once: one second of video."""
    codec = av.CodecContext.create("libvpx", "w")
    codec.width, codec.height, codec.pix_fmt = width, height, "yuv420p"
    codec.time_base = fractions.Fraction(1, FPS)
    codec.bit_rate = 500_000
    codec.gop_size = count
    out: list[bytes] = []
    for i, frame in enumerate(make_frames(count, width, height)):
        frame.pts = i
        out.extend(bytes(p) for p in codec.encode(frame))
    out.extend(bytes(p) for p in codec.encode(None))
    return out


class PacketLoop(MediaStreamTrack):
    """Sends pre-encoded VP8 frames at 30 fps, looping (a key frame every second)."""

    kind = "video"

    def __init__(self, packets: list[bytes]) -> None:
        super().__init__()
        self._packets = packets
        self._i = 0
        self._start: float | None = None
        self.sent_times: list[float] = []

    async def recv(self) -> av.Packet:
        if self._start is None:
            self._start = time.monotonic()
        due = self._start + self._i / FPS
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        packet = av.Packet(self._packets[self._i % len(self._packets)])
        packet.pts = self._i * (VIDEO_CLOCK // FPS)
        packet.time_base = fractions.Fraction(1, VIDEO_CLOCK)
        self._i += 1
        self.sent_times.append(time.monotonic())
        return packet


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
    def __init__(self, name: str, width: int, height: int, packets: list[bytes] | None = None) -> None:
        self.name = name
        self.cheap = packets is not None
        self.pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        self.source: CountingLoopVideo | PacketLoop = (
            PacketLoop(packets) if packets is not None else CountingLoopVideo(make_frames(30, width, height))
        )
        self.pc.addTrack(self.source)
        self.pc.addTransceiver("video", direction="recvonly")
        self.frame_times: list[float] = []
        self.offer_sent_s = 0.0
        self.pc.on("track", self._on_track)
        self._tasks: list[asyncio.Task[None]] = []

    def _on_track(self, track: Any) -> None:
        if not self.cheap:
            self._tasks.append(asyncio.ensure_future(self._consume(track)))

    def tap_incoming(self) -> None:
        """Cheap mode: count reassembled frames instead of decoding them (before the receiver starts)."""
        for transceiver in self.pc.getTransceivers():
            if transceiver.direction == "recvonly":
                tap = tap_receiver(transceiver.receiver, "video", decode_enabled=False)
                tap.add_sink(lambda _frame: self.frame_times.append(time.monotonic()))

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
    if p.cheap:
        p.tap_incoming()
    line = await reader.readline()
    answer = json.loads(line)["answer"]
    await p.pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=4.0)
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--height", type=int, default=240)
    parser.add_argument("--cheap", action="store_true", help="pre-encoded send, no decoding on receive")
    args = parser.parse_args()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    packets = encode_loop(args.width, args.height) if args.cheap else None
    a = Participant("a", args.width, args.height, packets)
    b = Participant("b", args.width, args.height, packets)
    await negotiate(a, reader)
    await negotiate(b, reader)
    # Every room's clients measure the same window: wait for the server's go (sent once all
    # rooms have joined), then warm up and measure.
    print(json.dumps({"joined": True}), flush=True)
    await reader.readline()
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
