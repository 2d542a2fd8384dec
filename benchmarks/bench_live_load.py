"""Live practice answers under load: how many answers this node records whole at once.

The real server (`untact serve`, embedded defaults, in-process analysis) runs in its own process;
N aiortc seekers in this process answer at the same time (face video + espeak speech, encoded to
VP8 + Opus as a browser would). For each level N it reports, per answer, whether it was accepted
or refused with `server_busy`, what the recording lost (holes in its media timestamps, packets
that do not decode; see tests/reliability/live_seeker.py), whether it was analysed live, and how
long after the stop its report came.

--pin keeps the clients off the server's core (server on CPU 0, clients on the others, as
bench_relay.py --pin does): on this 2-core machine the server then has one core, so capacity
found with --pin is a lower bound for a node whose clients are elsewhere.
--max-live-answers / --max-live-analyses override the node's settings (default: the shipped
defaults); use a large --max-live-answers to see what happens with no admission control.

Usage: .venv/bin/python benchmarks/bench_live_load.py [--levels 2,4,6,8] [--seconds 20] [--pin]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.liveserver import start_live_server, stop_live_server  # noqa: E402
from tests.reliability.live_seeker import (  # noqa: E402
    VIDEO_FPS,
    Seeker,
    answer_media,
    answer_once,
    check_recording,
    recording_path,
)


def machine() -> dict[str, Any]:
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), platform.processor())
    return {"cpu": cpu, "cores": psutil.cpu_count(), "python": platform.python_version(),
            "load_1m_before": round(os.getloadavg()[0], 2)}


def pin_process_threads(pid: int, cpus: set[int]) -> None:
    """Pin every thread of a running process (new threads inherit their creator's mask)."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            os.sched_setaffinity(int(task.name), cpus)
        except OSError:
            pass


async def run_level(seekers: list[Seeker], media: tuple[Path, Path], seconds: float, data_dir: Path) -> dict[str, Any]:
    go = asyncio.Event()
    connected: list[int] = []
    tasks = [asyncio.ensure_future(answer_once(s, media, seconds, go=go, connected_peers=connected)) for s in seekers]
    deadline = time.monotonic() + 120
    while len(connected) < len(seekers) and time.monotonic() < deadline and not any(t.done() for t in tasks):  # noqa: ASYNC110
        await asyncio.sleep(0.2)
    go.set()  # everyone connected: all start answering at once
    outcomes = await asyncio.gather(*tasks)
    answers = []
    for seeker, outcome in zip(seekers, outcomes, strict=True):
        row: dict[str, Any] = {"accepted": outcome.accepted, "busy": bool(outcome.busy)}
        if outcome.busy:
            row["retry_after_s"] = outcome.busy.get("retry_after_s")
        if outcome.accepted:
            assert outcome.answer_id is not None and outcome.stopped is not None
            check = check_recording(recording_path(data_dir, outcome.answer_id))
            summary = seeker.answer_summary(outcome.session_id, outcome.answer_id)
            row.update({
                "answer_wall_s": outcome.answer_wall_s,
                "client_sent_s": round(outcome.client_sent_frames / VIDEO_FPS, 2),
                "recorded_s": outcome.stopped["duration_s"], "partial": outcome.stopped["partial"],
                "lost_video_s": check.lost_video_s, "lost_audio_s": check.lost_audio_s,
                "rejected_packets": check.rejected_packets, "video_packets": check.video_packets,
                "live_analysis": bool(outcome.started and outcome.started.get("live_analysis", True)),
                "report_after_stop_s": outcome.report_after_stop_s, "status": summary["status"],
            })
        answers.append(row)
    accepted = [a for a in answers if a["accepted"]]
    return {
        "seekers": len(seekers),
        "accepted": len(accepted),
        "busy": sum(a["busy"] for a in answers),
        "max_client_lag_s": max((round(a["answer_wall_s"] - a["client_sent_s"], 2) for a in accepted), default=0.0),
        "min_recorded_minus_client_sent_s": min(
            (round(a["video_packets"] / VIDEO_FPS - a["client_sent_s"], 2) for a in accepted), default=0.0),
        "max_lost_video_s": max((a["lost_video_s"] for a in accepted), default=0.0),
        "max_lost_audio_s": max((a["lost_audio_s"] for a in accepted), default=0.0),
        "rejected_packets": sum(a["rejected_packets"] for a in accepted),
        "live_analysed": sum(a["live_analysis"] for a in accepted),
        "report_after_stop_s_p50": statistics.median([a["report_after_stop_s"] for a in accepted]) if accepted else None,
        "report_after_stop_s_max": max((a["report_after_stop_s"] for a in accepted), default=None),
        "load_1m": round(os.getloadavg()[0], 2),
        "answers": answers,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="2,4,6,8")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--pin", action="store_true")
    parser.add_argument("--size", default="320x240", help="the seekers' video size (the issue's run: 640x480)")
    parser.add_argument("--max-live-answers", type=int, default=None)
    parser.add_argument("--max-live-analyses", type=int, default=None)
    args = parser.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    env: dict[str, str] = {}
    if args.max_live_answers is not None:
        env["UNTACT_MAX_LIVE_ANSWERS"] = str(args.max_live_answers)
    if args.max_live_analyses is not None:
        env["UNTACT_MAX_LIVE_ANALYSES"] = str(args.max_live_analyses)
    out: dict[str, Any] = {"machine": machine(), "args": vars(args), "levels": []}
    with tempfile.TemporaryDirectory() as tmp:
        width, height = (int(v) for v in args.size.split("x"))
        media = answer_media(args.seconds, size=(width, height))
        server = start_live_server(Path(tmp) / "server", extra_env=env)
        try:
            if args.pin and len(cpus) >= 2:
                pin_process_threads(server.process.pid, {cpus[0]})
                os.sched_setaffinity(0, set(cpus[1:]))
            warm = Seeker(server.base_url)
            asyncio.run(answer_once(warm, media, 3))  # models loaded, first peer
            for n in [int(x) for x in args.levels.split(",")]:
                seekers = [Seeker(server.base_url) for _ in range(n)]
                level = asyncio.run(run_level(seekers, media, args.seconds, server.data_dir))
                out["levels"].append(level)
                print(json.dumps({k: v for k, v in level.items() if k != "answers"}), flush=True)
                for s in seekers:
                    s.close()
        finally:
            stop_live_server(server)
            log_lines = [line for line in server.log_path.read_text(errors="replace").splitlines()
                         if "answer recorded" in line or "fell behind" in line or "at capacity" in line]
            out["server_log_answers"] = log_lines[-40:]
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
