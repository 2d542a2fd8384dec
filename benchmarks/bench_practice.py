"""AI interview practice end to end on the real server: how long after an answer ends is its
report ready, and how many seekers can practise at once on this machine.

The server runs as `untact serve` (embedded defaults, in-process analysis) in its own process.
Seekers are aiortc clients in this process that play a generated answer file (face video +
espeak speech) and encode it to VP8 + Opus like a browser would. They run on the same two cores
as the server, so the capacity found here is a lower bound: on a real deployment the seekers'
encoding happens on their own computers. (Sending the file's packets without re-encoding,
MediaPlayer(decode=False), would spare the clients' CPU but cannot answer the recorder's
key-frame request, so the clients encode.)

1. Report latency: a 60 s answer streamed in real time, `stop_answer`, then the time until
   `report_ready` (goal: 3 s). Repeated --rounds times, p50 and max.
2. Capacity: N seekers answer a --capacity-seconds answer at the same time, for N = 1, 2, 3 …
   A level passes while every recording keeps ≥ 95 % of the frames sent and every report is
   ready ≤ 10 s after its answer ended.

Usage: .venv/bin/python benchmarks/bench_practice.py [--rounds 3] [--capacity-seconds 30] [--max-seekers 6]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import av
import httpx
import psutil
import websockets
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import mediakit  # noqa: E402
from tests.liveserver import start_live_server, stop_live_server  # noqa: E402

FPS = 15
TEXT = (
    "When I joined the customer support team, our response times were slow and customers were unhappy. "
    "My task was to reduce the waiting time without hiring more people. I analysed the most common "
    "questions, wrote clear answers for them, and trained my colleagues to use a shared template. "
    "I also proposed a simple rule for who takes which ticket, so nobody worked on the same problem twice. "
    "After two months the average response time dropped from two days to six hours, and customer "
    "satisfaction scores went up by twenty percent. I learned that small changes to a process can "
    "matter more than working longer hours, and I still use that lesson today. "
)


def machine() -> dict[str, Any]:
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), platform.processor())
    return {"cpu": cpu, "cores": psutil.cpu_count(), "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "load_1m": round(psutil.getloadavg()[0], 2)}


def build_answer(seconds: float) -> tuple[Path, Path]:
    """A face video (VP8 WebM) and speech (WAV) of the given length, played as two sources.

    (aiortc's MediaPlayer sends no audio from these muxed WebM files, so audio comes from the WAV.)
    """
    repeats = int(seconds / 25) + 2
    clip = mediakit.speech_wav(TEXT * repeats, words_per_minute=150, sample_rate=48000)
    video = mediakit.face_video("facing", seconds=seconds, fps=FPS, fmt="webm")
    return video, clip.path


class Seeker:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, timeout=60)
        self.http.get("/login")
        headers = {"X-CSRF-Token": self.http.cookies["untact_csrf"]}
        email = f"bench-{uuid.uuid4().hex[:10]}@example.kr"
        self.http.post("/api/auth/signup", json={"email": email, "password": "bench-pass-123",
                       "display_name": "bench", "role": "seeker"}, headers=headers).raise_for_status()
        consent = self.http.get("/api/practice/consent")
        if consent.status_code != 200:
            raise RuntimeError(f"consent status: {consent.status_code} {consent.text}")
        version = consent.json()["version"]
        self.http.post("/api/practice/consent", json={"version": version}, headers=headers).raise_for_status()
        self.session = self.http.post("/api/practice/sessions", json={
            "source": "field", "field": "sales_service", "question_count": 1, "language": "en",
            "answer_limit_s": 300, "max_retakes": 5, "nudges_enabled": True}, headers=headers).json()

    async def answer(self, media: tuple[Path, Path], seconds: float) -> dict[str, Any]:
        url = self.base_url.replace("http://", "ws://") + f"/ws/practice/{self.session['id']}"
        headers = {"Cookie": f"untact_session={self.http.cookies['untact_session']}", "Origin": self.base_url}
        async with websockets.connect(url, additional_headers=headers) as ws:
            inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

            async def pump() -> None:
                async for raw in ws:
                    await inbox.put(json.loads(raw))

            reader = asyncio.ensure_future(pump())

            async def expect(kind: str, wait_s: float = 120) -> dict[str, Any]:
                while True:
                    message = await asyncio.wait_for(inbox.get(), wait_s)
                    if message["type"] == kind:
                        return message
                    if message["type"] == "error":
                        raise RuntimeError(message)

            # No looping: a loop restarts the file's timestamps, which a receiver rightly takes
            # for media from before the answer. The files are longer than the answers instead.
            video_player, audio_player = MediaPlayer(str(media[0])), MediaPlayer(str(media[1]))
            pc = RTCPeerConnection()
            pc.addTrack(video_player.video)
            pc.addTrack(audio_player.audio)
            await pc.setLocalDescription(await pc.createOffer())
            await ws.send(json.dumps({"type": "offer", "sdp": pc.localDescription.sdp}))
            answer = await expect("answer")
            await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))
            connected = asyncio.Event()
            pc.on("connectionstatechange", lambda: connected.set() if pc.connectionState == "connected" else None)
            await asyncio.wait_for(connected.wait(), 30)
            await asyncio.sleep(0.5)
            await ws.send(json.dumps({"type": "start_answer", "question_id": self.session["questions"][0]["id"]}))
            started = await expect("answer_started")
            t0 = time.monotonic()
            await asyncio.sleep(seconds)
            await ws.send(json.dumps({"type": "stop_answer"}))
            t_stop = time.monotonic()
            stopped = await expect("answer_stopped")
            await expect("report_ready", wait_s=300)
            t_ready = time.monotonic()
            reader.cancel()
            await pc.close()
        detail = self.http.get(f"/api/practice/sessions/{self.session['id']}").json()
        summary = next(a for a in detail["answers"] if a["id"] == started["answer_id"])
        return {"answer_s": round(t_stop - t0, 2), "recorded_s": stopped["duration_s"],
                "report_after_stop_s": round(t_ready - t_stop, 2), "status": summary["status"],
                "answer_id": started["answer_id"]}


def frames_in(data_dir: Path, answer_id: int) -> int:
    path = next(data_dir.rglob(f"answer-{answer_id}.webm"))
    with av.open(str(path)) as container:
        return sum(1 for packet in container.demux(video=0) if packet.size)


async def run_level(base_url: str, data_dir: Path, media: tuple[Path, Path], seekers: list[Seeker], seconds: float) -> dict[str, Any]:
    results = await asyncio.gather(*(s.answer(media, seconds) for s in seekers))
    ratios = [frames_in(data_dir, r["answer_id"]) / (r["recorded_s"] * FPS) for r in results]
    return {"seekers": len(seekers), "min_frame_ratio": round(min(ratios), 3),
            "max_report_after_stop_s": max(r["report_after_stop_s"] for r in results), "results": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--answer-seconds", type=float, default=60.0, help="answer length for the latency test")
    parser.add_argument("--capacity-seconds", type=float, default=30.0)
    parser.add_argument("--max-seekers", type=int, default=6)
    args = parser.parse_args()
    out: dict[str, Any] = {"machine": machine()}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        media_60 = build_answer(args.answer_seconds + 15)
        media_cap = build_answer(args.capacity_seconds + 15)
        server = start_live_server(workdir / "server")
        try:
            seeker = Seeker(server.base_url)
            asyncio.run(seeker.answer(media_cap, 5))  # warm-up: models loaded, first peer
            latency = [asyncio.run(seeker.answer(media_60, args.answer_seconds)) for _ in range(args.rounds)]
            waits = [r["report_after_stop_s"] for r in latency]
            out["report_latency_60s"] = {"p50_s": statistics.median(waits), "max_s": max(waits), "runs": latency,
                                          "goal_s": 3.0, "ratio_to_goal": round(statistics.median(waits) / 3.0, 2)}
            print(json.dumps(out["report_latency_60s"], indent=1), flush=True)
            levels = []
            for n in range(1, args.max_seekers + 1):
                seekers = [Seeker(server.base_url) for _ in range(n)]
                level = asyncio.run(run_level(server.base_url, server.data_dir, media_cap, seekers, args.capacity_seconds))
                level["passed"] = level["min_frame_ratio"] >= 0.95 and level["max_report_after_stop_s"] <= 10
                levels.append(level)
                print(json.dumps({k: v for k, v in level.items() if k != "results"}), flush=True)
                if not level["passed"]:
                    break
            out["capacity"] = levels
            out["capacity_max_seekers"] = max((lv["seekers"] for lv in levels if lv["passed"]), default=0)
        finally:
            stop_live_server(server)
    print(json.dumps({k: v for k, v in out.items() if k not in ("capacity",)}, indent=1))
    print("capacity:", [(lv["seekers"], lv["min_frame_ratio"], lv["max_report_after_stop_s"], lv["passed"])
                        for lv in out["capacity"]])


if __name__ == "__main__":
    main()
