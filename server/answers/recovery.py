"""Recovery of answers whose process stopped mid-answer, for every answer kind.

An answer in `recording` or `analyzing` belongs to the app process in its `owner_instance`.
Recovery re-queues it (as a partial recording if it was still recording) only when:

- that process is gone: no `process_heartbeats` row refreshed within the timeout. Answers
  with no owner (from before owners were recorded, or already recovered once) are taken only
  by the sweep at a process's start, as before; and
- its whole-file analysis is not already queued or running.

The update is a compare-and-set on the status and owner, so two processes sweeping at once
recover an answer once.

A recovered answer's file may still be only on local disk (the process died before it was
uploaded, see server/core/storage.py): the sweep uploads what is left of it, and the analysis
job does the same before it analyses (in case this node could not reach the store).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select, true, update
from sqlalchemy.orm import Session, sessionmaker

from server.core.db import session_scope
from server.core.storage import Storage, StorageError
from server.jobs.instances import live_instance_ids
from server.jobs.kinds import JobStatus
from server.jobs.queue import enqueue
from server.models import Job

log = logging.getLogger("untact.recovery")

IN_PROGRESS = ("recording", "analyzing")


def answers_with_live_jobs(db: Session, kind: str, key: str = "answer_id") -> set[int]:
    payloads = db.scalars(select(Job.payload).where(Job.kind == kind, Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING))))
    found: set[int] = set()
    for payload in payloads:
        try:
            found.add(int(payload[key]))  # type: ignore[call-overload]
        except (KeyError, TypeError, ValueError):
            continue
    return found


def recover_orphaned_answers(
    factory: sessionmaker[Session], model: Any, job_kind: str, *, owner_timeout_s: float,
    include_unowned: bool = True, payload_key: str = "answer_id", analysed_when: Any = None,
    storage: Storage | None = None,
) -> list[int]:
    """Re-queue the answers of `model` whose owner is gone; the ids recovered.

    `payload_key` names the id in the job's payload. `analysed_when` (a SQL condition on the
    row; every row when None) says which recordings get the analysis job: the others (a live
    room's interviewer tracks) are only finalised, as `recorded` and partial."""
    recovered: list[int] = []
    keys: list[str] = []
    analysed = (true() if analysed_when is None else analysed_when).label("analysed")
    with session_scope(factory) as db:
        rows = db.execute(
            select(model.id, model.status, model.owner_instance, analysed, model.recording_path)
            .where(model.status.in_(IN_PROGRESS))
        ).all()
        if not rows:
            return recovered
        live = live_instance_ids(db, owner_timeout_s)
        queued = answers_with_live_jobs(db, job_kind, payload_key)
        for answer_id, status, owner, is_analysed, key in rows:
            if owner is None and not include_unowned:
                continue
            if (owner is not None and owner in live) or answer_id in queued:
                continue
            owner_matches = model.owner_instance.is_(None) if owner is None else model.owner_instance == owner
            values: dict[str, Any] = {"status": "analyzing" if is_analysed else "recorded", "owner_instance": None}
            if status == "recording":
                values["partial"] = True
            result = db.execute(
                update(model).where(model.id == answer_id, model.status == status, owner_matches).values(**values)
            )
            if getattr(result, "rowcount", 0) == 1:
                if is_analysed:
                    enqueue(db, job_kind, {payload_key: answer_id})
                recovered.append(answer_id)
                if key:
                    keys.append(key)
    if storage is not None:
        upload_leftovers(storage, keys)
    if recovered:
        log.info(
            "re-queued answers whose process stopped",
            extra={"kind": job_kind, "answer_ids": recovered[:50], "count": len(recovered)},
        )
    return recovered


def upload_leftovers(storage: Storage, keys: list[str]) -> None:
    """Upload the files recovered answers left on local disk (after the rows are saved: the
    store may be slow). One that fails stays local for the analysis job (or the next start)."""
    for key in keys:
        try:
            if storage.commit_leftover(key):
                log.info("uploaded a recovered recording", extra={"key": key})
        except (StorageError, ValueError) as exc:
            log.warning("could not upload a recovered recording", extra={"key": key, "error": str(exc)})


FINISHED = ("ready", "failed", "recorded")  # nobody reads these files locally any more


def upload_finished_leftovers(factory: sessionmaker[Session], storage: Storage, models: tuple[Any, ...]) -> list[str]:
    """At a process's start: upload the local files of recordings that are finished (ready,
    failed, or a recorded track) but were never uploaded, e.g. an upload that failed, or an
    answer another node recovered while this one was down. Files of answers still recording or
    being analysed are left to their owner and recovery. The keys uploaded."""
    if not storage.stages_files:
        return []
    local = [
        storage.key_of(path) for path in storage.staging_dir.rglob("*")
        if path.is_file() and not path.name.startswith(".")
    ]  # fmt: skip
    if not local:
        return []
    finished: list[str] = []
    with factory() as db:
        for model in models:
            for start in range(0, len(local), 500):
                chunk = local[start : start + 500]
                finished += db.scalars(
                    select(model.recording_path).where(model.recording_path.in_(chunk), model.status.in_(FINISHED))
                ).all()
    upload_leftovers(storage, finished)
    return finished


def mark_answer_failed(factory: sessionmaker[Session], model: Any, answer_id: int, code: str) -> None:
    """A job's failure handler: the answer shows as failed, not `analyzing` forever."""
    with session_scope(factory) as db:
        db.execute(
            update(model)
            .where(model.id == answer_id, model.status.in_(IN_PROGRESS))
            .values(status="failed", error_code=code[:64], owner_instance=None)
        )
