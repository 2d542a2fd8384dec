"""Real `untact worker` processes on PostgreSQL: SIGKILL, SIGTERM, a job that kills its
worker every time, concurrent claims, and Redis wake-ups.

The job kinds come from `tests/reliability/job_kinds.py` (loaded through the
`UNTACT_JOB_HANDLER_MODULES` setting); each run appends a line naming the worker's pid."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from server.core.db import make_engine, make_sessionmaker, migrate, session_scope, utcnow
from server.jobs.queue import WAKEUP_KEY, JobNotifier, WakeupChannel, enqueue
from server.models import Job
from tests.reliability.jobs_harness import (  # noqa: F401 (fixtures)
    log_lines,
    make_workers,
    postgres_url,
    wait_until,
)

pytestmark = [pytest.mark.postgres]

LEASE_S = 3.0


@pytest.fixture
def factory(postgres_url: str):  # noqa: F811
    engine = make_engine(postgres_url)
    migrate(engine)  # once, before several workers start on the same schema
    yield make_sessionmaker(engine)
    engine.dispose()


def _job(factory, job_id: int) -> Job:
    with factory() as db:
        job = db.get(Job, job_id)
        assert job is not None
        return job


def _enqueue(factory, kind: str, payload: dict, *, max_attempts: int = 3) -> int:
    with session_scope(factory) as db:
        return enqueue(db, kind, payload, max_attempts=max_attempts).id


def _pid_of(job: Job) -> int:
    assert job.locked_by is not None
    return int(job.locked_by.split(":")[1])


def test_a_sigkilled_workers_job_is_reclaimed_within_the_lease(factory, make_workers, tmp_path: Path) -> None:  # noqa: F811
    pool = make_workers(UNTACT_JOB_LEASE_S=str(LEASE_S), UNTACT_JOB_POLL_INTERVAL_S="0.2")
    hold, runs = tmp_path / "hold", tmp_path / "runs.log"
    hold.touch()
    first = pool.start_ready()
    job_id = _enqueue(factory, "test_hold_until_released", {"hold": str(hold), "log": str(runs)})
    wait_until(lambda: _job(factory, job_id).status == "running", 30, "the first worker to start the job")
    assert _pid_of(_job(factory, job_id)) == first.process.pid
    second = pool.start_ready()

    # Over two full leases the heartbeat keeps the job with its (alive) first worker.
    time.sleep(2 * LEASE_S + 0.5)
    job = _job(factory, job_id)
    assert job.status == "running" and _pid_of(job) == first.process.pid and job.attempts == 1
    assert job.lease_until is not None and job.lease_until > utcnow()
    assert [line[0] for line in log_lines(runs)] == ["start"]

    first.signal(signal.SIGKILL)
    killed = time.monotonic()
    first.process.wait(timeout=10)
    hold.unlink()  # the second run ends as soon as it starts
    done = wait_until(lambda: _job(factory, job_id).status == "done", LEASE_S + 30, "the job to be reclaimed")
    assert done - killed <= LEASE_S + 5, f"reclaimed {done - killed:.1f} s after the kill"
    job = _job(factory, job_id)
    assert job.attempts == 2 and job.locked_by is None
    starts = [int(line[2]) for line in log_lines(runs) if line[0] == "start"]
    assert starts == [first.process.pid, second.process.pid]


def test_sigterm_lets_the_running_job_finish_takes_no_new_one_and_exits_0(
    factory, make_workers, tmp_path: Path  # noqa: F811
) -> None:
    pool = make_workers(UNTACT_JOB_LEASE_S=str(LEASE_S), UNTACT_JOB_SHUTDOWN_GRACE_S="60")
    hold, runs = tmp_path / "hold", tmp_path / "runs.log"
    hold.touch()
    worker = pool.start_ready()
    running = _enqueue(factory, "test_hold_until_released", {"hold": str(hold), "log": str(runs)})
    wait_until(lambda: _job(factory, running).status == "running", 30, "the job to start")
    waiting = _enqueue(factory, "test_record_run", {"log": str(runs), "n": 2})

    worker.signal(signal.SIGTERM)
    worker.wait_for_log(f"finishing job {running}")  # the signal arrived while the job ran
    hold.unlink()
    assert worker.process.wait(timeout=60) == 0
    job = _job(factory, running)
    assert job.status == "done" and job.attempts == 1
    later = _job(factory, waiting)
    assert later.status == "queued" and later.attempts == 0  # not started after SIGTERM
    assert [line[0] for line in log_lines(runs)] == ["start", "end"]


def test_sigterm_past_the_grace_period_hands_the_job_back_uncounted(
    factory, make_workers, tmp_path: Path  # noqa: F811
) -> None:
    pool = make_workers(UNTACT_JOB_LEASE_S="60", UNTACT_JOB_SHUTDOWN_GRACE_S="1", UNTACT_JOB_POLL_INTERVAL_S="0.2")
    hold, runs = tmp_path / "hold", tmp_path / "runs.log"
    hold.touch()
    worker = pool.start_ready()
    job_id = _enqueue(factory, "test_hold_until_released", {"hold": str(hold), "log": str(runs)})
    wait_until(lambda: _job(factory, job_id).status == "running", 30, "the job to start")

    worker.signal(signal.SIGTERM)
    assert worker.process.wait(timeout=60) == 0
    assert f"job {job_id} handed back" in worker.log()
    job = _job(factory, job_id)
    # Back in the queue at once (no 60 s lease to wait out), and the attempt is not counted.
    assert job.status == "queued" and job.attempts == 0 and job.locked_by is None

    hold.unlink()
    pool.start_ready()
    wait_until(lambda: _job(factory, job_id).status == "done", 60, "another worker to run it")
    assert _job(factory, job_id).attempts == 1


def test_a_job_that_kills_its_worker_every_time_fails_after_max_attempts(
    factory, make_workers, tmp_path: Path  # noqa: F811
) -> None:
    pool = make_workers(UNTACT_JOB_LEASE_S="2", UNTACT_JOB_POLL_INTERVAL_S="0.2")
    runs = tmp_path / "runs.log"
    job_id = _enqueue(factory, "test_kill_own_worker", {"log": str(runs)}, max_attempts=3)
    survivor = None
    for _ in range(6):  # a supervisor restarting the worker, as Docker's restart policy does
        worker = pool.start()
        wait_until(
            lambda worker=worker: worker.process.poll() is not None or _job(factory, job_id).status == "failed",
            90, "the worker to die or the job to fail",
        )
        if _job(factory, job_id).status == "failed":
            survivor = worker
            break
        assert worker.process.returncode == -signal.SIGKILL
    job = _job(factory, job_id)
    assert job.status == "failed" and job.attempts == 3 and job.last_error_code == "worker_lost"
    assert [line[0] for line in log_lines(runs)] == ["start"] * 3  # three runs, not a fourth
    assert survivor is not None and survivor.process.poll() is None  # the next worker lives on


def test_concurrent_workers_run_each_job_exactly_once(factory, make_workers, tmp_path: Path) -> None:  # noqa: F811
    pool = make_workers(UNTACT_JOB_POLL_INTERVAL_S="0.1")
    runs = tmp_path / "runs.log"
    workers = [pool.start() for _ in range(4)]
    for worker in workers:
        worker.wait_for_log("waiting for jobs")
    jobs = 200
    with session_scope(factory) as db:
        ids = [enqueue(db, "test_record_run", {"log": str(runs), "n": n, "sleep_s": 0.01}).id for n in range(jobs)]
    wait_until(lambda: _count_done(factory) == jobs, 120, "all jobs to finish")
    ran = [int(line[1]) for line in log_lines(runs) if line[0] == "start"]
    assert sorted(ran) == list(range(jobs))  # every job ran, none twice
    with factory() as db:
        assert set(db.scalars(select(Job.attempts).where(Job.id.in_(ids)))) == {1}
    pids = {int(line[2]) for line in log_lines(runs)}
    assert len(pids) >= 2, "the workers did not compete for jobs"


def _count_done(factory) -> int:
    with factory() as db:
        return len(db.scalars(select(Job.id).where(Job.status == "done")).all())


def test_redis_wakes_a_worker_process_long_before_its_poll(factory, make_workers, tmp_path: Path) -> None:  # noqa: F811
    import redis

    url = "redis://127.0.0.1:6379/14"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).delete(WAKEUP_KEY)
    except redis.RedisError as exc:
        pytest.fail(f"Redis unreachable at {url}: {exc}")
    pool = make_workers(UNTACT_REDIS_URL=url, UNTACT_JOB_POLL_INTERVAL_S="30")
    runs = tmp_path / "runs.log"
    pool.start_ready()
    time.sleep(1.0)  # the worker has found nothing and waits for a wake-up (or its 30 s poll)
    notifier = JobNotifier(WakeupChannel(url))
    notifier.install(factory)
    notifier.start()
    try:
        with session_scope(factory) as db:
            enqueue(db, "test_record_run", {"log": str(runs)})
        committed = time.time()
        wait_until(lambda: bool(log_lines(runs)), 25, "the worker to start the job")
    finally:
        notifier.close()
    started = float(log_lines(runs)[0][3])
    assert started - committed < 5, f"started {started - committed:.2f} s after the commit (poll is 30 s)"


def test_stopping_the_server_hands_back_its_in_process_workers_job(factory, postgres_url: str, tmp_path: Path) -> None:  # noqa: F811
    from tests.liveserver import start_live_server

    hold, runs = tmp_path / "hold", tmp_path / "runs.log"
    hold.touch()
    server = start_live_server(tmp_path / "server", {
        "DATABASE_URL": postgres_url, "UNTACT_JOB_HANDLER_MODULES": "tests.reliability.job_kinds:job_handlers",
        "UNTACT_JOB_SHUTDOWN_GRACE_S": "1", "UNTACT_JOB_POLL_INTERVAL_S": "0.2", "UNTACT_PREWARM_MODELS": "false",
    })
    try:
        job_id = _enqueue(factory, "test_hold_until_released", {"hold": str(hold), "log": str(runs)})
        wait_until(lambda: _job(factory, job_id).status == "running", 30, "the server's worker to start the job")
        server.process.send_signal(signal.SIGTERM)  # what `docker stop` sends
        assert server.process.wait(timeout=60) == 0
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()
    job = _job(factory, job_id)
    assert job.status == "queued" and job.attempts == 0 and job.locked_by is None, server.log()[-2000:]
