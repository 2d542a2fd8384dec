"""A small durable job queue on the database, with an in-process or standalone worker.

Jobs are rows, so a crash loses nothing: a job whose worker died is claimed again after its
lease runs out. Claiming is a compare-and-set UPDATE, which is safe with several workers on
PostgreSQL and with threads on SQLite. When Redis is configured, `enqueue` also pushes a
wake-up so idle workers start at once instead of at their next poll.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from server.db import utcnow
from server.models import Job

log = logging.getLogger("untact.jobs")

WAKEUP_KEY = "untact:jobs:wakeup"


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


def enqueue(db: Session, kind: str, payload: dict[str, Any], *, max_attempts: int = 3) -> Job:
    job = Job(kind=kind, payload=payload, max_attempts=max_attempts)
    db.add(job)
    db.flush()
    return job


def enqueue_unless_pending(db: Session, kind: str, *, delay_s: float = 0.0) -> Job | None:
    """Queue a housekeeping job unless one of that kind is already waiting (daily chores)."""
    pending = db.scalar(select(Job.id).where(Job.kind == kind, Job.status == "queued").limit(1))
    if pending is not None:
        return None
    job = Job(kind=kind, payload={}, run_after=utcnow() + timedelta(seconds=delay_s))
    db.add(job)
    db.flush()
    return job


class WakeupChannel:
    """Redis list used only to wake idle workers; the database stays the source of truth."""

    def __init__(self, redis_url: str) -> None:
        import redis

        self._client = redis.Redis.from_url(redis_url, socket_timeout=10, socket_connect_timeout=3)

    def notify(self) -> None:
        try:
            self._client.lpush(WAKEUP_KEY, b"1")
            self._client.ltrim(WAKEUP_KEY, 0, 99)
        except Exception:  # a lost wake-up only delays a job until the next poll
            log.warning("redis wake-up failed", exc_info=True)

    def wait(self, timeout_s: float) -> None:
        try:
            self._client.blpop([WAKEUP_KEY], timeout=max(1, int(timeout_s)))
        except Exception:
            log.warning("redis wait failed", exc_info=True)
            threading.Event().wait(timeout_s)

    def close(self) -> None:
        self._client.close()


class JobWorker:
    """Runs queued jobs on a background thread: `start()`, then `close()` (idempotent)."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        handlers: Mapping[str, JobHandler],
        *,
        services: Mapping[str, Any] | None = None,
        poll_interval_s: float = 1.0,
        lease_s: float = 600.0,
        retry_backoff_s: float = 5.0,
        wakeup: WakeupChannel | None = None,
        name: str | None = None,
    ) -> None:
        self._factory = factory
        self._handlers = dict(handlers)
        self._context = JobContext(factory, services or {})
        self._poll_interval_s = poll_interval_s
        self._lease = timedelta(seconds=lease_s)
        self._retry_backoff_s = retry_backoff_s
        self._wakeup = wakeup
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._stop = threading.Event()
        self._kick = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name=f"job-worker-{self.name}", daemon=True)
        self._thread.start()

    def kick(self) -> None:
        """Tell an in-process worker that a job was just queued."""
        self._kick.set()

    def close(self, timeout_s: float = 30.0) -> None:
        self._stop.set()
        self._kick.set()
        if self._wakeup is not None and self._thread is not None:
            self._wakeup.notify()  # unblock our own BLPOP so shutdown is prompt
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None
        if self._wakeup is not None:
            self._wakeup.close()
            self._wakeup = None

    def run_forever(self) -> None:
        self._run()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                worked = self.run_once()
            except Exception:
                log.exception("job worker loop error")
                worked = False
            if worked:
                continue
            if self._wakeup is not None:
                self._wakeup.wait(self._poll_interval_s)
            else:
                self._kick.wait(self._poll_interval_s)
            self._kick.clear()

    def claim(self) -> Job | None:
        now = utcnow()
        with self._factory() as db:
            candidates = db.scalars(
                select(Job.id)
                .where(
                    or_(
                        and_(Job.status == "queued", Job.run_after <= now),
                        and_(Job.status == "running", Job.locked_at < now - self._lease),
                    ),
                    Job.kind.in_(self._handlers),
                )
                .order_by(Job.id)
                .limit(5)
            ).all()
            for job_id in candidates:
                claimed = db.execute(
                    update(Job)
                    .where(
                        Job.id == job_id,
                        or_(
                            Job.status == "queued",
                            and_(Job.status == "running", Job.locked_at < now - self._lease),
                        ),
                    )
                    .values(status="running", locked_by=self.name, locked_at=now, attempts=Job.attempts + 1)
                )
                db.commit()
                if getattr(claimed, "rowcount", 0) == 1:
                    return db.get(Job, job_id)
        return None

    def run_once(self) -> bool:
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
            self._finish(job.id, status="done")
            log.info("job done", extra={"job_id": job.id, "kind": job.kind})
        return True

    def _finish(self, job_id: int, *, status: str, **values: Any) -> None:
        with self._factory() as db:
            db.execute(
                update(Job)
                .where(Job.id == job_id, Job.locked_by == self.name)
                .values(status=status, finished_at=utcnow(), locked_by=None, **values)
            )
            db.commit()

    def _record_failure(self, job: Job, exc: Exception) -> None:
        code = getattr(exc, "code", None) or type(exc).__name__
        retryable = bool(getattr(exc, "retryable", False))
        message = str(exc)[:2000]
        if retryable and job.attempts < job.max_attempts:
            delay = self._retry_backoff_s * (2 ** (job.attempts - 1))
            with self._factory() as db:
                db.execute(
                    update(Job)
                    .where(Job.id == job.id, Job.locked_by == self.name)
                    .values(
                        status="queued",
                        locked_by=None,
                        last_error_code=code,
                        last_error=message,
                        run_after=utcnow() + timedelta(seconds=delay),
                    )
                )
                db.commit()
            log.warning("job will be retried", extra={"job_id": job.id, "code": code, "delay_s": delay})
            return
        self._finish(job.id, status="failed", last_error_code=code, last_error=message)
        log.error("job failed", extra={"job_id": job.id, "kind": job.kind, "code": code}, exc_info=exc)
