"""Job kinds for the worker tests, loaded by real `untact worker` processes through
`UNTACT_JOB_HANDLER_MODULES=tests.reliability.job_kinds:job_handlers`.

Each kind appends a line to the file named in its payload, so a test can see which process
ran which job, and how often, without sharing memory with the worker."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

from server.jobs.queue import JobContext, JobHandler


def _note(payload: dict[str, Any], event: str) -> None:
    with open(payload["log"], "a", encoding="utf-8") as log:  # O_APPEND: one line per write
        log.write(f"{event} {payload.get('n', 0)} {os.getpid()} {time.time():.6f}\n")


def hold_until_released(_context: JobContext, payload: dict[str, Any]) -> None:
    """Runs while the hold file exists: the test decides when the job ends."""
    _note(payload, "start")
    hold = Path(payload["hold"])
    deadline = time.monotonic() + float(payload.get("max_s", 120))
    while hold.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    _note(payload, "end")


def kill_own_worker(_context: JobContext, payload: dict[str, Any]) -> None:
    """A job that crashes its worker every time (as an out-of-memory kill would)."""
    _note(payload, "start")
    os.kill(os.getpid(), signal.SIGKILL)


def record_run(_context: JobContext, payload: dict[str, Any]) -> None:
    """A short job for concurrency and throughput: note the start, sleep a fixed time."""
    _note(payload, "start")
    time.sleep(float(payload.get("sleep_s", 0)))


def job_handlers() -> dict[str, JobHandler]:
    return {
        "test_hold_until_released": hold_until_released,
        "test_kill_own_worker": kill_own_worker,
        "test_record_run": record_run,
    }
