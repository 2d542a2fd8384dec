"""A small durable job queue on the database, with an in-process or standalone worker.

Jobs are rows, so a crash loses nothing. Guarantees (tested in `tests/reliability/`):

- **At least once.** A worker holds a job for a lease (`UNTACT_JOB_LEASE_S`) that its
  heartbeat thread extends every lease/3 while the handler runs. When a worker dies, its job
  is taken over once the lease has passed.
- **No double run under concurrent claims.** On PostgreSQL a claim locks the candidate row
  with `FOR UPDATE SKIP LOCKED`; on every backend the claim is a compare-and-set `UPDATE`.
- **Bounded attempts.** Every claim counts an attempt, a take-over too. A job whose worker
  died `max_attempts` times is marked `failed` with `worker_lost`, and the kind's failure
  handler marks what the job was for (an answer) failed.
- **Graceful stop.** `close()` stops taking jobs, lets the running job finish within the
  grace period, else hands it back (lease released, attempt not counted).
- **Prompt wake-ups.** `JobNotifier.install(factory)` wakes workers (Redis, and the
  in-process worker) after a transaction that queued jobs commits, never before the rows
  are visible.
"""

from __future__ import annotations

import importlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, event, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from server.core.db import utcnow
from server.core.native_memory import release_free_memory
from server.jobs.kinds import JobStatus
from server.models import Job

log = logging.getLogger("untact.jobs")

WAKEUP_KEY = "untact:jobs:wakeup"
WORKER_LOST = "worker_lost"  # the error code of a job whose workers kept dying
_PENDING_WAKEUPS = "untact_jobs_pending_wakeups"  # Session.info key: jobs queued, not yet committed


class JobFailed(Exception):
    """A handler's error with a code; `retryable` decides whether the job is tried again."""

    def __init__(self, code: str, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable


@dataclass(frozen=True)
class JobContext:
    sessionmaker: sessionmaker[Session]
    services: Mapping[str, Any]


JobHandler = Callable[[JobContext, dict[str, Any]], None]
# Called once when a job of that kind has failed for good: (context, payload, error code).
FailureHandler = Callable[[JobContext, dict[str, Any], str], None]


def enqueue(
    db: Session, kind: str, payload: dict[str, Any], *, max_attempts: int = 3, run_after: datetime | None = None
) -> Job:
    """Queue a job; with `run_after` it waits until then (a deferred email), else it runs at once."""
    job = Job(kind=kind, payload=payload, max_attempts=max_attempts)
    if run_after is not None:
        job.run_after = run_after
    db.add(job)
    db.flush()
    if run_after is None or run_after <= utcnow():
        _note_pending_wakeup(db)
    return job


def enqueue_unless_pending(db: Session, kind: str, *, delay_s: float = 0.0) -> Job | None:
    """Queue a housekeeping job unless one of that kind is already waiting (daily chores)."""
    pending = db.scalar(select(Job.id).where(Job.kind == kind, Job.status == JobStatus.QUEUED).limit(1))
    if pending is not None:
        return None
    job = Job(kind=kind, payload={}, run_after=utcnow() + timedelta(seconds=delay_s))
    db.add(job)
    db.flush()
    if delay_s <= 0:
        _note_pending_wakeup(db)
    return job


def _note_pending_wakeup(db: Session) -> None:
    db.info[_PENDING_WAKEUPS] = int(db.info.get(_PENDING_WAKEUPS, 0)) + 1


def load_handler_modules(spec: str) -> dict[str, JobHandler]:
    """Extra job kinds from `module:function` entries (comma-separated); each function
    returns a mapping of kind to handler. Used by `UNTACT_JOB_HANDLER_MODULES`."""
    handlers: dict[str, JobHandler] = {}
    for entry in filter(None, (part.strip() for part in spec.split(","))):
        module_name, _, attribute = entry.partition(":")
        factory = getattr(importlib.import_module(module_name), attribute or "job_handlers")
        handlers.update(factory())
    return handlers


class WakeupChannel:
    """Redis list used only to wake idle workers; the database stays the source of truth.

    One token per queued job, so a burst of jobs wakes as many idle workers; a list (not
    pub/sub) keeps a token that arrives while the worker is busy, so no wake-up is lost.
    """

    def __init__(self, redis_url: str) -> None:
        import redis

        self._client = redis.Redis.from_url(redis_url, socket_timeout=10, socket_connect_timeout=3)

    def notify(self, count: int = 1) -> None:
        try:
            pipe = self._client.pipeline(transaction=False)
            pipe.lpush(WAKEUP_KEY, *([b"1"] * max(1, min(count, 100))))
            pipe.ltrim(WAKEUP_KEY, 0, 99)
            pipe.execute()
        except Exception:  # a lost wake-up only delays a job until the next poll
            log.warning("redis wake-up failed", exc_info=True)

    def wait(self, timeout_s: float) -> bool:
        """Block until a wake-up token arrives or the timeout passes; True if woken."""
        try:
            return self._client.blpop([WAKEUP_KEY], timeout=max(0.01, timeout_s)) is not None
        except Exception:
            log.warning("redis wait failed", exc_info=True)
            threading.Event().wait(timeout_s)
            return False

    def close(self) -> None:
        self._client.close()


class JobNotifier:
    """Wakes workers once a transaction that queued jobs has committed.

    `install(factory)` listens to the sessionmaker's `after_commit`; `enqueue` counts the
    jobs in `Session.info`. The Redis push runs on a small thread of its own, so a slow or
    absent Redis never holds up the committing request. Start with `start()`, stop with
    `close()` (idempotent).
    """

    def __init__(self, wakeup: WakeupChannel | None = None) -> None:
        self._wakeup = wakeup
        self._local: list[Callable[[], None]] = []
        self._cond = threading.Condition()
        self._pending = 0
        self._closed = False
        self._thread: threading.Thread | None = None
        self._factories: list[sessionmaker[Session]] = []

    def add_local(self, kick: Callable[[], None]) -> None:
        """Also wake an in-process worker (no Redis needed)."""
        self._local.append(kick)

    def install(self, factory: sessionmaker[Session]) -> None:
        event.listen(factory, "after_commit", self._after_commit)
        event.listen(factory, "after_rollback", self._after_rollback)
        self._factories.append(factory)

    def start(self) -> None:
        if self._wakeup is not None and self._thread is None:
            self._thread = threading.Thread(target=self._push_loop, name="job-wakeups", daemon=True)
            self._thread.start()

    def notify(self, count: int = 1) -> None:
        for kick in self._local:
            kick()
        if self._wakeup is None:
            return
        with self._cond:
            self._pending += count
            self._cond.notify()

    def _after_commit(self, session: Session) -> None:
        count = int(session.info.pop(_PENDING_WAKEUPS, 0))
        if count:
            self.notify(count)

    @staticmethod
    def _after_rollback(session: Session) -> None:
        session.info.pop(_PENDING_WAKEUPS, None)

    def _push_loop(self) -> None:
        assert self._wakeup is not None
        while True:
            with self._cond:
                while not self._pending and not self._closed:
                    self._cond.wait()
                if self._closed and not self._pending:
                    return
                count, self._pending = self._pending, 0
            self._wakeup.notify(count)

    def close(self) -> None:
        for factory in self._factories:
            event.remove(factory, "after_commit", self._after_commit)
            event.remove(factory, "after_rollback", self._after_rollback)
        self._factories.clear()
        with self._cond:
            self._closed = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        if self._wakeup is not None:
            self._wakeup.close()
            self._wakeup = None


class JobWorker:
    """Runs queued jobs on a background thread: `start()`, then `close()` (idempotent)."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        handlers: Mapping[str, JobHandler],
        *,
        services: Mapping[str, Any] | None = None,
        failure_handlers: Mapping[str, FailureHandler] | None = None,
        poll_interval_s: float = 1.0,
        lease_s: float = 60.0,
        retry_backoff_s: float = 5.0,
        shutdown_grace_s: float = 8.0,
        wakeup: WakeupChannel | None = None,
        name: str | None = None,
    ) -> None:
        if lease_s <= 0:
            raise ValueError("lease_s must be positive")
        self._factory = factory
        self._handlers = dict(handlers)
        self._failure_handlers = dict(failure_handlers or {})
        self._context = JobContext(factory, services or {})
        self._poll_interval_s = poll_interval_s
        self._lease = timedelta(seconds=lease_s)
        self._heartbeat_s = lease_s / 3
        self._retry_backoff_s = retry_backoff_s
        self._shutdown_grace_s = shutdown_grace_s
        self._wakeup = wakeup
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._stop = threading.Event()
        self._abort = threading.Event()
        self._kick = threading.Event()
        self._thread: threading.Thread | None = None
        self._heartbeat: threading.Thread | None = None
        self._current_lock = threading.Lock()
        self._current: int | None = None  # the job this worker runs now
        self._next_exhausted_check = 0.0
        self._closed = False

    @property
    def current_job_id(self) -> int | None:
        return self._current

    def start(self) -> None:
        if self._thread is not None:
            return
        self._start_heartbeat()
        self._thread = threading.Thread(target=self._run, name=f"job-worker-{self.name}", daemon=True)
        self._thread.start()

    def kick(self) -> None:
        """Tell an in-process worker that a job was just queued."""
        self._kick.set()

    def request_stop(self) -> None:
        """Take no new jobs; a running job goes on (see `close`)."""
        self._stop.set()
        self._kick.set()

    def abort(self) -> None:
        """During `close()`: stop waiting for the running job and hand it back at once."""
        self._abort.set()

    def close(self, grace_s: float | None = None) -> bool:
        """Stop: let the running job finish within the grace period, else hand it back.

        Returns True when a still-running job was handed back. Safe to call twice.
        """
        grace = self._shutdown_grace_s if grace_s is None else grace_s
        self.request_stop()
        handed_back = False
        thread = self._thread
        if thread is not None:
            slice_s = 0.05
            waited = 0.0
            while thread.is_alive() and waited < grace and not self._abort.is_set():
                thread.join(slice_s)
                waited += slice_s
            if thread.is_alive():
                handed_back = self.hand_back()
                thread.join(1.0)  # a handler cannot be interrupted; it is a daemon thread
            self._thread = None
        self._stop_heartbeat()
        if self._wakeup is not None:
            self._wakeup.close()
            self._wakeup = None
        self._closed = True
        return handed_back

    def hand_back(self) -> bool:
        """Release the running job's lease without counting the attempt (shutdown)."""
        with self._current_lock:
            job_id, self._current = self._current, None
        if job_id is None:
            return False
        with self._factory() as db:
            result = db.execute(
                update(Job)
                .where(Job.id == job_id, Job.locked_by == self.name, Job.status == JobStatus.RUNNING)
                .values(
                    status=JobStatus.QUEUED, locked_by=None, locked_at=None, lease_until=None,
                    attempts=Job.attempts - 1, run_after=utcnow(),
                )
            )
            db.commit()
        released = getattr(result, "rowcount", 0) == 1
        if released:
            log.warning("job handed back at shutdown", extra={"job_id": job_id, "worker": self.name})
        return released

    def run_forever(self) -> None:
        self._start_heartbeat()
        try:
            self._run()
        finally:
            self._stop_heartbeat()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                worked = self.run_once()
            except Exception:
                log.exception("job worker loop error")
                worked = False
            if worked or self._stop.is_set():
                continue
            if self._wakeup is not None:
                # Short slices so a stop request is seen without a token of our own.
                remaining = self._poll_interval_s
                while remaining > 0 and not self._stop.is_set():
                    step = min(remaining, 1.0)
                    if self._wakeup.wait(step):
                        break
                    remaining -= step
            else:
                self._kick.wait(self._poll_interval_s)
            self._kick.clear()

    # ---------------------------------------------------------------- heartbeat

    def _start_heartbeat(self) -> None:
        if self._heartbeat is None:
            self._heartbeat = threading.Thread(
                target=self._heartbeat_loop, name=f"job-heartbeat-{self.name}", daemon=True
            )
            self._heartbeat.start()

    def _stop_heartbeat(self) -> None:
        self._abort.set()  # also ends the heartbeat loop
        if self._heartbeat is not None:
            self._heartbeat.join(5)
            self._heartbeat = None

    def _heartbeat_loop(self) -> None:
        while not self._abort.wait(self._heartbeat_s):
            try:
                self.extend_lease()
            except Exception:
                log.warning("job heartbeat failed", exc_info=True)

    def extend_lease(self) -> bool:
        """Push the running job's lease forward; False when there is none or it was lost."""
        job_id = self._current
        if job_id is None:
            return False
        with self._factory() as db:
            result = db.execute(
                update(Job)
                .where(Job.id == job_id, Job.locked_by == self.name, Job.status == JobStatus.RUNNING)
                .values(lease_until=utcnow() + self._lease)
            )
            db.commit()
        if getattr(result, "rowcount", 0) != 1:
            log.warning("job lease lost", extra={"job_id": job_id, "worker": self.name})
            return False
        return True

    # ---------------------------------------------------------------- claiming

    def _lease_expired(self, now: datetime) -> ColumnElement[bool]:
        return and_(
            Job.status == JobStatus.RUNNING,
            or_(
                Job.lease_until < now,
                and_(Job.lease_until.is_(None), Job.locked_at < now - self._lease),  # rows from before leases
            ),
        )

    def _claimable(self, now: datetime) -> ColumnElement[bool]:
        return or_(
            and_(Job.status == JobStatus.QUEUED, Job.run_after <= now),
            and_(self._lease_expired(now), Job.attempts < Job.max_attempts),
        )

    def claim(self) -> Job | None:
        now = utcnow()
        with self._factory() as db:
            if time.monotonic() >= self._next_exhausted_check:
                # Leases expire on the scale of the lease, so once every lease/3 is enough.
                self._next_exhausted_check = time.monotonic() + min(self._heartbeat_s, 5.0)
                self._fail_exhausted_takeovers(db, now)
            postgres = db.get_bind().dialect.name == "postgresql"
            candidates = db.scalars(
                select(Job.id)
                .where(self._claimable(now), Job.kind.in_(self._handlers))
                .order_by(Job.id)
                # PostgreSQL: lock one row, skipping rows other workers are claiming right now.
                # SQLite has no row locks; the compare-and-set below decides among candidates.
                .limit(1 if postgres else 5)
                .with_for_update(skip_locked=True)
            ).all()
            for job_id in candidates:
                claimed = db.scalars(
                    update(Job)
                    .where(Job.id == job_id, self._claimable(now))
                    .values(
                        status=JobStatus.RUNNING, locked_by=self.name, locked_at=now,
                        lease_until=now + self._lease, attempts=Job.attempts + 1,
                    )
                    .returning(Job)
                ).first()
                db.commit()
                if claimed is not None:
                    with self._current_lock:
                        self._current = job_id
                    return claimed
            db.rollback()
        return None

    def _fail_exhausted_takeovers(self, db: Session, now: datetime) -> None:
        """Jobs whose lease ran out on their last allowed attempt: their worker died each
        time (crash, OOM kill), so running them again would only kill another worker."""
        rows = db.execute(
            select(Job.id, Job.kind, Job.payload, Job.attempts)
            .where(self._lease_expired(now), Job.attempts >= Job.max_attempts, Job.kind.in_(self._handlers))
            .order_by(Job.id)
            .limit(5)
            .with_for_update(skip_locked=True)
        ).all()
        failed: list[tuple[int, str, dict[str, Any]]] = []
        for job_id, kind, payload, attempts in rows:
            result = db.execute(
                update(Job)
                .where(Job.id == job_id, self._lease_expired(now), Job.attempts >= Job.max_attempts)
                .values(
                    status=JobStatus.FAILED, finished_at=now, locked_by=None, lease_until=None,
                    last_error_code=WORKER_LOST,
                    last_error=f"the worker running attempt {attempts} of {attempts} stopped before finishing",
                )
            )
            if getattr(result, "rowcount", 0) == 1:
                failed.append((job_id, kind, dict(payload)))
        db.commit()
        for job_id, kind, payload in failed:
            log.error("job failed: its workers kept dying", extra={"job_id": job_id, "kind": kind})
            self._run_failure_handler(kind, payload, WORKER_LOST)

    # ---------------------------------------------------------------- running

    def run_once(self) -> bool:
        if self._stop.is_set():
            return False
        job = self.claim()
        if job is None:
            return False
        handler = self._handlers[job.kind]
        log.info("job started", extra={"job_id": job.id, "kind": job.kind, "attempt": job.attempts})
        try:
            handler(self._context, dict(job.payload))
        except Exception as exc:
            self._record_failure(job, exc)
        else:
            if self._finish(job.id, status=JobStatus.DONE):
                log.info("job done", extra={"job_id": job.id, "kind": job.kind})
        finally:
            with self._current_lock:
                if self._current == job.id:
                    self._current = None
            release_free_memory()  # what the job freed goes back to the OS (server/core/native_memory.py)
        return True

    def _finish(self, job_id: int, *, status: str, **values: Any) -> bool:
        with self._factory() as db:
            result = db.execute(
                update(Job)
                .where(Job.id == job_id, Job.locked_by == self.name, Job.status == JobStatus.RUNNING)
                .values(status=status, finished_at=utcnow(), locked_by=None, lease_until=None, **values)
            )
            db.commit()
        return getattr(result, "rowcount", 0) == 1  # False: handed back or taken over meanwhile

    def _record_failure(self, job: Job, exc: Exception) -> None:
        code = getattr(exc, "code", None) or type(exc).__name__
        retryable = bool(getattr(exc, "retryable", False))
        message = str(exc)[:2000]
        if retryable and job.attempts < job.max_attempts:
            delay = self._retry_backoff_s * (2 ** (job.attempts - 1))
            with self._factory() as db:
                db.execute(
                    update(Job)
                    .where(Job.id == job.id, Job.locked_by == self.name, Job.status == JobStatus.RUNNING)
                    .values(
                        status=JobStatus.QUEUED,
                        locked_by=None,
                        lease_until=None,
                        last_error_code=code,
                        last_error=message,
                        run_after=utcnow() + timedelta(seconds=delay),
                    )
                )
                db.commit()
            log.warning("job will be retried", extra={"job_id": job.id, "code": code, "delay_s": delay})
            return
        if self._finish(job.id, status=JobStatus.FAILED, last_error_code=code, last_error=message):
            log.error("job failed", extra={"job_id": job.id, "kind": job.kind, "code": code}, exc_info=exc)
            self._run_failure_handler(job.kind, dict(job.payload), str(code))

    def _run_failure_handler(self, kind: str, payload: dict[str, Any], code: str) -> None:
        handler = self._failure_handlers.get(kind)
        if handler is None:
            return
        try:
            handler(self._context, payload, code)
        except Exception:
            log.exception("job failure handler failed", extra={"kind": kind})
