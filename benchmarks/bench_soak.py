"""Server memory per practice answer cycle, one stage at a time (issue 10, Reliability 6).

The real server (`untact serve`) runs in its own process; aiortc seekers in this process repeat
one cycle and the server's RSS, threads and open files are sampled every ``--every`` cycles
(after the last answer's threads have ended). Stages, each adding one part to the one before:

- ``signalling``: open the practice socket, get ``hello``, close it;
- ``peer``: + a WebRTC peer (offer, answer, connected, 0.5 s of media), no answer;
- ``record``: + a 1 s answer recorded (``AnswerRecorder``), no analysis at all
  (``UNTACT_MAX_LIVE_ANALYSES=0``, ``UNTACT_ANALYSIS_WORKER=none``: the answer is queued for a
  worker that is not there);
- ``live``: + live analysis (the report comes from ``IncrementalAnalysis``), no worker;
- ``file``: the recorder + whole-file analysis by the in-process worker (no live analysis);
- ``full``: the shipped defaults, what `tests/reliability/test_soak.py` runs.

``--probe`` loads `benchmarks/soak_probe/sitecustomize.py` into the server: each sample then also
has glibc's heap figures (in use vs free but kept), the number of malloc arenas and the live
media objects (see that file). ``--trim`` calls ``malloc_trim(0)`` before each probe sample.
``--env KEY=VALUE`` adds to the server's environment (e.g. ``MALLOC_ARENA_MAX=2``).
``--smaps`` saves the server's ``/proc/<pid>/smaps`` at every sample (``smaps-<cycle>.txt`` in the
run's directory, read from outside the server) and adds ``smaps_diff``: the Rss change per class
of mapping (``[heap]``, malloc arenas, thread stacks, other anonymous mappings by size, files) and
the mappings that grew most between the first and the last sample (`tests/reliability/smaps.py`).

Prints one JSON object: the samples and the growth per cycle after warm-up (least squares over
the samples, and last minus first).

Usage: .venv/bin/python benchmarks/bench_soak.py --stage full [--cycles 100] [--warmup 16]
       [--parallel 2] [--every 10] [--probe] [--trim] [--smaps] [--env MALLOC_ARENA_MAX=2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import websockets  # noqa: E402
from aiortc import RTCPeerConnection, RTCSessionDescription  # noqa: E402
from aiortc.contrib.media import MediaPlayer  # noqa: E402

from tests.liveserver import LiveServer, start_live_server, stop_live_server  # noqa: E402
from tests.reliability import smaps as soak_smaps  # noqa: E402
from tests.reliability.live_seeker import Seeker, _Inbox, answer_media, answer_once  # noqa: E402

ANSWER_S = 1.0
DELAYED = [0]  # live answers whose report went to the queue instead (slow machine)
STAGE_ENV = {
    "signalling": {},
    "peer": {},
    "record": {"UNTACT_MAX_LIVE_ANALYSES": "0", "UNTACT_ANALYSIS_WORKER": "none"},
    "live": {"UNTACT_ANALYSIS_WORKER": "none"},
    "file": {"UNTACT_MAX_LIVE_ANALYSES": "0"},
    "full": {},
}


def machine() -> dict[str, Any]:
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), platform.processor())
    return {"cpu": cpu, "cores": psutil.cpu_count(), "python": platform.python_version(),
            "glibc": platform.libc_ver()[1], "mem_gb": round(psutil.virtual_memory().total / 2**30, 1)}


async def _socket_only(seeker: Seeker) -> None:
    session_id, _ = seeker.next_question()
    seeker.give_back((session_id, _))
    url = seeker.base_url.replace("http://", "ws://") + f"/ws/practice/{session_id}"
    headers = {"Cookie": f"untact_session={seeker.http.cookies['untact_session']}", "Origin": seeker.base_url}
    async with websockets.connect(url, additional_headers=headers) as ws:
        inbox = _Inbox(ws)
        try:
            await inbox.expect("hello")
        finally:
            inbox.close()


async def _peer_only(seeker: Seeker, media: tuple[Path, Path]) -> None:
    session_id, _ = seeker.next_question()
    seeker.give_back((session_id, _))
    url = seeker.base_url.replace("http://", "ws://") + f"/ws/practice/{session_id}"
    headers = {"Cookie": f"untact_session={seeker.http.cookies['untact_session']}", "Origin": seeker.base_url}
    video_player, audio_player = MediaPlayer(str(media[0])), MediaPlayer(str(media[1]))
    pc = RTCPeerConnection()
    try:
        async with websockets.connect(url, additional_headers=headers, max_size=2**20) as ws:
            inbox = _Inbox(ws)
            try:
                await inbox.expect("hello")
                pc.addTrack(video_player.video)
                pc.addTrack(audio_player.audio)
                await pc.setLocalDescription(await pc.createOffer())
                await ws.send(json.dumps({"type": "offer", "sdp": pc.localDescription.sdp}))
                answer = await inbox.expect("answer")
                connected = asyncio.Event()
                pc.on("connectionstatechange", lambda: connected.set() if pc.connectionState == "connected" else None)
                await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))
                await asyncio.wait_for(connected.wait(), 60)
                await asyncio.sleep(0.5)
            finally:
                inbox.close()
    finally:
        await pc.close()
        for player in (video_player, audio_player):
            for track in (player.audio, player.video):
                if track is not None:
                    track.stop()


async def one_cycle(stage: str, seeker: Seeker, media: tuple[Path, Path]) -> None:
    if stage == "signalling":
        await _socket_only(seeker)
        return
    if stage == "peer":
        await _peer_only(seeker, media)
        return
    outcome = await answer_once(seeker, media, ANSWER_S)
    assert outcome.accepted and outcome.stopped is not None and not outcome.stopped["partial"], outcome
    if stage in ("live", "full"):
        # Under load a live analysis can miss its deadline and go to the queue (no worker in
        # `live`): counted, not fatal, so a run on a busy machine still gives its memory figures.
        assert outcome.report_ready or outcome.analysis_delayed, outcome
        if not outcome.report_ready:
            DELAYED[0] += 1
    else:
        assert outcome.analysis_delayed, outcome
    if stage == "file" or (stage == "full" and outcome.analysis_delayed):
        assert outcome.answer_id is not None
        summary = await asyncio.to_thread(seeker.wait_analysed, outcome.session_id, outcome.answer_id)
        assert summary["status"] == "ready", summary


def run_cycles(stage: str, seekers: list[Seeker], media: tuple[Path, Path], count: int) -> None:
    async def one_seeker(seeker: Seeker, n: int) -> None:
        for _ in range(n):
            await one_cycle(stage, seeker, media)

    async def all_seekers() -> None:
        share = [count // len(seekers) + (i < count % len(seekers)) for i in range(len(seekers))]
        await asyncio.gather(*(one_seeker(s, n) for s, n in zip(seekers, share, strict=True)))

    asyncio.run(all_seekers())


def sample(server: LiveServer, process: psutil.Process, probe_out: Path | None, threads_at_most: int | None,
           smaps_to: Path | None = None) -> dict[str, Any]:
    """Usage once idle: waits (≤ 30 s) for the threads to come back to ``threads_at_most``."""
    deadline = time.monotonic() + 30
    while threads_at_most is not None and process.num_threads() > threads_at_most and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(1.0)
    row: dict[str, Any] = {"rss_mb": round(process.memory_info().rss / 2**20, 2),
                           "threads": process.num_threads(), "fds": process.num_fds(),
                           "load_1m": round(os.getloadavg()[0], 2)}
    if smaps_to is not None:
        text = soak_smaps.read(process.pid)
        smaps_to.write_text(text)
        row["smaps_mb"] = soak_smaps.coarse(soak_smaps.parse(text))
    if probe_out is not None:
        lines = probe_out.read_text().splitlines() if probe_out.exists() else []
        os.kill(process.pid, signal.SIGUSR1)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = probe_out.read_text().splitlines() if probe_out.exists() else []
            if len(now) > len(lines):
                row["probe"] = json.loads(now[-1])
                break
            time.sleep(0.2)
    return row


def slope(xs: list[float], ys: list[float]) -> float:
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", choices=sorted(STAGE_ENV), default="full")
    parser.add_argument("--cycles", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=16)
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--every", type=int, default=10)
    parser.add_argument("--probe", action="store_true")
    parser.add_argument("--trim", action="store_true")
    parser.add_argument("--smaps", action="store_true", help="save and diff the server's /proc/<pid>/smaps")
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for the server")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the server on the way out

    extra_env = dict(STAGE_ENV[args.stage])
    extra_env.update(dict(item.split("=", 1) for item in args.env))
    work = Path(tempfile.mkdtemp(prefix=f"bench-soak-{args.stage}-"))
    probe_out: Path | None = None
    if args.probe or args.trim:
        probe_out = work / "probe.jsonl"
        extra_env["PYTHONPATH"] = os.pathsep.join(
            [str(ROOT / "benchmarks" / "soak_probe"), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        extra_env["UNTACT_SOAK_PROBE_OUT"] = str(probe_out)
        if args.trim:
            extra_env["UNTACT_SOAK_PROBE_TRIM"] = "1"
    media = answer_media(ANSWER_S + 2)
    result: dict[str, Any] = {"stage": args.stage, "cycles": args.cycles, "warmup": args.warmup,
                              "parallel": args.parallel, "server_env": extra_env, "machine": machine(),
                              "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}
    server = start_live_server(work / "server", extra_env=extra_env)
    process = psutil.Process(server.process.pid)
    t0 = time.monotonic()
    try:
        seekers = [Seeker(server.base_url) for _ in range(args.parallel)]
        run_cycles(args.stage, seekers, media, args.warmup)
        smaps_at = (lambda cycle: work / f"smaps-{cycle}.txt") if args.smaps else (lambda cycle: None)
        base = sample(server, process, probe_out, None, smaps_at(0))
        samples = [{"cycle": 0, **base}]
        print(json.dumps(samples[-1]), file=sys.stderr, flush=True)
        done = 0
        while done < args.cycles:
            n = min(args.every, args.cycles - done)
            run_cycles(args.stage, seekers, media, n)
            done += n
            samples.append({"cycle": done, **sample(server, process, probe_out, base["threads"], smaps_at(done))})
            print(json.dumps(samples[-1]), file=sys.stderr, flush=True)
        for seeker in seekers:
            seeker.close()
    finally:
        stop_live_server(server)
    xs = [float(s["cycle"]) for s in samples]
    result["samples"] = samples
    result["seconds"] = round(time.monotonic() - t0, 1)
    result["rss_growth_mb"] = round(samples[-1]["rss_mb"] - samples[0]["rss_mb"], 2)
    result["rss_mb_per_cycle"] = round(slope(xs, [s["rss_mb"] for s in samples]), 4)
    if all("probe" in s for s in samples):
        for key in ("in_use_mb", "free_mb", "arena_mb", "mmap_mb"):
            result[f"{key}_per_cycle"] = round(slope(xs, [s["probe"][key] for s in samples]), 4)
    if args.smaps:
        first, last = (soak_smaps.parse((work / f"smaps-{c}.txt").read_text()) for c in (0, samples[-1]["cycle"]))
        result["smaps_dir"] = str(work)
        result["smaps_diff"] = soak_smaps.diff(first, last)
    result["live_reports_delayed"] = DELAYED[0]
    result["threads"] = (samples[0]["threads"], samples[-1]["threads"])
    result["fds"] = (samples[0]["fds"], samples[-1]["fds"])
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
