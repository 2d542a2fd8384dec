"""Live-room forwarding capacity: our encoded-frame SFU (media.Room) vs aiortc MediaRelay.

For N = 1, 2, ... concurrent 1:1 rooms, each room's two participants run in
their own process (benchmarks/media_relay_clients.py, 320x240@30 VP8 each
way). The server (this process) forwards each camera to the other side,
either with ``media.Room`` (VP8 frames passed through, no decoding) or with
aiortc's ``MediaRelay`` (decode once, re-encode per subscriber). We report
server CPU (% of one core), the forwarded frame rate and packet loss seen by
every receiver, and join-to-first-remote-frame (p50/p95 over all rooms).

A room count "passes" when every receiver gets >= 25 fps with < 1 % loss.
With real-encoding clients on a 2-core machine the clients' own encoding and
decoding compete with the server for CPU, so the capacity is a floor. For the
capacity figure, ``--cheap-clients`` makes the clients send pre-encoded VP8
and count received frames without decoding, and ``--pin`` keeps the server on
CPU 0 and the clients on the others. All rooms join first; then every client
warms up and measures the same window, which the server's CPU figure covers.

Usage: .venv/bin/python benchmarks/bench_relay.py [--max-rooms 4 | --levels 1,2,4,8] [--seconds 10]
       [--cheap-clients] [--pin]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import psutil
from aiortc import RTCBundlePolicy, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamTrack

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_recording import machine  # noqa: E402

from media import PeerSession, Room, RoomOptions  # noqa: E402


class LateTrack(MediaStreamTrack):
    """Outgoing track whose source (a MediaRelay proxy) is attached later."""

    kind = "video"

    def __init__(self) -> None:
        super().__init__()
        self._source: Any = None
        self._ready = asyncio.Event()
        self.forwarded = 0

    def set_source(self, source: Any) -> None:
        self._source = source
        self._ready.set()

    async def recv(self) -> Any:
        await self._ready.wait()
        frame = await self._source.recv()
        self.forwarded += 1
        return frame


class MediaRelayRoom:
    """The baseline: aiortc's MediaRelay, which decodes and re-encodes per subscriber."""

    def __init__(self) -> None:
        self.relay = MediaRelay()
        self.pcs: dict[str, RTCPeerConnection] = {}
        self.slots: dict[str, LateTrack] = {}
        self.tracks: dict[str, Any] = {}

    async def join(self, name: str, offer: str) -> str:
        pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        self.pcs[name] = pc
        slot = LateTrack()
        self.slots[name] = slot

        @pc.on("track")
        def on_track(track: Any) -> None:
            self.tracks[name] = track
            for other, other_slot in self.slots.items():
                if other != name:
                    other_slot.set_source(self.relay.subscribe(track))

        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
        for transceiver in pc.getTransceivers():
            if transceiver.receiver.track is None:
                transceiver.sender.replaceTrack(slot)
                transceiver.direction = "sendrecv"
        for other, track in self.tracks.items():
            if other != name:
                slot.set_source(self.relay.subscribe(track))
        await pc.setLocalDescription(await pc.createAnswer())
        return str(pc.localDescription.sdp)

    def forwarded_frames(self) -> int:
        return sum(slot.forwarded for slot in self.slots.values())

    async def close(self) -> None:
        for pc in self.pcs.values():
            await pc.close()


class OurRoom:
    def __init__(self, room_id: str) -> None:
        self.room = Room(room_id, options=RoomOptions(max_participants=2))
        self.room.start()

    async def join(self, name: str, offer: str) -> str:
        return await self.room.join(name, PeerSession(peer_id=name, decode_video=False), offer)

    def forwarded_frames(self) -> int:
        return sum(sum(self.room.forwarding_counts(p).values()) for p in self.room.participant_ids)

    async def close(self) -> None:
        await self.room.close()


CLIENT_CPUS: set[int] | None = None  # --pin: the clients' cores (the server keeps the others)
CHEAP_CLIENTS = False


def _pin_clients() -> None:
    if CLIENT_CPUS:
        os.sched_setaffinity(0, CLIENT_CPUS)


async def run_room_clients(
    room: Any, seconds: float, warmup: float, results: list[dict[str, Any]], joined: Any, go: asyncio.Event
) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(Path(__file__).with_name("media_relay_clients.py")),
        "--seconds",
        str(seconds),
        "--warmup",
        str(warmup),
        *(["--cheap"] if CHEAP_CLIENTS else []),
        preexec_fn=_pin_clients,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=Path(__file__).parent,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        while True:
            line = await proc.stdout.readline()
            if not line:
                break
            message = json.loads(line)
            if "offer" in message:
                answer = await room.join(message["name"], message["offer"])
                proc.stdin.write((json.dumps({"answer": answer}) + "\n").encode())
                await proc.stdin.drain()
            elif "joined" in message:
                joined()
                await go.wait()
                proc.stdin.write(b'{"go": true}\n')
                await proc.stdin.drain()
            elif "result" in message:
                results.append(message["result"])
        await proc.wait()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def run_level(mode: str, rooms: int, seconds: float, warmup: float) -> dict[str, Any]:
    room_objs = [OurRoom(f"r{i}") if mode == "ours" else MediaRelayRoom() for i in range(rooms)]
    results: list[dict[str, Any]] = []
    me = psutil.Process()

    go = asyncio.Event()
    joined_rooms = 0

    def on_joined() -> None:
        nonlocal joined_rooms
        joined_rooms += 1
        if joined_rooms == rooms:
            go.set()

    async def cpu_window() -> tuple[float, float]:
        await go.wait()  # every room joined: all clients start their warm-up now
        await asyncio.sleep(warmup + 1.0)
        t0 = me.cpu_times()
        w0 = time.monotonic()
        f0 = sum(r.forwarded_frames() for r in room_objs)
        await asyncio.sleep(seconds - 1.0)
        t1 = me.cpu_times()
        wall = time.monotonic() - w0
        forwarded = sum(r.forwarded_frames() for r in room_objs) - f0
        # Video frames the server handed to its senders, per forwarded stream.
        fwd_fps = forwarded / wall / (2 * rooms)
        return 100 * ((t1.user + t1.system) - (t0.user + t0.system)) / wall, fwd_fps

    clients = [run_room_clients(r, seconds, warmup, results, on_joined, go) for r in room_objs]
    (cpu, fwd_fps), *_ = await asyncio.gather(cpu_window(), *clients)
    for r in room_objs:
        await r.close()
    fps = [p["fps"] for r in results for p in (r["a"], r["b"])]
    sent = [p["sent_fps"] for r in results for p in (r["a"], r["b"])]
    loss = [p["loss"] for r in results for p in (r["a"], r["b"])]
    joins = [r["join_to_first_frame_s"] for r in results if r["join_to_first_frame_s"] is not None]
    ok = len(results) == rooms and min(fps) >= 25 and max(loss) < 0.01
    return {
        "mode": mode,
        "rooms": rooms,
        "server_cpu_pct": round(cpu, 1),
        "min_fps": round(min(fps), 1) if fps else 0.0,
        "mean_fps": round(float(np.mean(fps)), 1) if fps else 0.0,
        "max_loss": round(max(loss), 4) if loss else 1.0,
        # If the clients themselves could not produce 25 fps, a failure says
        # nothing about the server.
        "min_sent_fps": round(min(sent), 1) if sent else 0.0,
        "server_forwarded_fps": round(fwd_fps, 1),
        "join_s": joins,
        "pass": ok,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--max-rooms", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=4.0)
    parser.add_argument(
        "--cheap-clients",
        action="store_true",
        help="clients send pre-encoded VP8 and count frames without decoding (the server is the limit)",
    )
    parser.add_argument(
        "--pin", action="store_true", help="server on CPU 0, clients on the other CPUs (os.sched_setaffinity)"
    )
    parser.add_argument("--levels", help="comma-separated room counts to try (default 1..--max-rooms)")
    args = parser.parse_args()
    global CLIENT_CPUS, CHEAP_CLIENTS
    CHEAP_CLIENTS = args.cheap_clients
    cpus = sorted(os.sched_getaffinity(0))
    if args.pin and len(cpus) >= 2:
        os.sched_setaffinity(0, {cpus[0]})
        CLIENT_CPUS = set(cpus[1:])
    print(
        json.dumps(
            {
                **machine(),
                "server_cpus": sorted(os.sched_getaffinity(0)),
                "client_cpus": sorted(CLIENT_CPUS or cpus),
                "cheap_clients": CHEAP_CLIENTS,
            }
        )
    )
    levels = [int(x) for x in args.levels.split(",")] if args.levels else list(range(1, args.max_rooms + 1))
    rows = []
    failed: set[str] = set()
    for rooms in levels:
        for mode in ("ours", "mediarelay"):
            if mode in failed:
                continue  # once a mode fails, larger levels only fail harder
            row = await run_level(mode, rooms, args.seconds, args.warmup)
            rows.append(row)
            print(json.dumps(row), flush=True)
            if not row["pass"]:
                failed.add(mode)
    print()
    print(
        "| rooms | mode | server CPU % of a core | min fps sent by clients | fps forwarded by server "
        "(mean per stream) | min fps received | max loss | pass (>=25 fps, <1% loss) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['rooms']} | {r['mode']} | {r['server_cpu_pct']} | {r['min_sent_fps']} | "
            f"{r['server_forwarded_fps']} | {r['min_fps']} | "
            f"{100 * r['max_loss']:.2f}% | {'yes' if r['pass'] else 'no'} |"
        )
    for mode in ("ours", "mediarelay"):
        joins = [j for r in rows if r["mode"] == mode for j in r["join_s"]]
        passing = [r["rooms"] for r in rows if r["mode"] == mode and r["pass"]]
        per_room = [r["server_cpu_pct"] / r["rooms"] for r in rows if r["mode"] == mode]
        if joins:
            print(
                f"{mode}: join-to-first-remote-frame p50 {np.percentile(joins, 50):.2f} s, "
                f"p95 {np.percentile(joins, 95):.2f} s (n={len(joins)}); "
                f"max passing rooms {max(passing) if passing else 0}; "
                f"server CPU per room {np.median(per_room):.1f}% of a core"
            )


if __name__ == "__main__":
    asyncio.run(main())
