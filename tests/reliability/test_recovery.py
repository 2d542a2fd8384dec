"""Recovery of interrupted answers re-queues only what no live process owns, once.

Two app "processes" share one database: each has an instance id with a heartbeat row. The
unit tests drive the recovery sweep directly on SQLite and PostgreSQL; the last test runs
two real `untact serve` processes on one PostgreSQL database and kills one of them."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from server.answers.recovery import recover_orphaned_answers
from server.core.db import make_engine, make_sessionmaker, migrate, session_scope, utcnow
from server.jobs.handlers import job_failure_handlers
from server.jobs.instances import InstanceHeartbeat, live_instance_ids
from server.jobs.queue import JobWorker, enqueue
from server.models import Job, PracticeAnswer, PracticeQuestion, PracticeSession, ProcessHeartbeat, Role, User
from tests.liveserver import start_live_server, stop_live_server
from tests.reliability.jobs_harness import postgres_url, wait_until  # noqa: F401 (fixture)

pytestmark = pytest.mark.unit

TIMEOUT_S = 30.0
KIND = "analyze_practice_answer"


@pytest.fixture
def factory(database_url: str):
    engine = make_engine(database_url)
    migrate(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


def _answer(factory, *, owner: str | None, status: str = "recording") -> int:
    with session_scope(factory) as db:
        count = db.scalar(select(func.count()).select_from(User)) or 0
        seeker = User(
            email=f"seeker{count}@example.kr", password_hash="x", role=Role.SEEKER, display_name="지수"
        )
        db.add(seeker)
        db.flush()
        session = PracticeSession(seeker_id=seeker.id, title="연습", source="custom")
        db.add(session)
        db.flush()
        question = PracticeQuestion(session_id=session.id, position=1, text="자기소개를 해 주세요.")
        db.add(question)
        db.flush()
        answer = PracticeAnswer(
            session_id=session.id, question_id=question.id, status=status, owner_instance=owner,
            recording_path="practice/x.webm",
        )
        db.add(answer)
        db.flush()
        return answer.id


def _state(factory, answer_id: int) -> tuple[str, bool, str | None]:
    with factory() as db:
        answer = db.get(PracticeAnswer, answer_id)
        assert answer is not None
        return answer.status, answer.partial, answer.error_code


def _jobs_for(factory, answer_id: int) -> list[Job]:
    with factory() as db:
        return [job for job in db.scalars(select(Job).where(Job.kind == KIND)) if job.payload["answer_id"] == answer_id]


def _instance(factory, instance_id: str, *, age_s: float = 0.0) -> None:
    with session_scope(factory) as db:
        seen = utcnow() - timedelta(seconds=age_s)
        db.add(ProcessHeartbeat(instance_id=instance_id, role="serve", hostname="h", pid=1, started_at=seen, last_seen_at=seen))


def _sweep(factory) -> list[int]:
    return recover_orphaned_answers(factory, PracticeAnswer, KIND, owner_timeout_s=TIMEOUT_S)


def test_restarting_one_process_leaves_the_other_ones_answers_alone(factory) -> None:
    a = InstanceHeartbeat(factory, role="serve", interval_s=1, timeout_s=TIMEOUT_S)
    a.start()
    try:
        recording = _answer(factory, owner=a.instance_id, status="recording")
        analysing = _answer(factory, owner=a.instance_id, status="analyzing")
        for _ in range(2):  # process B starts, stops, starts again: each start sweeps
            b = InstanceHeartbeat(factory, role="serve", interval_s=1, timeout_s=TIMEOUT_S)
            b.start()
            assert _sweep(factory) == []
            b.close()
        assert _state(factory, recording) == ("recording", False, None)  # not marked interrupted
        assert _state(factory, analysing) == ("analyzing", False, None)
        assert _jobs_for(factory, recording) == [] and _jobs_for(factory, analysing) == []
    finally:
        a.close()
    with factory() as db:  # a clean stop removes the process's row
        assert a.instance_id not in live_instance_ids(db, TIMEOUT_S)


def test_an_answer_whose_owner_stopped_heartbeating_is_recovered_once(factory) -> None:
    _instance(factory, "dead-node", age_s=TIMEOUT_S + 5)
    _instance(factory, "live-node")
    orphan = _answer(factory, owner="dead-node", status="recording")
    kept = _answer(factory, owner="live-node", status="recording")
    assert _sweep(factory) == [orphan]
    assert _state(factory, orphan) == ("analyzing", True, None)  # saved part, flagged partial
    assert _sweep(factory) == []  # its analysis is queued now: not queued again
    assert len(_jobs_for(factory, orphan)) == 1
    assert _state(factory, kept) == ("recording", False, None) and _jobs_for(factory, kept) == []


def test_an_orphan_whose_analysis_is_already_queued_or_running_is_not_queued_again(factory) -> None:
    _instance(factory, "dead-node", age_s=TIMEOUT_S + 5)
    queued = _answer(factory, owner="dead-node", status="analyzing")
    running = _answer(factory, owner="dead-node", status="analyzing")
    with session_scope(factory) as db:
        enqueue(db, KIND, {"answer_id": running})
        enqueue(db, KIND, {"answer_id": queued})
    claimed = JobWorker(factory, {KIND: lambda c, p: None}, lease_s=60).claim()
    assert claimed is not None and claimed.payload["answer_id"] == running  # being analysed now
    assert _sweep(factory) == []
    assert len(_jobs_for(factory, queued)) == 1 and len(_jobs_for(factory, running)) == 1
    assert _state(factory, queued)[0] == _state(factory, running)[0] == "analyzing"


def test_answers_from_before_owners_were_recorded_are_recovered(factory) -> None:
    legacy = _answer(factory, owner=None, status="analyzing")
    periodic = recover_orphaned_answers(factory, PracticeAnswer, KIND, owner_timeout_s=TIMEOUT_S, include_unowned=False)
    assert periodic == [] and _jobs_for(factory, legacy) == []  # only a process's start sweep takes them
    assert _sweep(factory) == [legacy]
    assert _state(factory, legacy) == ("analyzing", False, None) and len(_jobs_for(factory, legacy)) == 1


def test_an_analysis_whose_workers_kept_dying_marks_the_answer_failed(factory) -> None:
    answer_id = _answer(factory, owner=None, status="analyzing")
    with session_scope(factory) as db:
        job_id = enqueue(db, KIND, {"answer_id": answer_id}, max_attempts=2).id
        # its last allowed attempt was running when the worker vanished
        db.execute(
            update(Job).where(Job.id == job_id).values(
                status="running", attempts=2, locked_by="gone", locked_at=utcnow() - timedelta(seconds=90),
                lease_until=utcnow() - timedelta(seconds=1),
            )
        )
    ran: list[int] = []
    worker = JobWorker(
        factory, {KIND: lambda c, p: ran.append(p["answer_id"])},
        failure_handlers=job_failure_handlers(), lease_s=60,
    )
    assert worker.run_once() is False  # not run a third time
    assert ran == []
    with factory() as db:
        job = db.get(Job, job_id)
        assert job is not None and job.status == "failed" and job.last_error_code == "worker_lost"
    assert _state(factory, answer_id) == ("failed", False, "worker_lost")  # shown failed, not analysing


# --------------------------------------------------------------------------- real processes


@pytest.fixture
def two_servers(postgres_url: str, tmp_path: Path) -> Iterator[tuple[object, object, dict[str, str]]]:  # noqa: F811
    engine = make_engine(postgres_url)
    migrate(engine)  # once, before two processes start on the same schema
    engine.dispose()
    env = {
        "DATABASE_URL": postgres_url,
        "UNTACT_ANALYSIS_WORKER": "none",  # recovered jobs stay queued where the test can see them
        "UNTACT_INSTANCE_HEARTBEAT_S": "0.5",
        "UNTACT_INSTANCE_TIMEOUT_S": "3",
        "UNTACT_PREWARM_MODELS": "false",
    }
    a = start_live_server(tmp_path / "a", env)
    b = start_live_server(tmp_path / "b", env)
    servers = [a, b]
    try:
        yield a, b, env
    finally:
        for server in servers:
            if server.process.poll() is None:
                stop_live_server(server)


@pytest.mark.postgres
def test_two_real_app_processes_restart_and_die_without_double_booking(
    two_servers, postgres_url: str, tmp_path: Path  # noqa: F811
) -> None:
    a, b, env = two_servers
    factory = make_sessionmaker(make_engine(postgres_url))
    with factory() as db:
        owners = {row.pid: row.instance_id for row in db.scalars(select(ProcessHeartbeat))}
    a_id = owners[a.process.pid]
    in_progress = _answer(factory, owner=a_id, status="recording")

    stop_live_server(b)  # restart B: its start-up sweep must leave A's answer alone
    b2 = start_live_server(tmp_path / "b2", env)
    try:
        assert _state(factory, in_progress) == ("recording", False, None)
        assert _jobs_for(factory, in_progress) == []

        os.kill(a.process.pid, signal.SIGKILL)  # A dies mid-answer
        a.process.wait(timeout=30)
        wait_until(lambda: _state(factory, in_progress)[0] == "analyzing", 60, "B to recover A's answer")
        assert _state(factory, in_progress) == ("analyzing", True, None)
        with factory() as db:  # let B sweep a few more times: still one job
            last = db.scalar(select(ProcessHeartbeat.last_seen_at).where(ProcessHeartbeat.pid == b2.process.pid))
        wait_until(lambda: _b_beat_since(factory, b2.process.pid, last, beats=4), 30, "more sweeps by B")
        assert len(_jobs_for(factory, in_progress)) == 1
    finally:
        stop_live_server(b2)
        factory.kw["bind"].dispose()


def _b_beat_since(factory, pid: int, since, *, beats: int) -> bool:
    with factory() as db:
        seen = db.scalar(select(ProcessHeartbeat.last_seen_at).where(ProcessHeartbeat.pid == pid))
    return seen is not None and (seen - since).total_seconds() >= beats * 0.5


# ------------------------------------------------------------------ live-room recordings


def _room_recording(factory, *, owner: str | None, role: str, status: str = "recording") -> int:
    from server.models import Company
    from server.models.interviews import InterviewInvitation, RoomRecording

    with session_scope(factory) as db:
        count = db.scalar(select(func.count()).select_from(User)) or 0
        company = Company(name="면접회사")
        seeker = User(email=f"room{count}@example.kr", password_hash="x", role=Role.SEEKER, display_name="민준")
        db.add_all([company, seeker])
        db.flush()
        invitation = InterviewInvitation(company_id=company.id, seeker_id=seeker.id, kind="live", title="면접")
        db.add(invitation)
        db.flush()
        row = RoomRecording(
            invitation_id=invitation.id, participant_id=seeker.id, role=role, status=status,
            recording_path=f"interviews/room-{count}.webm", owner_instance=owner,
        )  # fmt: skip
        db.add(row)
        db.flush()
        return row.id


def _room_state(factory, recording_id: int) -> tuple[str, bool, str | None, int]:
    from server.models.interviews import RoomRecording

    with factory() as db:
        row = db.get(RoomRecording, recording_id)
        assert row is not None
        jobs = [
            job for job in db.scalars(select(Job).where(Job.kind == "analyze_room_recording"))
            if job.payload["recording_id"] == recording_id
        ]  # fmt: skip
        return row.status, row.partial, row.owner_instance, len(jobs)


def test_room_recordings_of_a_stopped_process_are_kept_as_partial_and_the_candidates_analysed(factory) -> None:
    """A live room's tracks were left `recording` forever when their process died. Now they carry
    their owner: once it stops heartbeating, the candidate's track is analysed as after any call
    and an interviewer's track is finalised; a live process's recordings are left alone."""
    from server.interviews.oneway import recover_interrupted_room_recordings

    _instance(factory, "dead-node", age_s=TIMEOUT_S + 5)
    _instance(factory, "live-node")
    candidate = _room_recording(factory, owner="dead-node", role="candidate")
    interviewer = _room_recording(factory, owner="dead-node", role="interviewer")
    kept = _room_recording(factory, owner="live-node", role="candidate")

    def sweep() -> int:
        return recover_interrupted_room_recordings(factory, owner_timeout_s=TIMEOUT_S, include_unowned=False)

    assert sweep() == 2
    assert _room_state(factory, candidate) == ("analyzing", True, None, 1)
    assert _room_state(factory, interviewer) == ("recorded", True, None, 0)
    assert _room_state(factory, kept) == ("recording", False, "live-node", 0)
    assert sweep() == 0  # recovered once: the analysis is queued, the other track is final
    assert _room_state(factory, candidate)[3] == 1


def test_a_room_recording_gets_its_process_as_owner_when_it_starts(make_settings) -> None:
    """The row a live room creates for a track names the process recording it."""
    from fastapi.testclient import TestClient

    from server.app import create_app
    from server.interviews.live_room import LiveRoom, Member
    from server.interviews.tokens import RoomClaims, RoomGrants
    from server.models import Company
    from server.models.interviews import InterviewInvitation, RoomRecording

    app = create_app(make_settings())
    with TestClient(app):
        factory = app.state.sessionmaker
        with session_scope(factory) as db:
            company = Company(name="면접회사")
            seeker = User(email="owner@example.kr", password_hash="x", role=Role.SEEKER, display_name="민준")
            db.add_all([company, seeker])
            db.flush()
            invitation = InterviewInvitation(company_id=company.id, seeker_id=seeker.id, kind="live", title="면접")
            db.add(invitation)
            db.flush()
            invitation_id, seeker_id = invitation.id, seeker.id
        room = LiveRoom(invitation_id, app.state.live_services, on_empty=lambda _room: None)
        claims = RoomClaims(
            room=room.name, identity="candidate-1", user_id=seeker_id, name="민준", role="candidate",
            grants=RoomGrants(), expires_at=0, token_id="t",
        )  # fmt: skip

        async def no_send(_message: object) -> None:
            return None

        async def no_close(*_args: object) -> None:
            return None

        member = Member(claims=claims, send_raw=no_send, close_socket=no_close, locale="ko", admitted=True)
        row_id, _path = room._create_recording_row(member)
        with factory() as db:
            row = db.get(RoomRecording, row_id)
            assert row is not None and row.owner_instance == app.state.instance.instance_id
