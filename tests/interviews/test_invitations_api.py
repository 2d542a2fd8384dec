"""Invitations, the status pipeline with its history, calendar files, question sets, reviews and
object-level access, through the API on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from server.core.db import session_scope
from server.models.interviews import InterviewAnswer, InterviewInvitation

pytestmark = pytest.mark.unit

SET = {
    "title": "백엔드 1차",
    "language": "ko",
    "intro_message": "안녕하세요. 두 가지 질문에 답해 주세요.",
    "closing_message": "수고하셨습니다.",
    "questions": [
        {"text": "자기소개를 해 주세요.", "think_time_s": 10, "answer_limit_s": 60, "max_retakes": 1},
        {"text": "가장 어려웠던 프로젝트는?", "think_time_s": 10, "answer_limit_s": 60, "max_retakes": 0},
    ],
}


@pytest.fixture
def people(app_client, make_client):
    employer = app_client
    employer.signup("employer", "boss@a.kr", company_name="에이컴퍼니", name="김면접")
    other_employer = make_client()
    other_employer.signup("employer", "boss@b.kr", company_name="비컴퍼니", name="박경쟁")
    colleague = make_client()
    seeker = make_client()
    seeker.signup("seeker", "seeker@x.kr", name="이구직")
    stranger = make_client()
    stranger.signup("seeker", "stranger@x.kr", name="남")
    return {"employer": employer, "other": other_employer, "seeker": seeker, "stranger": stranger,
            "colleague": colleague}


def _future(days: int = 3) -> str:
    return (datetime.now() + timedelta(days=days)).replace(microsecond=0, second=0).isoformat()


def _recorded(employer) -> tuple[dict, dict]:
    qset = employer.send_json("POST", "/api/interviews/sets", SET)
    assert qset.status_code == 201, qset.text
    invitation = employer.send_json("POST", "/api/interviews/invitations", {
        "seeker_email": "seeker@x.kr", "kind": "recorded", "deadline_at": _future(), "question_set_id": qset.json()["id"],
        "title": "백엔드 개발자", "message": "녹화 면접에 초대합니다.",
    })
    assert invitation.status_code == 201, invitation.text
    return qset.json(), invitation.json()


def test_live_invitation_accept_reschedule_and_calendar(people) -> None:
    employer, seeker = people["employer"], people["seeker"]
    created = employer.send_json("POST", "/api/interviews/invitations", {
        "seeker_email": "SEEKER@x.kr", "kind": "live", "scheduled_at": "2030-03-02T14:00:00", "duration_min": 45,
        "title": "프론트엔드 면접",
    })
    assert created.status_code == 201, created.text
    inv = created.json()
    # Naive times are Asia/Seoul: 14:00 KST is 05:00 UTC.
    assert inv["scheduled_at"].startswith("2030-03-02T05:00:00") and inv["status"] == "invited"

    mine = seeker.get("/api/interviews/invitations").json()
    assert [i["id"] for i in mine] == [inv["id"]] and mine[0]["company"] == "에이컴퍼니"

    asked = seeker.send_json("POST", f"/api/interviews/invitations/{inv['id']}/respond",
                             {"action": "reschedule", "note": "3월 3일 오전이 좋습니다"})
    assert asked.status_code == 200 and asked.json()["status"] == "reschedule_requested"
    moved = employer.send_json("POST", f"/api/interviews/invitations/{inv['id']}/status",
                               {"status": "invited", "scheduled_at": "2030-03-03T10:00:00", "note": "변경했습니다"})
    assert moved.status_code == 200 and moved.json()["scheduled_at"].startswith("2030-03-03T01:00:00")
    accepted = seeker.send_json("POST", f"/api/interviews/invitations/{inv['id']}/respond",
                                {"action": "accept", "companion": True})
    assert accepted.json()["status"] == "accepted" and accepted.json()["companion_requested"] is True

    history = employer.get(f"/api/interviews/invitations/{inv['id']}").json()["history"]
    assert [(h["from"], h["to"], h["actor"]) for h in history] == [
        (None, "invited", "김면접"),
        ("invited", "reschedule_requested", "이구직"),
        ("reschedule_requested", "invited", "김면접"),
        ("invited", "accepted", "이구직"),
    ]

    for client in (employer, seeker):
        ics = client.get(f"/api/interviews/invitations/{inv['id']}/calendar.ics")
        assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
        assert "attachment" in ics.headers["content-disposition"]
        text = ics.text
        assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
        assert "DTSTART:20300303T010000Z" in text and "DTEND:20300303T014500Z" in text
        assert f"UID:interview-{inv['id']}@" in text
        assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
        unfolded = text.replace("\r\n ", "")
        assert "SUMMARY:에이컴퍼니 화상 면접 · 프론트엔드 면접" in unfolded


def test_bad_invitations_and_transitions_get_typed_errors(people) -> None:
    employer, seeker = people["employer"], people["seeker"]
    no_seeker = employer.send_json("POST", "/api/interviews/invitations",
                                   {"seeker_email": "boss@b.kr", "kind": "live", "scheduled_at": _future()})
    assert no_seeker.status_code == 422 and no_seeker.json()["error"]["code"] == "seeker_not_found"
    no_time = employer.send_json("POST", "/api/interviews/invitations", {"seeker_email": "seeker@x.kr", "kind": "live"})
    assert no_time.json()["error"]["code"] == "schedule_required"
    past = employer.send_json("POST", "/api/interviews/invitations", {
        "seeker_email": "seeker@x.kr", "kind": "recorded", "deadline_at": "2020-01-01T00:00:00",
        "question_set_id": employer.send_json("POST", "/api/interviews/sets", SET).json()["id"]})
    assert past.json()["error"]["code"] == "deadline_in_past"
    foreign_set = people["other"].send_json("POST", "/api/interviews/sets", SET).json()
    stolen = employer.send_json("POST", "/api/interviews/invitations", {
        "seeker_email": "seeker@x.kr", "kind": "recorded", "deadline_at": _future(), "question_set_id": foreign_set["id"]})
    assert stolen.status_code == 404

    _, inv = _recorded(employer)
    early = employer.send_json("POST", f"/api/interviews/invitations/{inv['id']}/status",
                               {"status": "decided", "decision": "pass"})
    assert early.status_code == 409 and early.json()["error"]["code"] == "invalid_transition"
    unexplained = seeker.send_json("POST", f"/api/interviews/invitations/{inv['id']}/respond", {"action": "reschedule"})
    assert unexplained.json()["error"]["code"] == "reschedule_note_required"
    not_yet = seeker.send_json("POST", f"/api/interviews/invitations/{inv['id']}/submit")
    assert not_yet.status_code == 409 and not_yet.json()["error"]["code"] == "interview_not_open"


def _add_answer(client, invitation_id: int, question_id: int, report: dict | None, *, attempt: int = 1) -> int:
    with session_scope(client.app.state.sessionmaker) as db:
        answer = InterviewAnswer(
            invitation_id=invitation_id, question_id=question_id, attempt=attempt,
            status="ready" if report else "analyzing", report=report,
            overall_score=report["scores"]["overall"]["score"] if report else None, duration_s=12.0,
        )
        db.add(answer)
        db.flush()
        return answer.id


def _report(overall: int) -> dict:
    return {
        "duration_s": 12.0,
        "flags": [],
        "scores": {k: {"score": overall, "explanation_ko": "설명", "explanation_en": "why"}
                   for k in ("overall", "delivery", "gaze", "content")},
        "transcript": {"text": "저는 팀과 함께 도서관 예약 시스템을 만들었습니다.", "words": []},
        "fillers": {"items": []},
    }


def test_review_pipeline_ratings_comments_and_explanations(people, make_client) -> None:
    employer, seeker, other = people["employer"], people["seeker"], people["other"]
    qset, inv = _recorded(employer)
    q1, q2 = (q["id"] for q in qset["questions"])
    assert seeker.send_json("POST", f"/api/interviews/invitations/{inv['id']}/respond", {"action": "accept"}).status_code == 200
    first = _add_answer(employer, inv["id"], q1, _report(70))
    missing = seeker.send_json("POST", f"/api/interviews/invitations/{inv['id']}/submit")
    assert missing.status_code == 409 and missing.json()["error"]["code"] == "answers_missing"
    second = _add_answer(employer, inv["id"], q2, _report(50))
    submitted = seeker.send_json("POST", f"/api/interviews/invitations/{inv['id']}/submit")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"

    # A second reviewer from the same company rates independently; the aggregate shows both.
    colleague = make_client()
    with session_scope(employer.app.state.sessionmaker) as db:
        company_id = db.get(InterviewInvitation, inv["id"]).company_id
    from server.accounts.security import open_session
    from server.accounts.service import ensure_user
    from server.models import Role
    with session_scope(employer.app.state.sessionmaker) as db:
        user, _ = ensure_user(db, email="second@a.kr", password="second-pass-1", role=Role.EMPLOYER,
                              display_name="최평가", company_name=None)
        user.company_id = company_id
        colleague.cookies.set("untact_session", open_session(db, user, 3600))
    assert employer.send_json("PUT", f"/api/interviews/answers/{first}/rating", {"score": 4}).status_code == 200
    rated = colleague.send_json("PUT", f"/api/interviews/answers/{first}/rating", {"score": 2})
    assert rated.json()["ratings"] == {"count": 2, "mean": 3.0, "min": 2, "max": 4, "spread": 1.0}
    again = employer.send_json("PUT", f"/api/interviews/answers/{first}/rating", {"score": 5})
    assert again.json()["ratings"]["count"] == 2 and again.json()["ratings"]["mean"] == 3.5
    assert employer.send_json("PUT", f"/api/interviews/answers/{first}/rating", {"score": 6}).status_code == 422

    comment = employer.send_json("POST", f"/api/interviews/answers/{first}/comments", {"at_s": 4.5, "text": "여기서 구체적 수치"})
    assert comment.status_code == 201
    late = employer.send_json("POST", f"/api/interviews/answers/{first}/comments", {"at_s": 99, "text": "영상 밖"})
    assert late.json()["error"]["code"] == "comment_time_out_of_range"

    review = employer.get(f"/api/interviews/invitations/{inv['id']}/review").json()
    item = review["answers"][0]
    assert item["answer"]["transcript"].startswith("저는 팀과") and item["answer"]["video_url"] is None
    assert item["comments"] == [{"id": comment.json()["id"], "at_s": 4.5, "text": "여기서 구체적 수치", "author": "김면접"}]
    assert item["ratings"]["mean"] == 3.5 and item["my_rating"]["score"] == 5
    assert review["overall_rating"] == 3.5  # the unrated second answer does not count as zero

    # The seeker sees their own answers and asks for an explanation; the employer answers it.
    mine = seeker.get(f"/api/interviews/invitations/{inv['id']}").json()
    assert sorted(a["id"] for a in mine["answers"]) == sorted([first, second])
    assert "seeker" not in mine
    asked = seeker.send_json("POST", f"/api/interviews/answers/{second}/explanation", {"kind": "human_review", "message": "다시 봐 주세요"})
    assert asked.status_code == 201
    assert other.send_json("POST", f"/api/interviews/explanations/{asked.json()['id']}/answer", {"response": "x"}).status_code == 404
    answered = employer.send_json("POST", f"/api/interviews/explanations/{asked.json()['id']}/answer",
                                  {"response": "면접관 두 명이 영상을 직접 다시 보았습니다."})
    assert answered.json()["status"] == "answered"
    assert seeker.get(f"/api/interviews/invitations/{inv['id']}").json()["explanation_requests"][0]["status"] == "answered"

    # Pipeline to a human decision, with history.
    for body in ({"status": "under_review"}, {"status": "decided", "decision": "hold", "note": "2차 면접 후 결정"}):
        response = employer.send_json("POST", f"/api/interviews/invitations/{inv['id']}/status", body)
        assert response.status_code == 200, response.text
    no_decision = employer.send_json("POST", f"/api/interviews/invitations/{inv['id']}/status", {"status": "decided"})
    assert no_decision.status_code == 409
    final = seeker.get(f"/api/interviews/invitations/{inv['id']}").json()
    assert final["status"] == "decided" and final["decision"] == "hold"
    assert [h["to"] for h in final["history"]] == ["invited", "accepted", "in_progress", "submitted", "under_review", "decided"]


def test_company_b_and_other_seekers_see_nothing_of_company_a(people) -> None:
    employer, seeker, other, stranger = people["employer"], people["seeker"], people["other"], people["stranger"]
    qset, inv = _recorded(employer)
    seeker.send_json("POST", f"/api/interviews/invitations/{inv['id']}/respond", {"action": "accept"})
    answer_id = _add_answer(employer, inv["id"], qset["questions"][0]["id"], _report(60))
    assert employer.send_json("PUT", f"/api/interviews/invitations/{inv['id']}/scorecard",
                              {"scores": {"communication": 4}, "notes": "비공개: 연봉 기대치 높음"}).status_code == 200
    bad_criterion = employer.send_json("PUT", f"/api/interviews/invitations/{inv['id']}/scorecard", {"scores": {"height": 5}})
    assert bad_criterion.json()["error"]["code"] == "unknown_criterion"

    assert other.get("/api/interviews/invitations").json() == []
    assert other.get("/api/interviews/sets").json() == []
    for method, url, body in (
        ("GET", f"/api/interviews/invitations/{inv['id']}", None),
        ("GET", f"/api/interviews/invitations/{inv['id']}/review", None),
        ("GET", f"/api/interviews/invitations/{inv['id']}/calendar.ics", None),
        ("GET", f"/api/interviews/invitations/{inv['id']}/scorecard", None),
        ("PUT", f"/api/interviews/invitations/{inv['id']}/scorecard", {"scores": {}, "notes": "x"}),
        ("POST", f"/api/interviews/invitations/{inv['id']}/status", {"status": "held"}),
        ("GET", f"/api/interviews/sets/{qset['id']}", None),
        ("GET", f"/api/interviews/answers/{answer_id}/video", None),
        ("GET", f"/api/interviews/answers/{answer_id}/report", None),
        ("PUT", f"/api/interviews/answers/{answer_id}/rating", {"score": 1}),
        ("POST", f"/api/interviews/answers/{answer_id}/comments", {"at_s": 1, "text": "x"}),
        ("GET", f"/interviews/{inv['id']}", None),
    ):
        response = other.send_json(method, url, body)
        assert response.status_code == 404, (method, url, response.status_code)
    for url in (f"/api/interviews/invitations/{inv['id']}", f"/api/interviews/answers/{answer_id}/report",
                f"/api/interviews/invitations/{inv['id']}/calendar.ics", f"/interviews/{inv['id']}"):
        assert stranger.get(url).status_code == 404, url

    # The invited seeker never sees scorecards or private notes: not by role, not in their views.
    assert seeker.get(f"/api/interviews/invitations/{inv['id']}/scorecard").status_code == 403
    assert seeker.get(f"/api/interviews/invitations/{inv['id']}/review").status_code == 403
    for url in (f"/api/interviews/invitations/{inv['id']}", f"/interviews/{inv['id']}",
                f"/api/interviews/answers/{answer_id}/report"):
        body = seeker.get(url).text
        assert "연봉 기대치" not in body and "private-notes" not in body, url
    assert "연봉 기대치" in employer.get(f"/interviews/{inv['id']}").text
    # Company B's reviewer data never leaks into company A's summary either.
    assert employer.get(f"/api/interviews/invitations/{inv['id']}/scorecard").json()["summary"]["communication"]["count"] == 1
