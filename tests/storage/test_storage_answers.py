"""The answer pipeline with S3 storage when the store misbehaves, and retention: on SQLite and
PostgreSQL, against a real S3 server on loopback (moto's).

- The store unreachable when an answer is recorded: nothing is lost, the file stays local and
  the answer is not ready; its whole-file analysis job uploads it first, then marks it ready.
- The daily retention job deletes expired practice from the bucket too.
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from analysis import ModelPool
from media import RecordingRef
from server.answers.consent import grant_consent
from server.answers.jobs import analyze_answer
from server.answers.live import LiveAnswerServices
from server.answers.store import RecordedAnswerStore
from server.core.config import load_settings
from server.core.db import make_engine, make_sessionmaker, migrate, session_scope, utcnow
from server.core.storage import S3Storage, Storage, make_storage
from server.jobs.queue import JobContext
from server.models import Job, PracticeAnswer, PracticeQuestion, PracticeSession, Role, User
from server.practice.answers import PRACTICE_ANSWERS
from server.practice.jobs import purge_expired_practice
from tests import mediakit
from tests.liveserver import free_port
from tests.storage.s3server import ACCESS_KEY, SECRET_KEY, Bucket


@pytest.fixture
def factory(database_url: str):
    engine = make_engine(database_url)
    migrate(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


def _s3(tmp_path: Path, endpoint_url: str, bucket: str) -> S3Storage:
    storage = make_storage(load_settings(
        data_dir=tmp_path, environment="test", storage="s3", s3_endpoint_url=endpoint_url, s3_bucket=bucket,
        s3_access_key_id=ACCESS_KEY, s3_secret_access_key=SECRET_KEY, whisper_model="base",
        model_cache_dir=tmp_path / "models",
    ))  # fmt: skip
    assert isinstance(storage, S3Storage)
    return storage


def _seeker_session(factory, *, consent: bool = True) -> tuple[int, int, int]:
    with session_scope(factory) as db:
        seeker = User(email="seeker@example.kr", password_hash="x", role=Role.SEEKER, display_name="지수")
        db.add(seeker)
        db.flush()
        if consent:
            grant_consent(db, seeker, PRACTICE_ANSWERS.consent, PRACTICE_ANSWERS.consent.version, "ko")
        session = PracticeSession(seeker_id=seeker.id, title="연습", source="custom", language="en")
        db.add(session)
        db.flush()
        question = PracticeQuestion(session_id=session.id, position=1, text="Tell me about your last job.")
        db.add(question)
        db.flush()
        return seeker.id, session.id, question.id


def _services(factory, storage: Storage, kicks: list[int]) -> LiveAnswerServices:
    return LiveAnswerServices(
        sessionmaker=factory, recordings_dir=storage.staging_dir, model_pool=ModelPool(storage.staging_dir / "m"),
        ice_servers=(),
        kick_worker=lambda: kicks.append(1), instance_id="instance-a", storage=storage,
    )  # fmt: skip


def _ref(path: Path, duration_s: float) -> RecordingRef:
    return RecordingRef(
        recording_id="r", path=path, duration_s=duration_s, partial=False, end_reason="stopped",
        video_frames=0, audio_packets=0, analysis_video_frames=0, analysis_audio_s=0.0, analysis_dropped_frames=0,
    )  # fmt: skip


@pytest.mark.media
@pytest.mark.model
def test_an_answer_recorded_while_the_store_is_down_is_uploaded_by_its_job_then_ready(
    factory, tmp_path: Path, s3_bucket: Bucket
) -> None:
    seeker_id, session_id, question_id = _seeker_session(factory)
    down = _s3(tmp_path, f"http://127.0.0.1:{free_port()}", s3_bucket.name)  # nothing listens there
    kicks: list[int] = []
    store = RecordedAnswerStore(PRACTICE_ANSWERS, _services(factory, down, kicks), scope_id=session_id,
                                owner_id=seeker_id)  # fmt: skip
    plan = store.create_answer(question_id)
    assert not isinstance(plan, str), plan
    clip = mediakit.speech_wav("I answered customer questions by phone and email every day.", sample_rate=48000)
    recorded = mediakit.answer_recording("facing", clip, fps=10, size=(320, 240))
    plan.path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(recorded, plan.path)
    data = plan.path.read_bytes()

    store.mark_recorded(plan.answer_id, _ref(plan.path, 4.0))
    assert plan.path.read_bytes() == data  # kept on local disk, nothing lost
    with factory() as db:
        answer = db.get(PracticeAnswer, plan.answer_id)
        assert answer is not None and answer.status == "analyzing" and answer.error_code == "storage_unavailable"
        jobs = [j for j in db.scalars(select(Job).where(Job.kind == PRACTICE_ANSWERS.analysis_job))]
        assert [j.payload["answer_id"] for j in jobs] == [plan.answer_id] and kicks == [1]
    store.queue_file_analysis(plan.answer_id, "live_analysis_busy")  # the live side gives up too
    with factory() as db:
        assert len(db.scalars(select(Job).where(Job.kind == PRACTICE_ANSWERS.analysis_job)).all()) == 1

    # The store is back: the job uploads the file, then analyses it and marks the answer ready.
    up = _s3(tmp_path, s3_bucket.server.endpoint_url, s3_bucket.name)
    settings = load_settings(data_dir=tmp_path, environment="test", model_cache_dir=tmp_path / "models")
    context = JobContext(sessionmaker=factory, services={
        "settings": settings, "model_pool": ModelPool(tmp_path / "models"), "storage": up})  # fmt: skip
    analyze_answer(PRACTICE_ANSWERS, context, {"answer_id": plan.answer_id})
    key = up.key_of(plan.path)
    assert s3_bucket.keys() == [key] and s3_bucket.read(key) == data
    assert not plan.path.exists()
    with factory() as db:
        answer = db.get(PracticeAnswer, plan.answer_id)
        assert answer is not None and answer.status == "ready" and answer.error_code is None
        assert answer.report is not None


@pytest.mark.unit
def test_retention_deletes_expired_practice_from_the_bucket(factory, tmp_path: Path, s3_bucket: Bucket) -> None:
    storage = _s3(tmp_path, s3_bucket.server.endpoint_url, s3_bucket.name)
    seeker_id, session_id, question_id = _seeker_session(factory, consent=False)
    with session_scope(factory) as db:
        old = utcnow() - timedelta(days=400)
        session = db.get(PracticeSession, session_id)
        assert session is not None
        session.created_at = old
        answer = PracticeAnswer(session_id=session_id, question_id=question_id, status="ready", started_at=old)
        db.add(answer)
        db.flush()
        answer.recording_path = f"practice/{seeker_id}/{session_id}/answer-{answer.id}.webm"
        key = answer.recording_path
        fresh = PracticeSession(seeker_id=seeker_id, title="최근", source="custom")
        db.add(fresh)
        db.flush()
        kept_key = f"practice/{seeker_id}/{fresh.id}/answer-999.webm"
    for name in (key, kept_key):
        path = storage.local_path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"recorded")
        storage.commit(name)
    assert s3_bucket.keys() == sorted([key, kept_key])
    settings = load_settings(data_dir=tmp_path, environment="test")
    context = JobContext(sessionmaker=factory, services={"settings": settings, "storage": storage})
    purge_expired_practice(context, {})
    assert s3_bucket.keys() == [kept_key]  # the expired session's recording is gone, the recent one kept
    with factory() as db:
        assert db.get(PracticeSession, session_id) is None


@pytest.mark.unit
def test_a_live_room_track_is_in_the_bucket_before_it_is_marked_recorded(
    make_settings, s3_bucket: Bucket
) -> None:
    from fastapi.testclient import TestClient

    from server.app import create_app
    from server.interviews.live_room import LiveRoom, Member
    from server.interviews.tokens import RoomClaims, RoomGrants
    from server.models import Company
    from server.models.interviews import InterviewInvitation, RoomRecording

    overrides = {key.removeprefix("UNTACT_").lower(): value for key, value in s3_bucket.env().items()}
    app = create_app(make_settings(**overrides))
    with TestClient(app):
        factory = app.state.sessionmaker
        with session_scope(factory) as db:
            company = Company(name="면접회사")
            employer = User(email="boss@example.kr", password_hash="x", role=Role.EMPLOYER, display_name="김면접")
            seeker = User(email="room@example.kr", password_hash="x", role=Role.SEEKER, display_name="민준")
            db.add_all([company, employer, seeker])
            db.flush()
            invitation = InterviewInvitation(company_id=company.id, seeker_id=seeker.id, kind="live", title="면접")
            db.add(invitation)
            db.flush()
            invitation_id, employer_id = invitation.id, employer.id
        room = LiveRoom(invitation_id, app.state.live_services, on_empty=lambda _room: None)
        claims = RoomClaims(
            room=room.name, identity="interviewer-1", user_id=employer_id, name="김면접", role="interviewer",
            grants=RoomGrants(), expires_at=0, token_id="t",
        )  # fmt: skip

        async def no_send(_message: object) -> None:
            return None

        async def no_close(*_args: object) -> None:
            return None

        member = Member(claims=claims, send_raw=no_send, close_socket=no_close, locale="ko", admitted=True)
        row_id, path = room._create_recording_row(member)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"interviewer track")
        room._save_recording(row_id, _ref(path, 30.0))
        with factory() as db:
            row = db.get(RoomRecording, row_id)
            assert row is not None and row.status == "recorded"
            key = row.recording_path
        assert s3_bucket.keys() == [key] and s3_bucket.read(key) == b"interviewer track"
        assert not path.exists()


@pytest.mark.unit
def test_at_start_finished_recordings_left_on_disk_are_uploaded_and_live_ones_left_alone(
    factory, tmp_path: Path, s3_bucket: Bucket
) -> None:
    """A recording whose upload never happened (the store was down, or another node recovered
    the answer while this one was down) is uploaded at the next start; files still being
    recorded or analysed are left to their owner."""
    from server.answers.recovery import upload_finished_leftovers

    storage = _s3(tmp_path, s3_bucket.server.endpoint_url, s3_bucket.name)
    seeker_id, session_id, question_id = _seeker_session(factory, consent=False)
    keys: dict[str, str] = {}
    with session_scope(factory) as db:
        for status in ("ready", "failed", "recording", "analyzing"):
            answer = PracticeAnswer(session_id=session_id, question_id=question_id, status=status)
            db.add(answer)
            db.flush()
            answer.recording_path = f"practice/{seeker_id}/{session_id}/answer-{answer.id}.webm"
            keys[status] = answer.recording_path
    for key in keys.values():
        path = storage.local_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(key.encode())
    stray = storage.local_path("practice/nobody/answer-0.webm")  # no row: not ours to upload
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"?")

    uploaded = upload_finished_leftovers(factory, storage, (PracticeAnswer,))
    assert sorted(uploaded) == sorted([keys["ready"], keys["failed"]])
    assert s3_bucket.keys() == sorted([keys["ready"], keys["failed"]])
    assert s3_bucket.read(keys["ready"]) == keys["ready"].encode()
    assert not storage.local_path(keys["ready"]).exists()
    assert storage.local_path(keys["recording"]).exists() and storage.local_path(keys["analyzing"]).exists()
    assert stray.exists()
    assert upload_finished_leftovers(factory, storage, (PracticeAnswer,)) == []  # nothing left to do
