"""Consultant review over the API, on SQLite and PostgreSQL: requests and the queue, who may
see what, comments, rubric and verdicts, share links, notifications, withdrawal and deletion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from server.accounts.service import ensure_user
from server.core.db import session_scope
from server.models import (
    AuditEvent,
    Notification,
    ReviewComment,
    ReviewRequest,
    ReviewShareLink,
    ReviewShareView,
    Role,
    ScoreVerdict,
)
from server.review.service import add_working_days
from tests.review.conftest import insert_ready_answer

pytestmark = [pytest.mark.unit, pytest.mark.model]

RUBRIC = {"delivery": 4, "content": 3, "gaze": 5, "structure": 2}


def _staff(app_client, make_client, role: Role, email: str):
    with session_scope(app_client.app.state.sessionmaker) as db:
        user, _ = ensure_user(db, email=email, password="staff-pass-123", role=role, display_name=email.split("@")[0])
        user_id = user.id
    client = make_client()
    client.login(email, "staff-pass-123")
    return client, user_id


@pytest.fixture
def world(app_client, make_client, recorded_answer):
    """A seeker with an analysed, recorded practice session; an admin; two consultants."""
    seeker = app_client
    seeker.signup("seeker", "seeker@review.kr")
    session_id = seeker.send_json("POST", "/api/practice/sessions", {"source": "field", "field": "it_dev"}).json()["id"]
    settings = app_client.app.state.settings
    answer_id, video = insert_ready_answer(
        app_client.app.state.sessionmaker, settings.recordings_dir, session_id, recorded_answer
    )
    admin, _ = _staff(app_client, make_client, Role.ADMIN, "admin@review.kr")
    kim, kim_id = _staff(app_client, make_client, Role.CONSULTANT, "kim@review.kr")
    lee, lee_id = _staff(app_client, make_client, Role.CONSULTANT, "lee@review.kr")
    return {
        "seeker": seeker, "admin": admin, "kim": kim, "kim_id": kim_id, "lee": lee, "lee_id": lee_id,
        "session_id": session_id, "answer_id": answer_id, "video": video, "report": recorded_answer.report,
    }


def _request(w) -> int:
    response = w["seeker"].send_json(
        "POST", "/api/review/requests",
        {"session_id": w["session_id"], "message": "말하기 속도가 궁금합니다", "target_job": "백엔드 개발자"},
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _count(app, model, *where) -> int:
    with app.state.sessionmaker() as db:
        return db.scalar(select(func.count()).select_from(model).where(*where))


def test_due_date_skips_weekends() -> None:
    friday_noon_seoul = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # Fri 12:00 KST
    due = add_working_days(friday_noon_seoul, 3)
    assert due == datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # Wed, not Mon
    assert add_working_days(datetime(2026, 11, 17, 3, 0, tzinfo=UTC), 3).day == 20  # Tue → Fri


def test_session_is_invisible_to_consultants_until_requested_then_only_to_the_assignee(world) -> None:
    kim, lee, admin = world["kim"], world["lee"], world["admin"]
    session_id, answer_id = world["session_id"], world["answer_id"]
    # Before any request: nobody on the staff can open it, and the queue is empty.
    assert kim.get(f"/api/review/sessions/{session_id}").status_code == 403
    assert kim.get(f"/api/review/answers/{answer_id}/video").status_code == 403
    assert kim.get("/api/review/queue").json()["requests"] == []

    request_id = _request(world)
    queue = kim.get("/api/review/queue").json()
    assert [r["id"] for r in queue["requests"]] == [request_id]
    assert queue["requests"][0]["target_job"] == "백엔드 개발자"
    due = datetime.fromisoformat(queue["requests"][0]["due_at"])
    assert timedelta(days=3) <= due - datetime.fromisoformat(queue["requests"][0]["created_at"]) <= timedelta(days=5)
    # In the queue, but not yet theirs: the recording and report stay closed.
    assert kim.get(f"/api/review/sessions/{session_id}").status_code == 403

    assigned = admin.send_json("POST", f"/api/review/requests/{request_id}/assign", {"consultant_id": world["kim_id"]})
    assert assigned.status_code == 200 and assigned.json()["consultant_name"] == "kim"
    loads = {load["email"]: load for load in admin.get("/api/review/queue").json()["loads"]}
    assert loads["kim@review.kr"]["open_count"] == 1 and loads["lee@review.kr"]["open_count"] == 0

    # The assignee sees session, report and file; the other consultant gets 403 on all three.
    assert kim.get(f"/api/review/sessions/{session_id}").status_code == 200
    report = kim.get(f"/api/review/answers/{answer_id}/report")
    assert report.status_code == 200 and report.json()["report"]["duration_s"] == world["report"]["duration_s"]
    video = kim.get(f"/api/review/answers/{answer_id}/video")
    assert video.status_code == 200 and video.content == world["video"].read_bytes()
    for path in (f"/api/review/sessions/{session_id}", f"/api/review/answers/{answer_id}/video",
                 f"/api/review/answers/{answer_id}/report", f"/api/review/requests/{request_id}",
                 f"/review/{request_id}"):
        response = lee.get(path)
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "review_forbidden"
    # Consultants never reach the seeker's own practice routes.
    assert lee.get(f"/api/practice/answers/{answer_id}/video").status_code == 403
    # The open queue no longer offers it to others; claiming it is refused.
    assert lee.get("/api/review/queue").json()["requests"] == []
    claim = lee.send_json("POST", f"/api/review/requests/{request_id}/claim")
    assert claim.status_code == 409 and claim.json()["error"]["code"] == "review_already_taken"

    # Every admin view is in the audit log.
    assert admin.get(f"/api/review/requests/{request_id}").status_code == 200
    with world["seeker"].app.state.sessionmaker() as db:
        events = db.scalars(select(AuditEvent).where(AuditEvent.event == "review_admin_view")).all()
    assert any(e.path == f"/api/review/requests/{request_id}" and e.actor_email == "admin@review.kr" for e in events)


def test_claim_comment_verdict_submit_notify_and_reply(world) -> None:
    kim, seeker = world["kim"], world["seeker"]
    request_id, answer_id = _request(world), world["answer_id"]
    assert kim.send_json("POST", f"/api/review/requests/{request_id}/claim").status_code == 200

    first = kim.send_json("POST", f"/api/review/requests/{request_id}/comments", {
        "answer_id": answer_id, "start_s": 1.0, "end_s": 3.5, "category": "delivery", "body": "첫 문장이 빠릅니다.",
    })
    assert first.status_code == 201, first.text
    second = kim.send_json("POST", f"/api/review/requests/{request_id}/comments", {
        "answer_id": answer_id, "start_s": 4.2, "end_s": 6.0, "category": "structure", "body": "결과를 먼저 말해 보세요.",
    })
    assert second.status_code == 201
    bad = kim.send_json("POST", f"/api/review/requests/{request_id}/comments", {
        "answer_id": answer_id, "start_s": 5.0, "end_s": 2.0, "category": "delivery", "body": "x",
    })
    assert bad.status_code == 422
    unknown = kim.send_json("POST", f"/api/review/requests/{request_id}/comments", {
        "answer_id": answer_id, "start_s": 1, "end_s": 2, "category": "emotion", "body": "x",
    })
    assert unknown.status_code == 422

    no_reason = kim.send_json("PUT", f"/api/review/requests/{request_id}/verdicts",
                              {"answer_id": answer_id, "score_key": "delivery", "agree": False})
    assert no_reason.status_code == 422 and no_reason.json()["error"]["code"] == "review_reason_required"
    verdict = kim.send_json("PUT", f"/api/review/requests/{request_id}/verdicts", {
        "answer_id": answer_id, "score_key": "delivery", "agree": False, "reason": "긴 침묵은 생각 정리였음",
    })
    assert verdict.status_code == 200
    assert verdict.json()["automated_score"] == world["report"]["scores"]["delivery"]["score"]
    assert kim.send_json("PUT", f"/api/review/requests/{request_id}/verdicts",
                         {"answer_id": answer_id, "score_key": "gaze", "agree": True}).status_code == 200
    export = world["admin"].get("/api/review/verdicts").json()
    assert {(v["score_key"], v["agree"]) for v in export} == {("delivery", False), ("gaze", True)}

    # Feedback not sent yet: the seeker sees no comments.
    mine = seeker.get("/api/review/requests/mine").json()
    assert mine[0]["status"] == "assigned" and "comments" not in mine[0]
    incomplete = kim.send_json("POST", f"/api/review/requests/{request_id}/submit",
                               {"rubric": {"delivery": 4}, "summary": "좋아요"})
    assert incomplete.status_code == 422
    out_of_range = kim.send_json("POST", f"/api/review/requests/{request_id}/submit",
                                 {"rubric": {**RUBRIC, "gaze": 6}, "summary": "좋아요"})
    assert out_of_range.status_code == 422
    submitted = kim.send_json("POST", f"/api/review/requests/{request_id}/submit", {
        "rubric": RUBRIC, "summary": "전반적으로 좋습니다.", "next_steps": ["retry_questions", "cover_letter"],
        "next_steps_note": "1번 질문을 다시 연습하세요.",
    })
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    # Sent is final.
    late = kim.send_json("POST", f"/api/review/requests/{request_id}/comments", {
        "answer_id": answer_id, "start_s": 1, "end_s": 2, "category": "gaze", "body": "늦은 코멘트",
    })
    assert late.status_code == 409

    notes = seeker.get("/api/notifications").json()
    assert notes["unread"] == 1
    assert notes["items"][0]["link"] == f"/practice/{world['session_id']}/feedback"
    assert "kim 상담사의 면접 연습 피드백이 도착했습니다" in notes["items"][0]["text"]
    assert 'data-testid="unread-badge"' in seeker.get("/practice").text

    mine = seeker.get("/api/review/requests/mine").json()[0]
    assert mine["rubric"] == RUBRIC and mine["next_steps"] == ["retry_questions", "cover_letter"]
    assert [(c["start_s"], c["category"]) for c in mine["comments"]] == [(1.0, "delivery"), (4.2, "structure")]

    page = seeker.get(f"/practice/{world['session_id']}/feedback").text
    assert "첫 문장이 빠릅니다." in page and 'data-seek="4.20"' in page and "자기소개서 컨설팅 받기" in page
    assert seeker.get("/api/notifications").json()["unread"] == 0  # opening the feedback read it
    seeker.cookies.set("untact_locale", "en")
    english = seeker.get(f"/practice/{world['session_id']}/feedback").text
    assert "Consultant feedback" in english and "Take cover-letter consulting" in english
    seeker.cookies.set("untact_locale", "ko")

    comment_id = mine["comments"][0]["id"]
    reply = seeker.send_json("POST", f"/api/review/comments/{comment_id}/reply", {"body": "감사합니다. 천천히 해 볼게요."})
    assert reply.status_code == 200 and reply.json()["reply"] == "감사합니다. 천천히 해 볼게요."
    again = seeker.send_json("POST", f"/api/review/comments/{comment_id}/reply", {"body": "한 번 더"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "review_already_replied"
    assert kim.get("/api/notifications").json()["unread"] >= 1

    # Dashboards: the consultant's done count and the seeker's history.
    loads = {load["email"]: load for load in kim.get("/api/review/queue").json()["loads"]}
    assert loads["kim@review.kr"]["done_count"] == 1 and loads["kim@review.kr"]["open_count"] == 0
    history = kim.get(f"/api/review/seekers/{mine['seeker_id']}/history").json()["history"]
    assert history[0]["rubric_average"] == 3.5 and history[0]["overall"] is not None
    assert world["lee"].get(f"/api/review/seekers/{mine['seeker_id']}/history").status_code == 404


def test_share_link_is_read_only_logged_and_stops_on_revoke_or_expiry(world) -> None:
    kim, admin = world["kim"], world["admin"]
    request_id, answer_id = _request(world), world["answer_id"]
    admin.send_json("POST", f"/api/review/requests/{request_id}/assign", {"consultant_id": world["kim_id"]})
    created = kim.send_json("POST", f"/api/review/requests/{request_id}/shares", {"expires_in_days": 2, "label": "외부 위원"})
    assert created.status_code == 201
    url = created.json()["url"]
    token = url.rsplit("/", 1)[1]

    outsider = world["seeker"].__class__(world["seeker"].app, base_url="http://testserver")
    page = outsider.get(url)
    assert page.status_code == 200 and "공유된 면접 연습 피드백" in page.text
    assert f"/api/shared/review/{token}/answers/{answer_id}/video" in page.text
    video = outsider.get(f"/api/shared/review/{token}/answers/{answer_id}/video")
    assert video.status_code == 200 and video.content == world["video"].read_bytes()
    detail = outsider.get(f"/api/shared/review/{token}").json()
    assert detail["session_title"] and "seeker_id" not in detail and "session_id" not in detail
    # Read-only: the link is no login, so no write route lets it in.
    write = outsider.send_json("POST", f"/api/review/requests/{request_id}/comments",
                               {"answer_id": answer_id, "start_s": 1, "end_s": 2, "category": "gaze", "body": "x"})
    assert write.status_code == 401
    # Scoped to that one session: another session's answer is not served through it.
    other = world["seeker"].send_json("POST", "/api/practice/sessions", {"source": "field", "field": "it_dev"}).json()["id"]
    other_answer, _ = insert_ready_answer(
        world["seeker"].app.state.sessionmaker, world["seeker"].app.state.settings.recordings_dir, other,
        type("R", (), {"report": world["report"], "path": world["video"]})(),
    )
    assert outsider.get(f"/api/shared/review/{token}/answers/{other_answer}/video").status_code == 404
    assert _count(world["seeker"].app, ReviewShareView) >= 4
    shares = kim.get(f"/api/review/requests/{request_id}/shares").json()
    assert shares[0]["views"] >= 4 and shares[0]["url"] is None  # the token is never shown again
    with world["seeker"].app.state.sessionmaker() as db:
        paths = [e.path for e in db.scalars(select(AuditEvent).where(AuditEvent.event == "review_share_view"))]
    assert paths and all(token not in p for p in paths)

    assert kim.send_json("POST", f"/api/review/shares/{shares[0]['id']}/revoke").status_code == 200
    gone = outsider.get(url)
    assert gone.status_code == 410
    assert outsider.get(f"/api/shared/review/{token}/answers/{answer_id}/video").status_code == 410

    # A second link that expires.
    second = kim.send_json("POST", f"/api/review/requests/{request_id}/shares", {"expires_in_days": 1}).json()
    assert outsider.get(second["url"]).status_code == 200
    with session_scope(world["seeker"].app.state.sessionmaker) as db:
        db.get(ReviewShareLink, second["id"]).expires_at = datetime.now(UTC) - timedelta(minutes=1)
    assert outsider.get(second["url"]).status_code == 410
    assert outsider.get("/shared/review/not-a-token").status_code == 404
    # Another consultant cannot make links for it.
    assert world["lee"].send_json("POST", f"/api/review/requests/{request_id}/shares", {}).status_code == 403


def test_withdrawing_removes_consultant_access_and_share_links(world) -> None:
    kim, seeker = world["kim"], world["seeker"]
    request_id, answer_id, session_id = _request(world), world["answer_id"], world["session_id"]
    kim.send_json("POST", f"/api/review/requests/{request_id}/claim")
    link = kim.send_json("POST", f"/api/review/requests/{request_id}/shares", {}).json()["url"]
    assert kim.get(f"/api/review/answers/{answer_id}/video").status_code == 200

    withdrawn = seeker.send_json("POST", f"/api/review/requests/{request_id}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    for path in (f"/api/review/sessions/{session_id}", f"/api/review/answers/{answer_id}/video",
                 f"/api/review/answers/{answer_id}/report", f"/api/review/requests/{request_id}"):
        assert kim.get(path).status_code == 403, path
    assert kim.get("/api/review/queue").json()["requests"] == []
    assert world["seeker"].__class__(seeker.app, base_url="http://testserver").get(link).status_code == 410
    # Someone else's request cannot be withdrawn (looks like it does not exist).
    assert world["lee"].send_json("POST", f"/api/review/requests/{request_id}/withdraw").status_code == 403
    # A fresh request is possible afterwards, and goes back to the queue.
    assert _request(world) != request_id


def test_request_rules(world, make_client) -> None:
    seeker = world["seeker"]
    empty = seeker.send_json("POST", "/api/practice/sessions", {"source": "field", "field": "it_dev"}).json()["id"]
    response = seeker.send_json("POST", "/api/review/requests", {"session_id": empty})
    assert response.status_code == 409 and response.json()["error"]["code"] == "review_needs_report"
    _request(world)
    again = seeker.send_json("POST", "/api/review/requests", {"session_id": world["session_id"]})
    assert again.status_code == 409 and again.json()["error"]["code"] == "review_already_requested"
    other = make_client()
    other.signup("seeker", "other@review.kr")
    assert other.send_json("POST", "/api/review/requests", {"session_id": world["session_id"]}).status_code == 404
    assert other.get(f"/practice/{world['session_id']}/feedback").status_code == 404
    bad_assign = world["admin"].send_json("POST", "/api/review/requests/1/assign", {"consultant_id": 1})
    assert bad_assign.status_code == 422


def test_deleting_the_session_removes_files_comments_and_share_links(world) -> None:
    kim, seeker, app = world["kim"], world["seeker"], world["seeker"].app
    request_id, answer_id = _request(world), world["answer_id"]
    kim.send_json("POST", f"/api/review/requests/{request_id}/claim")
    kim.send_json("POST", f"/api/review/requests/{request_id}/comments",
                  {"answer_id": answer_id, "start_s": 1, "end_s": 2, "category": "gaze", "body": "카메라를 보세요"})
    kim.send_json("PUT", f"/api/review/requests/{request_id}/verdicts",
                  {"answer_id": answer_id, "score_key": "gaze", "agree": True})
    link = kim.send_json("POST", f"/api/review/requests/{request_id}/shares", {}).json()["url"]
    outsider = seeker.__class__(app, base_url="http://testserver")
    assert outsider.get(link).status_code == 200
    kim.send_json("POST", f"/api/review/requests/{request_id}/submit", {"rubric": RUBRIC, "summary": "요약"})
    assert _count(app, ReviewComment) == 1 and _count(app, Notification) >= 1

    assert seeker.send_json("DELETE", f"/api/practice/sessions/{world['session_id']}").status_code == 204
    assert not world["video"].exists()
    assert not world["video"].parent.exists()
    for model in (ReviewRequest, ReviewComment, ScoreVerdict, ReviewShareLink, ReviewShareView):
        assert _count(app, model) == 0, model.__name__
    assert _count(app, Notification, Notification.request_id.is_not(None)) == 0
    assert outsider.get(link).status_code == 404
    assert kim.get(f"/review/{request_id}").status_code == 404
    assert seeker.get("/api/notifications").json()["items"] == []
