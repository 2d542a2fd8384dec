"""Practice sets, consent, ownership and deletion through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from server.models import PracticeAnswer, PracticeSession
from server.practice.service import CONSENT

pytestmark = pytest.mark.unit


def _seeker(client, email="s1@x.kr"):
    client.signup("seeker", email)
    return client


def test_a_field_set_has_common_and_field_questions_in_the_chosen_language(app_client) -> None:
    _seeker(app_client)
    session = app_client.send_json(
        "POST", "/api/practice/sessions",
        {"source": "field", "field": "healthcare", "question_count": 4, "language": "ko", "think_time_s": 20},
    ).json()
    assert session["title"] == "보건·의료"
    assert len(session["questions"]) == 4
    assert all(q["think_time_s"] == 20 and q["answer_limit_s"] == 90 for q in session["questions"])
    assert all(any("\uac00" <= ch <= "\ud7a3" for ch in q["text"]) for q in session["questions"])


def test_custom_and_posting_sets(app_client) -> None:
    _seeker(app_client)
    catalog = app_client.get("/api/practice/catalog").json()
    assert len(catalog["fields"]) >= 6
    per_field = {f["id"]: sum(1 for q in catalog["questions"] if q["field"] == f["id"]) for f in catalog["fields"]}
    assert min(per_field.values()) >= 10
    picked = [q["id"] for q in catalog["questions"][:2]]
    custom = app_client.send_json(
        "POST", "/api/practice/sessions",
        {"source": "custom", "question_ids": picked, "custom_questions": ["우리 회사에 왜 지원했나요?", "  "]},
    ).json()
    assert [q["text"] for q in custom["questions"]][-1] == "우리 회사에 왜 지원했나요?"
    assert len(custom["questions"]) == 3

    posting = app_client.send_json(
        "POST", "/api/practice/sessions",
        {"source": "posting", "posting_title": "백엔드 개발자", "language": "ko", "question_count": 3,
         "posting_text": "파이썬과 Django로 API를 개발합니다. PostgreSQL, Docker 경험 우대. 협업과 코드 리뷰를 중시합니다."},
    ).json()
    texts = " ".join(q["text"] for q in posting["questions"])
    assert len(posting["questions"]) == 3 and "백엔드 개발자" in texts


def test_bad_practice_requests_get_typed_errors(app_client) -> None:
    _seeker(app_client)
    unknown = app_client.send_json("POST", "/api/practice/sessions", {"source": "field", "field": "astronaut"})
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unknown_field"
    empty = app_client.send_json("POST", "/api/practice/sessions", {"source": "custom"})
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "no_questions"
    too_long = app_client.send_json("POST", "/api/practice/sessions", {"source": "field", "field": "it_dev", "answer_limit_s": 3600})
    assert too_long.status_code == 422 and too_long.json()["error"]["code"] == "invalid_input"


def test_consent_is_stored_with_time_and_version(app_client) -> None:
    _seeker(app_client)
    assert app_client.get("/api/practice/consent").json()["granted"] is False
    old = app_client.send_json("POST", "/api/practice/consent", {"version": "2020-01-v0"})
    assert old.status_code == 409 and old.json()["error"]["code"] == "consent_outdated"
    granted = app_client.send_json("POST", "/api/practice/consent", {"version": CONSENT.version})
    assert granted.status_code == 201 and granted.json()["version"] == CONSENT.version
    status = app_client.get("/api/practice/consent").json()
    assert status["granted"] is True and status["retention_days"] > 0


def _fake_answer(client, session_id: int, data_dir: Path) -> tuple[int, Path]:
    """An answer row with a recording file, as the live recorder leaves them."""
    from server.core.db import session_scope
    from server.practice.service import answer_file

    with session_scope(client.app.state.sessionmaker) as db:
        session = db.get(PracticeSession, session_id)
        answer = PracticeAnswer(session_id=session_id, question_id=session.questions[0].id, status="ready",
                                report=None)
        db.add(answer)
        db.flush()
        path = answer_file(data_dir / "recordings", answer)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"webm bytes")
        answer.recording_path = str(path.relative_to(data_dir / "recordings"))
        return answer.id, path


def test_other_people_cannot_reach_a_seekers_practice(app_client, make_client, tmp_path) -> None:
    _seeker(app_client)
    session_id = app_client.send_json("POST", "/api/practice/sessions", {"source": "field", "field": "it_dev"}).json()["id"]
    answer_id, _ = _fake_answer(app_client, session_id, tmp_path / "data")
    assert app_client.get(f"/api/practice/answers/{answer_id}/video").status_code == 200

    other = make_client()
    other.signup("seeker", "other@x.kr")
    employer = make_client()
    employer.signup("employer", "boss@x.kr", company_name="다른회사")
    for client, expected in ((other, 404), (employer, 403)):
        for method, url in (
            ("GET", f"/api/practice/sessions/{session_id}"),
            ("GET", f"/api/practice/answers/{answer_id}/report"),
            ("GET", f"/api/practice/answers/{answer_id}/video"),
            ("GET", f"/practice/{session_id}"),
            ("GET", f"/practice/{session_id}/report"),
            ("DELETE", f"/api/practice/answers/{answer_id}"),
            ("DELETE", f"/api/practice/sessions/{session_id}"),
        ):
            response = client.send_json(method, url)
            assert response.status_code == expected, (method, url, response.status_code)
    assert app_client.get(f"/api/practice/sessions/{session_id}").json()["answers"][0]["id"] == answer_id


def test_deleting_a_session_leaves_no_files_and_no_rows(app_client, tmp_path) -> None:
    _seeker(app_client)
    session_id = app_client.send_json("POST", "/api/practice/sessions", {"source": "field", "field": "it_dev"}).json()["id"]
    first, first_path = _fake_answer(app_client, session_id, tmp_path / "data")
    _, second_path = _fake_answer(app_client, session_id, tmp_path / "data")

    assert app_client.send_json("DELETE", f"/api/practice/answers/{first}").status_code == 204
    assert not first_path.exists() and second_path.exists()
    assert app_client.send_json("DELETE", f"/api/practice/sessions/{session_id}").status_code == 204
    assert not second_path.exists() and not second_path.parent.exists()
    assert list((tmp_path / "data" / "recordings").rglob("*.*")) == []
    with app_client.app.state.sessionmaker() as db:
        assert db.scalar(select(func.count()).select_from(PracticeAnswer)) == 0
        assert db.scalar(select(func.count()).select_from(PracticeSession)) == 0
    assert app_client.get(f"/api/practice/sessions/{session_id}").status_code == 404


def test_practice_older_than_the_retention_period_is_deleted_with_its_files(app_client, tmp_path) -> None:
    from datetime import timedelta

    from server.core.db import session_scope, utcnow
    from server.jobs.queue import JobContext
    from server.models import Job
    from server.practice.jobs import purge_expired_practice
    from server.practice.service import RETENTION_DAYS

    _seeker(app_client)
    old = app_client.send_json("POST", "/api/practice/sessions", {"source": "field", "field": "it_dev"}).json()["id"]
    recent = app_client.send_json("POST", "/api/practice/sessions", {"source": "field", "field": "it_dev"}).json()["id"]
    _, old_file = _fake_answer(app_client, old, tmp_path / "data")
    _, recent_file = _fake_answer(app_client, recent, tmp_path / "data")
    long_ago = utcnow() - timedelta(days=RETENTION_DAYS + 1)
    with session_scope(app_client.app.state.sessionmaker) as db:
        db.get(PracticeSession, old).created_at = long_ago
        for answer in db.get(PracticeSession, old).answers:
            answer.started_at = long_ago

    context = JobContext(app_client.app.state.sessionmaker, {"settings": app_client.app.state.settings})
    purge_expired_practice(context, {})
    assert not old_file.exists() and recent_file.exists()
    assert app_client.get(f"/api/practice/sessions/{old}").status_code == 404
    assert app_client.get(f"/api/practice/sessions/{recent}").status_code == 200
    with app_client.app.state.sessionmaker() as db:
        again = db.scalars(select(Job).where(Job.kind == "purge_expired_practice", Job.status == "queued")).all()
    assert len(again) == 1 and again[0].run_after > utcnow() + timedelta(hours=23)
