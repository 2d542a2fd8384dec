"""The durable job queue: runs jobs, retries retryable failures, survives a dead worker."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from server.core.db import make_engine, make_sessionmaker, migrate, session_scope, utcnow
from server.jobs.queue import WAKEUP_KEY, JobFailed, JobNotifier, JobWorker, WakeupChannel, enqueue
from server.models import Job

pytestmark = pytest.mark.unit


@pytest.fixture
def factory(database_url: str):
    engine = make_engine(database_url)
    migrate(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


def _job(factory, job_id: int) -> Job:
    with factory() as db:
        job = db.get(Job, job_id)
        assert job is not None
        return job


def test_a_queued_job_runs_once_and_is_marked_done(factory) -> None:
    seen: list[dict] = []
    with session_scope(factory) as db:
        job_id = enqueue(db, "greet", {"name": "지수"}).id
    worker = JobWorker(factory, {"greet": lambda ctx, payload: seen.append(payload)})
    assert worker.run_once() is True
    assert worker.run_once() is False
    assert seen == [{"name": "지수"}]
    job = _job(factory, job_id)
    assert job.status == "done" and job.attempts == 1 and job.finished_at is not None


def test_retryable_failures_are_retried_then_give_up(factory) -> None:
    calls = 0

    def flaky(ctx, payload) -> None:
        nonlocal calls
        calls += 1
        raise JobFailed("model_busy", "try later", retryable=True)

    with session_scope(factory) as db:
        job_id = enqueue(db, "flaky", {}, max_attempts=2).id
    worker = JobWorker(factory, {"flaky": flaky}, retry_backoff_s=0)
    assert worker.run_once()
    first = _job(factory, job_id)
    assert first.status == "queued" and first.last_error_code == "model_busy"
    assert worker.run_once()
    final = _job(factory, job_id)
    assert final.status == "failed" and final.attempts == 2 and calls == 2


def test_non_retryable_failures_fail_at_once(factory) -> None:
    def broken(ctx, payload) -> None:
        raise JobFailed("corrupt_media", "the file cannot be decoded", retryable=False)

    with session_scope(factory) as db:
        job_id = enqueue(db, "broken", {}).id
    JobWorker(factory, {"broken": broken}).run_once()
    job = _job(factory, job_id)
    assert job.status == "failed" and job.attempts == 1 and job.last_error_code == "corrupt_media"


def test_a_job_left_running_by_a_dead_worker_is_claimed_again(factory) -> None:
    with session_scope(factory) as db:
        job_id = enqueue(db, "work", {}).id
    dead = JobWorker(factory, {"work": lambda c, p: None}, lease_s=60)
    assert dead.claim() is not None  # claimed, then the process "dies"
    survivor = JobWorker(factory, {"work": lambda c, p: None}, lease_s=60)
    assert survivor.claim() is None  # lease still valid
    with session_scope(factory) as db:
        db.execute(update(Job).where(Job.id == job_id).values(lease_until=utcnow() - timedelta(seconds=1)))
    assert survivor.run_once() is True
    job = _job(factory, job_id)
    assert job.status == "done" and job.attempts == 2


def test_jobs_of_unknown_kinds_are_left_for_other_workers(factory) -> None:
    with session_scope(factory) as db:
        enqueue(db, "analysis", {})
    assert JobWorker(factory, {"greet": lambda c, p: None}).run_once() is False
    with factory() as db:
        assert db.scalar(select(Job.status)) == "queued"


def test_background_worker_is_woken_through_redis_after_the_enqueue_commits(factory) -> None:
    import redis

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).delete(WAKEUP_KEY)
    except redis.RedisError as exc:
        pytest.skip(f"Redis unreachable: {exc}")
    done: list[tuple[int, float]] = []
    worker = JobWorker(
        factory, {"ping": lambda c, p: done.append((p["n"], time.monotonic()))},
        poll_interval_s=30, wakeup=WakeupChannel(url),
    )
    notifier = JobNotifier(WakeupChannel(url))
    notifier.install(factory)
    notifier.start()
    worker.start()
    try:
        time.sleep(0.5)  # the worker is now blocked waiting for a wake-up, not polling
        with session_scope(factory) as db:
            enqueue(db, "ping", {"n": 7})  # no explicit notify: the commit wakes the worker
        committed = time.monotonic()
        deadline = committed + 10  # far under the 30 s poll: only the wake-up explains it
        while not done and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [n for n, _ in done] == [7]
        assert done[0][1] - committed < 5
    finally:
        worker.close()
        worker.close()  # closing twice is safe
        notifier.close()


def test_wakeups_fire_after_commit_when_the_job_is_visible_and_never_on_rollback(factory) -> None:
    seen_at_wakeup: list[int] = []

    def kick() -> None:  # runs at the wake-up: can another session already see the job?
        with factory() as other:
            seen_at_wakeup.append(len(other.scalars(select(Job.id).where(Job.kind == "visible")).all()))

    notifier = JobNotifier()
    notifier.add_local(kick)
    notifier.install(factory)
    try:
        with session_scope(factory) as db:
            enqueue(db, "visible", {})
            enqueue(db, "visible", {})
            db.flush()
            assert seen_at_wakeup == []  # not before the commit
        assert seen_at_wakeup == [2]
        with pytest.raises(RuntimeError), session_scope(factory) as db:
            enqueue(db, "visible", {})
            raise RuntimeError("the request failed")
        with session_scope(factory) as db:
            db.execute(select(Job.id))  # a later commit without jobs wakes nobody
        assert seen_at_wakeup == [2]
    finally:
        notifier.close()


def test_the_heartbeat_extends_the_lease_of_a_long_job(factory) -> None:
    release = threading.Event()
    with session_scope(factory) as db:
        job_id = enqueue(db, "long", {}).id
    worker = JobWorker(factory, {"long": lambda c, p: release.wait(30)}, lease_s=3, poll_interval_s=0.1)
    worker.start()
    try:
        deadline = time.monotonic() + 20
        while _job(factory, job_id).status != "running" and time.monotonic() < deadline:
            time.sleep(0.05)
        first_lease = _job(factory, job_id).lease_until
        assert first_lease is not None
        time.sleep(4.0)  # longer than the lease: only the heartbeat keeps the job
        job = _job(factory, job_id)
        assert job.status == "running" and job.lease_until is not None and job.lease_until > first_lease
        assert JobWorker(factory, {"long": lambda c, p: None}, lease_s=3).claim() is None  # not taken over
    finally:
        release.set()
        worker.close()
    job = _job(factory, job_id)
    assert job.status == "done" and job.attempts == 1


def test_a_take_over_counts_an_attempt_and_the_last_one_fails_the_job(factory) -> None:
    failed: list[tuple[dict, str]] = []
    with session_scope(factory) as db:
        job_id = enqueue(db, "crashy", {"answer_id": 5}, max_attempts=2).id
    handlers = {"crashy": lambda c, p: None}
    for attempt in (1, 2):
        assert JobWorker(factory, handlers).claim() is not None  # then the worker "dies"
        assert _job(factory, job_id).attempts == attempt
        with session_scope(factory) as db:
            db.execute(update(Job).where(Job.id == job_id).values(lease_until=utcnow() - timedelta(seconds=1)))
    worker = JobWorker(factory, handlers, failure_handlers={"crashy": lambda c, p, code: failed.append((p, code))})
    assert worker.run_once() is False  # not a third run
    job = _job(factory, job_id)
    assert job.status == "failed" and job.attempts == 2 and job.last_error_code == "worker_lost"
    assert failed == [({"answer_id": 5}, "worker_lost")]


def test_final_failures_call_the_kinds_failure_handler_once(factory) -> None:
    failed: list[str] = []

    def broken(ctx, payload) -> None:
        raise JobFailed("model_busy", "try later", retryable=True)

    with session_scope(factory) as db:
        enqueue(db, "broken", {}, max_attempts=2)
    worker = JobWorker(
        factory, {"broken": broken}, retry_backoff_s=0,
        failure_handlers={"broken": lambda c, p, code: failed.append(code)},
    )
    assert worker.run_once() and failed == []  # retried: not failed yet
    assert worker.run_once() and failed == ["model_busy"]


def test_closing_a_worker_hands_back_a_job_that_outlives_the_grace_period(factory) -> None:
    release = threading.Event()
    with session_scope(factory) as db:
        job_id = enqueue(db, "long", {}).id
        quick_id = enqueue(db, "quick", {}).id
    ran_quick: list[int] = []
    worker = JobWorker(
        factory, {"long": lambda c, p: release.wait(30), "quick": lambda c, p: ran_quick.append(1)},
        poll_interval_s=0.1,
    )
    worker.start()
    try:
        deadline = time.monotonic() + 20
        while _job(factory, job_id).status != "running" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert worker.close(grace_s=0.3) is True
        job = _job(factory, job_id)
        assert job.status == "queued" and job.attempts == 0 and job.locked_by is None  # attempt not counted
        assert _job(factory, quick_id).status == "queued" and ran_quick == []  # nothing new was taken
    finally:
        release.set()
    time.sleep(0.2)  # the released handler returns; its result must not overwrite the hand-back
    assert _job(factory, job_id).status == "queued"
    survivor = JobWorker(factory, {"long": lambda c, p: None})
    assert survivor.run_once() and _job(factory, job_id).status == "done" and _job(factory, job_id).attempts == 1


def test_closing_a_worker_lets_a_short_job_finish(factory) -> None:
    started = threading.Event()

    def short(ctx, payload) -> None:
        started.set()
        time.sleep(0.3)

    with session_scope(factory) as db:
        job_id = enqueue(db, "short", {}).id
    worker = JobWorker(factory, {"short": short}, poll_interval_s=0.1)
    worker.start()
    assert started.wait(20)
    assert worker.close(grace_s=20) is False
    assert _job(factory, job_id).status == "done"


def test_threads_claiming_at_once_run_each_job_once(factory) -> None:
    runs: list[int] = []
    lock = threading.Lock()

    def record(ctx, payload) -> None:
        with lock:
            runs.append(payload["n"])

    with session_scope(factory) as db:
        for n in range(60):
            enqueue(db, "record", {"n": n})
    workers = [JobWorker(factory, {"record": record}, poll_interval_s=0.05) for _ in range(4)]
    for worker in workers:
        worker.start()
    try:
        deadline = time.monotonic() + 60
        while len(runs) < 60 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # a duplicate would show up now
    finally:
        for worker in workers:
            worker.close()
    assert sorted(runs) == list(range(60))


def test_job_settings_come_from_the_environment_and_refuse_a_timeout_shorter_than_two_beats(monkeypatch) -> None:
    from pydantic import ValidationError

    from server.core.config import Settings

    monkeypatch.setenv("UNTACT_JOB_LEASE_S", "12")
    monkeypatch.setenv("UNTACT_JOB_SHUTDOWN_GRACE_S", "3")
    monkeypatch.setenv("UNTACT_JOB_HANDLER_MODULES", "tests.reliability.job_kinds:job_handlers")
    settings = Settings(environment="test")
    assert settings.job_lease_s == 12 and settings.job_shutdown_grace_s == 3
    from server.jobs.queue import load_handler_modules

    assert "test_record_run" in load_handler_modules(settings.job_handler_modules)
    with pytest.raises(ValidationError):
        Settings(environment="test", instance_heartbeat_s=10, instance_timeout_s=15)
    with pytest.raises(ValidationError):
        Settings(environment="test", job_lease_s=0)


def test_every_job_kind_has_a_handler_and_every_enqueue_names_a_kind() -> None:
    """The handlers and the enqueuers share one list of job names (server/jobs/kinds.py)."""
    import re

    from server.core.config import PROJECT_ROOT
    from server.jobs.handlers import job_handlers
    from server.jobs.kinds import JobKind

    assert set(job_handlers()) == set(JobKind)
    literal = re.compile(r"\benqueue(?:_unless_pending)?\(\s*\w+,\s*[\"']")
    offenders = [
        f"{path.relative_to(PROJECT_ROOT)}:{n}"
        for path in sorted((PROJECT_ROOT / "server").rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if literal.search(line)
    ]
    assert offenders == []
