"""The job queue on PostgreSQL with real `untact worker` processes.

1. Enqueue-to-start latency: one idle worker, one job at a time (spaced by a random gap so
   the poll phase is uniform), the time from the enqueuing commit to the handler's first line.
   Without Redis the worker finds a job on its next poll (`UNTACT_JOB_POLL_INTERVAL_S`, 1 s);
   with Redis the commit's wake-up starts it. p50/p95/max for both, and their ratio.
2. Throughput: M jobs queued in one commit while 1, 2 or 4 idle workers wait (Redis on), the
   time until the last is done. Two job sizes: a fixed 50 ms sleep (I/O-like: shows how the
   queue scales when the work does not need the CPU), and empty jobs (the queue's own
   overhead per job: claim, run, finish). Ratios against 1 worker, in the same run.

The job kind is `test_record_run` from `tests/reliability/job_kinds.py` (loaded with
`UNTACT_JOB_HANDLER_MODULES`): it appends "start n pid unix_time" to a file, then sleeps.

Usage: .venv/bin/python benchmarks/bench_jobs.py [--samples 40] [--jobs 200] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.core.db import make_engine, make_sessionmaker, migrate, session_scope  # noqa: E402
from server.jobs.queue import WAKEUP_KEY, JobNotifier, WakeupChannel, enqueue  # noqa: E402
from server.models import Job  # noqa: E402

POSTGRES_URL = os.environ.get("UNTACT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("UNTACT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
KINDS = "tests.reliability.job_kinds:job_handlers"


def machine() -> dict[str, Any]:
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), platform.processor())
    return {"cpu": cpu, "cores": psutil.cpu_count(), "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "load_1m": round(psutil.getloadavg()[0], 2)}


class Workers:
    def __init__(self, database_url: str, directory: Path) -> None:
        self.database_url = database_url
        self.directory = directory
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, count: int, *, redis: bool, poll_s: float = 1.0) -> None:
        logs = []
        for index in range(count):
            log = self.directory / f"worker-{len(self.processes)}-{index}.log"
            env = {**os.environ, "UNTACT_ENVIRONMENT": "test", "DATABASE_URL": self.database_url,
                   "UNTACT_DATA_DIR": str(self.directory / "data"), "UNTACT_LOG_LEVEL": "WARNING",
                   "UNTACT_REDIS_URL": REDIS_URL if redis else "", "UNTACT_JOB_POLL_INTERVAL_S": str(poll_s),
                   "UNTACT_JOB_HANDLER_MODULES": KINDS}
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "server.cli", "worker"], cwd=ROOT, env=env,
                stdout=log.open("wb"), stderr=subprocess.STDOUT))
            logs.append(log)
        deadline = time.monotonic() + 120
        while not all("waiting for jobs" in log.read_text(errors="replace") for log in logs):
            if time.monotonic() > deadline:
                raise RuntimeError("workers did not start")
            time.sleep(0.1)
        time.sleep(1.5)  # past their first empty claim: now waiting (poll or wake-up)

    def stop(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            if process.wait(timeout=60) != 0:
                raise RuntimeError(f"worker exited with {process.returncode}")
        self.processes.clear()


def starts(path: Path) -> dict[int, float]:
    if not path.exists():
        return {}
    out: dict[int, float] = {}
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0] == "start":
            out[int(parts[1])] = float(parts[3])
    return out


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"p50_ms": round(1000 * statistics.median(ordered), 1),
            "p95_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
            "max_ms": round(1000 * ordered[-1], 1)}


def latency(factory, workers: Workers, directory: Path, *, redis: bool, samples: int) -> dict[str, float]:
    log = directory / f"latency-{'redis' if redis else 'poll'}.log"
    workers.start(1, redis=redis)
    delays = []
    rng = random.Random(7)
    for n in range(samples):
        time.sleep(rng.uniform(0.0, 1.0))
        with session_scope(factory) as db:
            enqueue(db, "test_record_run", {"log": str(log), "n": n})
        committed = time.time()
        deadline = time.monotonic() + 30
        while n not in (seen := starts(log)):
            if time.monotonic() > deadline:
                raise RuntimeError("job did not start")
            time.sleep(0.002)
        delays.append(seen[n] - committed)
    workers.stop()
    return percentiles(delays)


def throughput(factory, workers: Workers, directory: Path, *, count: int, jobs: int, sleep_s: float) -> dict[str, float]:
    log = directory / f"throughput-{count}-{sleep_s}.log"
    workers.start(count, redis=True)
    with session_scope(factory) as db:
        db.query(Job).delete()
    with session_scope(factory) as db:
        for n in range(jobs):
            enqueue(db, "test_record_run", {"log": str(log), "n": n, "sleep_s": sleep_s})
    began = time.monotonic()
    while True:
        with factory() as db:
            done = db.query(Job).filter(Job.status == "done").count()
        if done == jobs:
            break
        time.sleep(0.05)
    elapsed = time.monotonic() - began
    ran = starts(log)
    assert sorted(ran) == list(range(jobs)), "a job ran twice or not at all"
    pids = len({line.split()[2] for line in log.read_text().splitlines()})
    workers.stop()
    return {"workers": count, "jobs": jobs, "seconds": round(elapsed, 2), "jobs_per_s": round(jobs / elapsed, 1),
            "workers_that_ran_jobs": pids}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    import psycopg
    import redis

    redis.Redis.from_url(REDIS_URL).delete(WAKEUP_KEY)
    name = f"untact_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
        pg_version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    database_url = f"{POSTGRES_URL.rpartition('/')[0]}/{name}"
    engine = make_engine(database_url)
    migrate(engine)
    factory = make_sessionmaker(engine)
    notifier = JobNotifier(WakeupChannel(REDIS_URL))
    notifier.install(factory)  # the app's path: wake-ups after the enqueuing commit
    notifier.start()
    results: dict[str, Any] = {"machine": {**machine(), "postgres": pg_version,
                                           "redis": redis.Redis.from_url(REDIS_URL).info()["redis_version"]}}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            directory = Path(tmp)
            workers = Workers(database_url, directory)
            try:
                results["latency_poll_1s"] = latency(factory, workers, directory, redis=False, samples=args.samples)
                print("latency without Redis (poll 1 s):", results["latency_poll_1s"], flush=True)
                results["latency_redis"] = latency(factory, workers, directory, redis=True, samples=args.samples)
                print("latency with Redis wake-ups:", results["latency_redis"], flush=True)
                results["latency_ratio_p50"] = round(
                    results["latency_poll_1s"]["p50_ms"] / max(results["latency_redis"]["p50_ms"], 0.1), 1)
                for sleep_s in (0.05, 0.0):
                    rows = []
                    for count in (1, 2, 4):
                        row = throughput(factory, workers, directory, count=count, jobs=args.jobs, sleep_s=sleep_s)
                        rows.append(row)
                        print(f"throughput, {sleep_s * 1000:g} ms jobs:", row, flush=True)
                    for row in rows:
                        row["ratio_vs_1"] = round(row["jobs_per_s"] / rows[0]["jobs_per_s"], 2)
                    results[f"throughput_{int(sleep_s * 1000)}ms"] = rows
            finally:
                for process in workers.processes:
                    process.kill()
        results["machine"]["load_1m_after"] = round(psutil.getloadavg()[0], 2)
    finally:
        notifier.close()
        engine.dispose()
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
