"""Which app and worker processes are alive: one `process_heartbeats` row per process,
refreshed every few seconds. Recovery uses it to tell an answer whose process is gone from
one that another live process is still recording or analysing."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from server.core.db import session_scope, utcnow
from server.models import ProcessHeartbeat

log = logging.getLogger("untact.instances")


def new_instance_id() -> str:
    """Unique per process start: a restarted process is a new instance, never its old self."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def live_instance_ids(db: Session, timeout_s: float) -> set[str]:
    cutoff = utcnow() - timedelta(seconds=timeout_s)
    return set(db.scalars(select(ProcessHeartbeat.instance_id).where(ProcessHeartbeat.last_seen_at >= cutoff)))


class InstanceHeartbeat:
    """This process's row: `start()` writes it, a thread refreshes it every `interval_s` and
    then runs `on_beat` (the recovery sweep), `close()` deletes it (idempotent)."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        role: str,
        interval_s: float,
        timeout_s: float,
        instance_id: str | None = None,
        on_beat: Callable[[], object] | None = None,
    ) -> None:
        self._factory = factory
        self.role = role
        self.instance_id = instance_id or new_instance_id()
        self._interval_s = interval_s
        self.timeout_s = timeout_s
        self._on_beat = on_beat
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        now = utcnow()
        with session_scope(self._factory) as db:
            db.add(
                ProcessHeartbeat(
                    instance_id=self.instance_id, role=self.role, hostname=socket.gethostname()[:255],
                    pid=os.getpid(), started_at=now, last_seen_at=now,
                )
            )
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{self.role}", daemon=True)
        self._thread.start()

    def beat(self) -> None:
        with session_scope(self._factory) as db:
            refreshed = db.execute(
                update(ProcessHeartbeat)
                .where(ProcessHeartbeat.instance_id == self.instance_id)
                .values(last_seen_at=utcnow())
            )
            if getattr(refreshed, "rowcount", 0) == 0:  # removed by an operator or a cleanup: back again
                now = utcnow()
                db.add(
                    ProcessHeartbeat(
                        instance_id=self.instance_id, role=self.role, hostname=socket.gethostname()[:255],
                        pid=os.getpid(), started_at=now, last_seen_at=now,
                    )
                )

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                self.beat()
            except Exception:
                log.warning("process heartbeat failed", exc_info=True)
                continue
            if self._on_beat is not None:
                try:
                    self._on_beat()
                except Exception:
                    log.warning("recovery sweep failed", exc_info=True)

    def close(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
        try:
            with session_scope(self._factory) as db:
                db.execute(delete(ProcessHeartbeat).where(ProcessHeartbeat.instance_id == self.instance_id))
                # Rows of processes long gone (a day past the timeout) are only clutter.
                db.execute(
                    delete(ProcessHeartbeat).where(
                        ProcessHeartbeat.last_seen_at < utcnow() - timedelta(seconds=self.timeout_s + 86400)
                    )
                )
        except Exception:
            log.warning("could not remove the process heartbeat", exc_info=True)
