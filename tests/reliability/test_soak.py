"""Soak: 100 practice answer cycles against the live server leave its memory, open files and
threads where they were after warm-up.

Each cycle is what a seeker's browser does: open the signalling socket, connect a WebRTC peer,
record a short answer, stop, wait for the report, hang up. Two seekers take turns in parallel.
The server's resident memory may grow by at most 10 MB over the 100 cycles after warm-up
(allocator noise; a leak of a peer, recorder or analysis per cycle grows much faster), and its
open file descriptors and threads come back to the warm-up baseline once it is idle again.
"""

from __future__ import annotations

import asyncio
import collections
import gc
import os
import time
from pathlib import Path

import psutil
import pytest

from tests.liveserver import start_live_server, stop_live_server
from tests.reliability import smaps
from tests.reliability.live_seeker import Seeker, answer_media, answer_once

pytestmark = [pytest.mark.media, pytest.mark.model, pytest.mark.timeout(1200)]

WARMUP_CYCLES = 16
SOAK_CYCLES = 100
PARALLEL = 2
ANSWER_S = 1.0
MAX_RSS_GROWTH_MB = 10.0


def _cycles(seekers: list[Seeker], media: tuple[Path, Path], count: int) -> None:
    async def one_seeker(seeker: Seeker, n: int) -> None:
        for _ in range(n):
            outcome = await answer_once(seeker, media, ANSWER_S)
            assert outcome.accepted and (outcome.report_ready or outcome.analysis_delayed), outcome
            assert outcome.stopped is not None and not outcome.stopped["partial"], outcome

    async def all_seekers() -> None:
        share = [count // len(seekers) + (i < count % len(seekers)) for i in range(len(seekers))]
        await asyncio.gather(*(one_seeker(s, n) for s, n in zip(seekers, share, strict=True)))

    asyncio.run(all_seekers())
    gc.collect()


def _fd_targets(pid: int) -> collections.Counter[str]:
    """What each open descriptor is (a path, ``socket:[…]``, ``pipe:[…]``, ``anon_inode:…``)."""
    targets: collections.Counter[str] = collections.Counter()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:  # closed meanwhile
            continue
        targets[target.split("[")[0] if target.startswith(("socket:", "pipe:")) else target] += 1
    return targets


def _idle_usage(process: psutil.Process, threads_at_most: int | None = None) -> tuple[float, int, int]:
    """(RSS MB, fds, threads) once the server is idle: the last answer's threads have ended."""
    deadline = time.monotonic() + 30
    while True:
        threads = process.num_threads()
        if threads_at_most is None or threads <= threads_at_most or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    time.sleep(1.0)
    return process.memory_info().rss / 2**20, process.num_fds(), process.num_threads()


@pytest.mark.xfail(
    # Not strict: since the allocator fix this passes on some runs (1 of 3 on 2026-12-08), and a
    # strict xfail that passes fails CI, so a strict marker would make the suite flaky. Remove the
    # marker (the goal) once the fds and the load-dependent RSS below are fixed at their cause.
    strict=False,
    reason="open (issue 10, Reliability 6; docs/benchmarks.md 'Memory per answer cycle', 2026-12-08): "
    "RSS per cycle fixed (non-main malloc arenas' free tops; fixed glibc thresholds at untact serve start): "
    "a quiet run passed, the next held RSS (+7.2 MB) but failed on fds 26 -> 29 (untact.db opened twice "
    "more: SQLite pool connections opened after warm-up?); a run at load 10-13 grew RSS +32.8 MB.",
)
def test_a_hundred_answer_cycles_leave_memory_fds_and_threads_at_baseline(tmp_path: Path) -> None:
    media = answer_media(ANSWER_S + 2)
    server = start_live_server(tmp_path / "server")
    process = psutil.Process(server.process.pid)
    try:
        seekers = [Seeker(server.base_url) for _ in range(PARALLEL)]
        _cycles(seekers, media, WARMUP_CYCLES)
        base_rss, base_fds, base_threads = _idle_usage(process)
        base_maps, base_fd_targets = smaps.parse(smaps.read(process.pid)), _fd_targets(process.pid)
        _cycles(seekers, media, SOAK_CYCLES)
        rss, fds, threads = _idle_usage(process, threads_at_most=base_threads)
        growth = rss - base_rss
        # Where it went, for the failure messages: RSS per kind of mapping, and the descriptors
        # opened since (by kind for sockets and pipes).
        where = smaps.diff(base_maps, smaps.parse(smaps.read(process.pid)), top=5)["classes"]
        new_fds = dict(_fd_targets(process.pid) - base_fd_targets)
        print(f"soak: RSS {base_rss:.1f} -> {rss:.1f} MB, fds {base_fds} -> {fds}, threads {base_threads} -> {threads}; {where}")
        assert fds <= base_fds, (base_fds, fds, new_fds, f"RSS +{growth:.1f} MB", where)
        assert threads <= base_threads, (base_threads, threads, f"RSS +{growth:.1f} MB", where)
        assert growth <= MAX_RSS_GROWTH_MB, f"RSS grew {growth:.1f} MB over {SOAK_CYCLES} cycles: {where}"
        for seeker in seekers:
            seeker.close()
    finally:
        stop_live_server(server)
