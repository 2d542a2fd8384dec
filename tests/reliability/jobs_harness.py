"""Real `untact worker` processes on a fresh PostgreSQL schema, for the job-queue tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
TEST_KINDS = "tests.reliability.job_kinds:job_handlers"


@pytest.fixture
def postgres_url(postgres_database: str) -> Iterator[str]:
    """A fresh schema on the real PostgreSQL server (the worker tests are PostgreSQL-only)."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_database, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield f"{postgres_database}?options=-csearch_path%3D{schema}"
    with psycopg.connect(postgres_database, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@dataclass
class WorkerProcess:
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, text: str, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if text in self.log():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"worker never logged {text!r}:\n{self.log()}")

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)


@dataclass
class WorkerPool:
    """Starts workers and makes sure every one of them is gone after the test."""

    database_url: str
    directory: Path
    env: dict[str, str] = field(default_factory=dict)
    started: list[WorkerProcess] = field(default_factory=list)

    def start(self, **extra_env: str) -> WorkerProcess:
        index = len(self.started)
        log_path = self.directory / f"worker-{index}.log"
        env = {
            **os.environ,
            "UNTACT_ENVIRONMENT": "test",
            "DATABASE_URL": self.database_url,
            "UNTACT_DATA_DIR": str(self.directory / "data"),
            "UNTACT_LOG_LEVEL": "INFO",
            "UNTACT_REDIS_URL": "",
            "UNTACT_JOB_HANDLER_MODULES": TEST_KINDS,
            **self.env,
            **extra_env,
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "worker"],
            cwd=PROJECT_ROOT, env=env, stdout=log_path.open("wb"), stderr=subprocess.STDOUT,
        )
        worker = WorkerProcess(process, log_path)
        self.started.append(worker)
        return worker

    def start_ready(self, **extra_env: str) -> WorkerProcess:
        worker = self.start(**extra_env)
        worker.wait_for_log("waiting for jobs")
        return worker

    def stop_all(self) -> None:
        for worker in self.started:
            if worker.process.poll() is None:
                worker.process.send_signal(signal.SIGKILL)
            worker.process.wait(timeout=30)


@pytest.fixture
def make_workers(postgres_url: str, tmp_path: Path) -> Iterator[Callable[..., WorkerPool]]:
    pools: list[WorkerPool] = []

    def factory(**env: str) -> WorkerPool:
        pool = WorkerPool(postgres_url, tmp_path, env)
        pools.append(pool)
        return pool

    yield factory
    for pool in pools:
        pool.stop_all()


def wait_until(predicate: Callable[[], bool], timeout_s: float, what: str) -> float:
    """Poll until true; the monotonic time it became true."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return time.monotonic()
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")


def log_lines(path: Path) -> list[list[str]]:
    if not path.exists():
        return []
    return [line.split() for line in path.read_text().splitlines() if line.strip()]
