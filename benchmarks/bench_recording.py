"""Server CPU per recorded 640x480@30 fps WebRTC stream: ours vs aiortc's MediaRecorder.

Each mode gets a fresh aiortc sender in a separate process (benchmarks/
media_sender.py) streaming VP8 640x480@30 + Opus over loopback; we measure
this process's CPU time (user+system, psutil) over a fixed window and report
it as % of one core. All modes run in the same invocation so the ratios are
comparable on a noisy shared machine.

Modes:
  stock_receive    aiortc RTCPeerConnection + MediaBlackhole (receive + decode)
  stock_recorder   aiortc RTCPeerConnection + contrib MediaRecorder (.webm: decode + VP8/Opus re-encode)
                   (on a busy machine it falls behind: its CPU is then capped and the file
                   misses frames, so read its CPU together with "frames in file")
  stock_reencode_realtime  same pipeline with cheap libvpx settings (realtime, cpu-used 8)
  ours_receive     PeerSession(decode_video=False), nothing recorded (floor)
  ours_record      PeerSession(decode_video=False) + AnswerRecorder (VP8/Opus passthrough)
  ours_record_analysis  PeerSession(decode_video=True) + AnswerRecorder + analysis feed
                   (5 fps BGR frames + 16 kHz audio to a no-op consumer)

Usage: .venv/bin/python benchmarks/bench_recording.py [--seconds 20] [--rounds 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import av
import numpy as np
import psutil
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaBlackhole, MediaRecorder

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from media import AnswerRecorder, PeerSession  # noqa: E402

WARMUP_S = 3.0


class NullConsumer:
    def __init__(self) -> None:
        self.video = 0
        self.audio_samples = 0

    def feed_audio(self, samples: np.ndarray, sample_rate: int) -> None:
        self.audio_samples += len(samples)

    def feed_video_frame(self, frame_bgr: np.ndarray, timestamp_s: float) -> None:
        self.video += 1


async def spawn_sender() -> tuple[asyncio.subprocess.Process, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(Path(__file__).with_name("media_sender.py")),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    line = await proc.stdout.readline()
    return proc, json.loads(line)["offer"]


async def finish_sender(proc: asyncio.subprocess.Process, answer: str | None = None) -> None:
    assert proc.stdin is not None
    if answer is not None:
        proc.stdin.write((json.dumps({"answer": answer}) + "\n").encode())
        await proc.stdin.drain()
        return
    proc.stdin.close()
    try:
        await asyncio.wait_for(proc.wait(), 10)
    except TimeoutError:
        proc.kill()
        await proc.wait()


def cpu_s() -> float:
    t = psutil.Process().cpu_times()
    return t.user + t.system


async def measure(seconds: float) -> tuple[float, float]:
    c0, w0 = cpu_s(), time.monotonic()
    await asyncio.sleep(seconds)
    return cpu_s() - c0, time.monotonic() - w0


def count_video_frames(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for p in container.demux(video=0) if p.size)


class CheapReencodeRecorder:
    """MediaRecorder's pipeline (decode + re-encode on the loop) with cheap libvpx settings.

    The "at least use cheap encoder settings" option of the issue, for comparison.
    """

    def __init__(self, path: str) -> None:
        self.container = av.open(path, "w", format="webm")
        self.streams: dict[Any, Any] = {}
        self.tasks: list[asyncio.Task[None]] = []

    def addTrack(self, track: Any) -> None:
        if track.kind == "video":
            stream = self.container.add_stream("libvpx", rate=30)
            stream.pix_fmt = "yuv420p"
            stream.bit_rate = 1_000_000
            stream.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
        else:
            stream = self.container.add_stream("libopus", rate=48000)
        self.streams[track] = stream

    async def start(self) -> None:
        for track, stream in self.streams.items():
            self.tasks.append(asyncio.ensure_future(self._run(track, stream)))

    async def _run(self, track: Any, stream: Any) -> None:
        first = True
        while True:
            try:
                frame = await track.recv()
            except Exception:
                return
            if first and track.kind == "video":
                stream.width, stream.height = frame.width, frame.height
            first = False
            for packet in stream.encode(frame):
                self.container.mux(packet)

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        for stream in self.streams.values():
            for packet in stream.encode(None):
                self.container.mux(packet)
        self.container.close()


async def run_stock(mode: str, seconds: float, workdir: Path) -> dict[str, Any]:
    proc, offer = await spawn_sender()
    pc = RTCPeerConnection()
    path = workdir / f"{mode}.webm"
    sink: Any
    if mode == "stock_recorder":
        sink = MediaRecorder(str(path))
    elif mode == "stock_reencode_realtime":
        sink = CheapReencodeRecorder(str(path))
    else:
        sink = MediaBlackhole()
    pc.on("track", lambda track: sink.addTrack(track))
    await pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
    await pc.setLocalDescription(await pc.createAnswer())
    await finish_sender(proc, pc.localDescription.sdp)
    await sink.start()
    await asyncio.sleep(WARMUP_S)
    cpu, wall = await measure(seconds)
    await sink.stop()
    await pc.close()
    await finish_sender(proc)
    frames = count_video_frames(path) if mode != "stock_receive" else None
    return {
        "mode": mode,
        "cpu_s": cpu,
        "wall_s": wall,
        "video_frames_written": frames,
        "recorded_s": WARMUP_S + wall if frames is not None else None,
    }


async def run_ours(mode: str, seconds: float, workdir: Path) -> dict[str, Any]:
    proc, offer = await spawn_sender()
    peer = PeerSession(peer_id=mode, decode_video=(mode == "ours_record_analysis"))
    peer.start()
    answer = await peer.accept_offer(offer)
    await finish_sender(proc, answer)
    recorder = None
    if mode != "ours_receive":
        consumer = NullConsumer() if mode == "ours_record_analysis" else None
        recorder = AnswerRecorder(peer, workdir / f"{mode}.webm", recording_id=mode, consumer=consumer)
        for _ in range(400):  # up to 20 s for ICE + DTLS + first frames
            if all(t.tap.frames_seen for t in peer.tracks):
                break
            await asyncio.sleep(0.05)
        recorder.start()
    await asyncio.sleep(WARMUP_S)
    cpu, wall = await measure(seconds)
    frames = None
    recorded = None
    if recorder is not None:
        ref = await recorder.stop()
        frames, recorded = ref.video_frames, ref.duration_s
    await peer.close()
    await finish_sender(proc)
    return {
        "mode": mode,
        "cpu_s": cpu,
        "wall_s": wall,
        "video_frames_written": frames,
        "recorded_s": recorded,
    }


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": psutil.cpu_count(),
        "cpu_model": model,
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "aiortc": __import__("aiortc").__version__,
        "pyav": av.__version__,
        "load_avg_1m_at_start": round(psutil.getloadavg()[0], 2),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    args = parser.parse_args()
    info = machine()
    print(json.dumps(info))
    modes = [
        "stock_receive",
        "stock_recorder",
        "stock_reencode_realtime",
        "ours_receive",
        "ours_record",
        "ours_record_analysis",
    ]
    results: dict[str, list[float]] = {m: [] for m in modes}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.rounds):
            for mode in modes:
                runner = run_stock if mode.startswith("stock") else run_ours
                row = await runner(mode, args.seconds, Path(tmp))
                row["cpu_pct_of_core"] = round(100 * row["cpu_s"] / row["wall_s"], 1)
                results[mode].append(row["cpu_pct_of_core"])
                rows.append(row)
                print(json.dumps(row), flush=True)
    med = {m: float(np.median(v)) for m, v in results.items()}
    print()
    written_fps: dict[str, list[float]] = {m: [] for m in modes}
    for row in rows:
        if row["video_frames_written"] is not None and row["recorded_s"]:
            written_fps[row["mode"]].append(row["video_frames_written"] / row["recorded_s"])
    print(
        f"| mode | server CPU, % of one core (median of {args.rounds}) | frames in file per recorded s (of 30) |"
    )
    print("|---|---|---|")
    for m in modes:
        fps = f"{np.median(written_fps[m]):.1f}" if written_fps[m] else "-"
        print(f"| {m} | {med[m]:.1f} | {fps} |")
    stock_cost = med["stock_recorder"] - med["stock_receive"]
    ours_cost = med["ours_record"] - med["ours_receive"]
    print()
    print(f"total CPU ratio stock_recorder / ours_record: {med['stock_recorder'] / med['ours_record']:.1f}x")
    print(
        "total CPU ratio stock_reencode_realtime / ours_record: "
        f"{med['stock_reencode_realtime'] / med['ours_record']:.1f}x"
    )
    print(f"recording cost above receive floor: stock {stock_cost:.1f}% vs ours {ours_cost:.1f}% of a core")
    print(
        f"analysis feed (decode + 5 fps BGR + audio) adds {med['ours_record_analysis'] - med['ours_record']:.1f}%"
    )
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "rows": rows, "median": med}, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
