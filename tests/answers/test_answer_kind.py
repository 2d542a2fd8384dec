"""server/answers/ once, through a fake kind of answer that subclasses the real `AnswerKind`.

The fake has rules of its own (a fixed retake limit, a closed-session refusal, its own consent
terms and job name) over the practice tables, so what is tested is the shared machinery: the
store's checks and rows, the attempt rule the runner page shares, the whole-file analysis job,
its failure handler and the recovery sweep. On SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis import ModelPool
from media import RecordingRef
from server.answers.consent import ConsentTerms, grant_consent, has_consent
from server.answers.jobs import analyze_answer, fail_answer, recover_answers
from server.answers.kind import AnswerContext, AnswerKind
from server.answers.live import LiveAnswerServices
from server.answers.store import RecordedAnswerStore
from server.core.db import make_engine, make_sessionmaker, migrate, session_scope
from server.core.errors import Conflict
from server.jobs.handlers import answer_kinds, job_failure_handlers, job_handlers
from server.jobs.queue import JobContext, JobFailed
from server.models import AuditEvent, Job, PracticeAnswer, PracticeQuestion, PracticeSession, Role, User
from server.models.answers import RecordedAnswer

pytestmark = pytest.mark.unit

FAKE_TERMS = ConsentTerms(purpose="fake_recording", version="v1")


class FakeAnswers(AnswerKind):
    name = "fake"
    answer_model = PracticeAnswer
    question_model = PracticeQuestion
    scope_column = "session_id"
    analysis_job = "analyze_fake_answer"
    recording_prefix = "fake-answer"
    consent = FAKE_TERMS
    not_found = "fake_not_found"
    nudges = False

    def __init__(self) -> None:
        self.started: list[int] = []
        self.reported: list[int] = []

    def load_scope(self, db: Session, scope_id: int, owner_id: int) -> Any | None:
        session = db.get(PracticeSession, scope_id)
        return session if session is not None and session.seeker_id == owner_id else None

    def question_in_scope(self, scope: Any, question: Any) -> bool:
        return bool(question.session_id == scope.id)

    def refusal(self, scope: Any) -> str | None:
        return "fake_closed" if scope.status == "completed" else None

    def max_retakes(self, scope: Any, question: Any) -> int:
        return 1

    def answer_file(self, recordings_dir: Path, answer: Any) -> Path:
        return recordings_dir / "fake" / f"{answer.id}.webm"

    def context(self, answer: Any) -> AnswerContext:
        return AnswerContext(question_text=answer.question.text, language="ko", answer_time_limit_s=90.0)

    def on_started(self, db: Session, scope: Any, owner: Any) -> None:
        self.started.append(scope.id)

    def on_report(self, db: Session, answer: Any) -> None:
        self.reported.append(answer.id)


@pytest.fixture
def factory(database_url: str):
    engine = make_engine(database_url)
    migrate(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


def _scope(factory, email: str = "seeker@example.kr") -> tuple[int, int, int]:
    """A seeker with a session of one question: (seeker id, session id, question id)."""
    with session_scope(factory) as db:
        seeker = User(email=email, password_hash="x", role=Role.SEEKER, display_name="지수")
        db.add(seeker)
        db.flush()
        session = PracticeSession(seeker_id=seeker.id, title="연습", source="custom")
        db.add(session)
        db.flush()
        question = PracticeQuestion(session_id=session.id, position=1, text="자기소개를 해 주세요.")
        db.add(question)
        db.flush()
        return seeker.id, session.id, question.id


def _services(factory, tmp_path: Path, kicks: list[int]) -> LiveAnswerServices:
    return LiveAnswerServices(
        sessionmaker=factory,
        recordings_dir=tmp_path,
        model_pool=ModelPool(tmp_path / "models"),
        ice_servers=(),
        kick_worker=lambda: kicks.append(1),
        instance_id="instance-a",
    )


def _ref(path: Path, duration_s: float, *, partial: bool) -> RecordingRef:
    return RecordingRef(
        recording_id="r", path=path, duration_s=duration_s, partial=partial,
        end_reason="peer_lost" if partial else "stopped", video_frames=0, audio_packets=0,
        analysis_video_frames=0, analysis_audio_s=0.0, analysis_dropped_frames=0,
    )


def _consent(factory, seeker_id: int) -> None:
    with session_scope(factory) as db:
        grant_consent(db, db.get(User, seeker_id), FAKE_TERMS, "v1", "ko")


def test_the_store_refuses_by_the_kinds_rules_before_any_row(factory, tmp_path: Path) -> None:
    kind = FakeAnswers()
    seeker_id, session_id, question_id = _scope(factory)
    _other_id, other_session, other_question = _scope(factory, "other@example.kr")
    store = RecordedAnswerStore(kind, _services(factory, tmp_path, []), scope_id=session_id, owner_id=seeker_id)
    # Another person's scope, then another scope's question (audited), then no consent.
    assert RecordedAnswerStore(
        kind, _services(factory, tmp_path, []), scope_id=other_session, owner_id=seeker_id
    ).create_answer(other_question) == "fake_not_found"
    assert store.create_answer(other_question) == "not_your_question"
    assert store.create_answer(10**6) == "not_your_question"
    assert store.create_answer(question_id) == "consent_required"
    with session_scope(factory) as db:
        audited = db.scalars(select(AuditEvent).where(AuditEvent.event == "signalling_refused")).all()
        assert [(a.path, a.detail["question_id"]) for a in audited] == [
            (f"/ws/fake/{session_id}", other_question), (f"/ws/fake/{session_id}", 10**6)
        ]
        db.get(PracticeSession, session_id).status = "completed"
    _consent(factory, seeker_id)
    assert store.create_answer(question_id) == "fake_closed"
    with session_scope(factory) as db:
        assert db.scalars(select(PracticeAnswer)).all() == []
    assert kind.started == []


def test_a_new_answer_gets_its_row_file_and_analysis_context(factory, tmp_path: Path) -> None:
    kind = FakeAnswers()
    seeker_id, session_id, question_id = _scope(factory)
    _consent(factory, seeker_id)
    store = RecordedAnswerStore(kind, _services(factory, tmp_path, []), scope_id=session_id, owner_id=seeker_id)
    plan = store.create_answer(question_id)
    assert not isinstance(plan, str)
    assert plan.attempt == 1 and plan.question_id == question_id
    assert plan.path == tmp_path / "fake" / f"{plan.answer_id}.webm"
    assert plan.options.question_text == "자기소개를 해 주세요." and plan.options.language == "ko"
    assert plan.options.answer_time_limit_s == 90.0 and plan.answer_limit_s == 90
    assert plan.language == "ko"
    with session_scope(factory) as db:
        row = db.get(PracticeAnswer, plan.answer_id)
        assert (row.status, row.owner_instance, row.recording_path) == (
            "recording", "instance-a", f"fake/{plan.answer_id}.webm"
        )
    assert kind.started == [session_id]


def test_failed_attempts_do_not_use_up_retakes_on_the_server_or_the_page(factory, tmp_path: Path) -> None:
    kind = FakeAnswers()
    seeker_id, session_id, question_id = _scope(factory)
    _consent(factory, seeker_id)
    store = RecordedAnswerStore(kind, _services(factory, tmp_path, []), scope_id=session_id, owner_id=seeker_id)

    def counts() -> tuple[int, dict[int, int]]:
        with session_scope(factory) as db:
            answers = db.scalars(select(PracticeAnswer)).all()
            return kind.attempts_used(db, session_id, question_id), kind.attempts_by_question(answers)

    first = store.create_answer(question_id)
    assert not isinstance(first, str)
    store.mark_failed(first.answer_id, "recorder_failed")  # the system's failure, not the seeker's
    assert counts() == (0, {})
    second = store.create_answer(question_id)
    assert not isinstance(second, str) and second.attempt == 1
    third = store.create_answer(question_id)  # the one retake
    assert not isinstance(third, str) and third.attempt == 2
    assert counts() == (2, {question_id: 2})
    assert store.create_answer(question_id) == "no_retakes_left"


def test_recorded_then_queued_for_the_kinds_job(factory, tmp_path: Path) -> None:
    kind, kicks = FakeAnswers(), []
    seeker_id, session_id, question_id = _scope(factory)
    _consent(factory, seeker_id)
    store = RecordedAnswerStore(kind, _services(factory, tmp_path, kicks), scope_id=session_id, owner_id=seeker_id)
    plan = store.create_answer(question_id)
    assert not isinstance(plan, str)
    store.mark_recorded(plan.answer_id, _ref(plan.path, 12.5, partial=True))
    store.queue_file_analysis(plan.answer_id, "analysis_behind")
    with session_scope(factory) as db:
        row = db.get(PracticeAnswer, plan.answer_id)
        assert (row.status, row.partial, row.duration_s, row.error_code) == ("analyzing", True, 12.5, "analysis_behind")
        jobs = db.scalars(select(Job)).all()
        assert [(j.kind, j.payload) for j in jobs] == [("analyze_fake_answer", {"answer_id": plan.answer_id})]
    assert kicks == [1]


def test_the_analysis_job_marks_an_unreadable_recording_failed(factory, tmp_path: Path) -> None:
    kind = FakeAnswers()
    seeker_id, session_id, question_id = _scope(factory)
    _consent(factory, seeker_id)
    store = RecordedAnswerStore(kind, _services(factory, tmp_path, []), scope_id=session_id, owner_id=seeker_id)
    plan = store.create_answer(question_id)
    assert not isinstance(plan, str)  # no file was ever written at plan.path

    class _Settings:
        recordings_dir = tmp_path
        whisper_model = "base"
        model_cache_dir = tmp_path / "models"

    context = JobContext(
        sessionmaker=factory, services={"settings": _Settings(), "model_pool": ModelPool(tmp_path / "models")}
    )
    with pytest.raises(JobFailed) as failed:
        analyze_answer(kind, context, {"answer_id": plan.answer_id})
    assert failed.value.code == "file_not_found" and not failed.value.retryable
    with session_scope(factory) as db:
        row = db.get(PracticeAnswer, plan.answer_id)
        assert (row.status, row.error_code) == ("failed", "file_not_found")
    analyze_answer(kind, context, {"answer_id": 10**6})  # deleted meanwhile: nothing to do
    assert kind.reported == []


def test_failure_handler_and_recovery_use_the_kinds_table_and_job(factory, tmp_path: Path) -> None:
    kind = FakeAnswers()
    seeker_id, session_id, question_id = _scope(factory)
    _consent(factory, seeker_id)
    services = _services(factory, tmp_path, [])
    store = RecordedAnswerStore(kind, services, scope_id=session_id, owner_id=seeker_id)
    lost = store.create_answer(question_id)
    given_up = store.create_answer(question_id)
    assert not isinstance(lost, str) and not isinstance(given_up, str)
    store.mark_recorded(given_up.answer_id, _ref(given_up.path, 3.0, partial=False))
    fail_answer(kind, JobContext(sessionmaker=factory, services={}), {"answer_id": given_up.answer_id}, "worker_lost")
    # "instance-a" has no heartbeat row: the process that was recording is gone.
    assert recover_answers(kind, factory, owner_timeout_s=30.0) == 1
    with session_scope(factory) as db:
        rows = {a.id: (a.status, a.partial, a.error_code) for a in db.scalars(select(PracticeAnswer))}
        assert rows == {lost.answer_id: ("analyzing", True, None), given_up.answer_id: ("failed", False, "worker_lost")}
        assert [(j.kind, j.payload) for j in db.scalars(select(Job))] == [
            ("analyze_fake_answer", {"answer_id": lost.answer_id})
        ]
    assert recover_answers(kind, factory, owner_timeout_s=30.0) == 0  # its job is queued: once only


def test_every_kind_has_its_job_failure_handler_and_consent() -> None:
    handlers, failures = job_handlers(), job_failure_handlers()
    kinds = answer_kinds()
    assert {k.name for k in kinds} == {"practice", "interview"}
    for kind in kinds:
        assert kind.analysis_job in handlers and kind.analysis_job in failures
        assert issubclass(kind.answer_model, RecordedAnswer)
    assert len({k.consent.purpose for k in kinds}) == len(kinds)


def test_an_outdated_consent_version_is_refused(factory) -> None:
    seeker_id, _session_id, _question_id = _scope(factory)
    with session_scope(factory) as db:
        seeker = db.get(User, seeker_id)
        with pytest.raises(Conflict):
            grant_consent(db, seeker, FAKE_TERMS, "v0", "ko")
        assert not has_consent(db, seeker, FAKE_TERMS)
        grant_consent(db, seeker, FAKE_TERMS, "v1", "ko")
        assert has_consent(db, seeker, FAKE_TERMS)
        assert not has_consent(db, seeker, ConsentTerms(purpose="fake_recording", version="v2"))
