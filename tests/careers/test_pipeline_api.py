"""The hiring pipeline over the API (both databases): one card per candidate and posting at the
furthest stage, 면접 초대 by seeker id through the one invitation path (the seeker is notified),
the employer's decision and hire confirmation, internal notes that only the company reads, and
the seeker's plain-language status."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from server.core.db import session_scope
from server.models import JobApplication
from tests.careers.conftest import create_posting, save_profile

pytestmark = pytest.mark.unit

NOTE = "연봉 기대치가 높음 — 내부 검토용"


def _soon() -> str:
    return (datetime.now() + timedelta(days=10)).replace(hour=14, minute=0, second=0, microsecond=0).isoformat()


def _stages(client, url: str) -> dict[tuple[int, int], tuple[str, str | None]]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return {
        (c["posting_id"], c["seeker_id"]): (c["stage"], c["outcome"])
        for group in response.json()["stages"]
        for c in group["cards"]
    }


def _progress(seeker) -> dict[int, str]:
    return {p["posting_id"]: p["status_text"] for p in seeker.get("/api/careers/applications").json()["progress"]}


@pytest.fixture
def hiring(people):
    employer = people("employer", "boss@pipe.kr", name="김채용", company="파이프회사")
    posting = create_posting(employer)
    seeker = people("seeker", "seeker@pipe.kr", name="이구직")
    save_profile(seeker, skills=["Python", "Django", "PostgreSQL"], headline="백엔드 신입")
    return employer, posting, seeker


def test_a_candidate_moves_from_recommended_to_hired_and_both_sides_agree(hiring) -> None:
    employer, posting, seeker = hiring
    pid, sid = posting["id"], seeker.user["id"]
    url = f"/api/careers/postings/{pid}/pipeline"
    assert _stages(employer, url)[(pid, sid)] == ("recommended", None)
    assert _progress(seeker) == {}  # a recommendation is the employer's own view

    assert employer.send_json("POST", f"/api/careers/postings/{pid}/invitations", {"seeker_id": sid}).status_code == 201
    assert _stages(employer, url)[(pid, sid)] == ("offered", None)

    applied = seeker.send_json("POST", f"/api/careers/postings/{pid}/apply", {"message": "지원합니다"})
    assert applied.status_code == 201
    assert _stages(employer, url)[(pid, sid)] == ("applied", None)
    assert _progress(seeker)[pid] == "지원 완료 — 회사가 확인하기 전입니다"

    application_id = applied.json()["id"]
    moved = employer.send_json("PUT", f"/api/careers/applications/{application_id}", {"status": "reviewing"})
    assert moved.status_code == 200
    assert _stages(employer, url)[(pid, sid)] == ("screening", None)
    assert _progress(seeker)[pid] == "서류 검토 중"

    # 면접 초대 by id: no email anywhere in the request.
    invited = employer.send_json(
        "POST", f"/api/careers/postings/{pid}/interview-invitations",
        {"seeker_id": sid, "kind": "live", "scheduled_at": "2030-03-05T14:00:00", "message": "화상으로 뵙겠습니다"},
    )
    assert invited.status_code == 201, invited.text
    invitation_id = invited.json()["id"]
    assert _stages(employer, url)[(pid, sid)] == ("interview_scheduled", None)
    assert _progress(seeker)[pid] == "면접 예정: 2030년 3월 5일 (화) 오후 2:00"
    assert seeker.get("/api/careers/applications?lang=en").json()["progress"][0]["status_text"] == (
        "Interview scheduled: Tue 5 Mar 2030, 2:00 PM"
    )
    # The one invitation path: the seeker is notified, and the invitation is linked to the posting.
    notes = seeker.get("/api/notifications").json()
    assert any(n["link"] == f"/interviews/{invitation_id}" for n in notes["items"])
    mine = seeker.get(f"/api/interviews/invitations/{invitation_id}").json()
    assert mine["posting_id"] == pid and mine["message"] == "화상으로 뵙겠습니다"
    # A second invitation while one is pending is refused.
    again = employer.send_json(
        "POST", f"/api/careers/postings/{pid}/interview-invitations",
        {"seeker_id": sid, "kind": "live", "scheduled_at": "2030-03-06T14:00:00"},
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "interview_already_pending"

    # Before the seeker accepts there is nothing to decide.
    early = employer.send_json("POST", f"/api/careers/postings/{pid}/candidates/{sid}/decision", {"decision": "pass"})
    assert early.status_code == 409 and early.json()["error"]["code"] == "interview_not_held"
    accepted = seeker.send_json("POST", f"/api/interviews/invitations/{invitation_id}/respond", {"action": "accept"})
    assert accepted.status_code == 200

    decided = employer.send_json("POST", f"/api/careers/postings/{pid}/candidates/{sid}/decision", {"decision": "pass"})
    assert decided.status_code == 200, decided.text
    assert decided.json() == {"stage": "result", "outcome": "pass"}
    history = [h["to"] for h in employer.get(f"/api/interviews/invitations/{invitation_id}").json()["history"]]
    assert history == ["invited", "accepted", "held", "under_review", "decided"]
    assert _stages(employer, url)[(pid, sid)] == ("result", "pass")
    assert _progress(seeker)[pid] == "결과 안내: 합격"
    english = seeker.get("/api/careers/applications?lang=en").json()["progress"]
    assert english[0]["status_text"] == "Result: passed"
    assert "Result: passed" in seeker.get("/applications?lang=en").text
    board = employer.get(f"/employer/postings/{pid}/pipeline?lang=en").text
    assert '7. Result <span class="muted">(1)</span>' in board and "Internal notes — not visible to the candidate" in board
    assert employer.get(f"/api/careers/postings/{pid}/applicants").json()["applicants"][0]["status"] == "interview"

    # The seeker's own hire report is a claim: the stage waits for the employer.
    claim = seeker.send_json("POST", "/api/journey/hires", {
        "company_name": "파이프회사", "hired_on": datetime.now().date().isoformat(), "posting_id": pid,
    })
    assert claim.status_code == 201
    card = next(c for g in employer.get(url).json()["stages"] for c in g["cards"] if c["seeker_id"] == sid)
    assert card["stage"] == "result" and card["seeker_reported_hired"] is True
    assert _progress(seeker)[pid] == "결과 안내: 합격"

    hired = employer.send_json("POST", f"/api/careers/postings/{pid}/candidates/{sid}/hire", {})
    assert hired.status_code == 200 and hired.json()["status"] == "hired"
    assert _stages(employer, url)[(pid, sid)] == ("hired", None)
    assert _progress(seeker)[pid] == "입사 확정"
    # The company-wide pipeline shows the same single card.
    company = _stages(employer, "/api/careers/pipeline")
    assert [k for k in company if k[1] == sid] == [(pid, sid)] and company[(pid, sid)] == ("hired", None)


def test_a_rejection_is_recorded_on_the_interview_and_the_application(hiring) -> None:
    employer, posting, seeker = hiring
    pid, sid = posting["id"], seeker.user["id"]
    application = seeker.send_json("POST", f"/api/careers/postings/{pid}/apply", {}).json()
    question_set = employer.send_json("POST", "/api/interviews/sets", {
        "title": "기본 질문", "questions": [{"text": "자기소개를 해 주세요."}],
    }).json()
    deadline = (datetime.now() + timedelta(days=5)).replace(microsecond=0).isoformat()
    invited = employer.send_json("POST", f"/api/careers/postings/{pid}/interview-invitations", {
        "seeker_id": sid, "kind": "recorded", "question_set_id": question_set["id"], "deadline_at": deadline,
    })
    assert invited.status_code == 201, invited.text
    assert _progress(seeker)[pid].startswith("녹화 면접 제출 기한: ")
    seeker.send_json("POST", f"/api/interviews/invitations/{invited.json()['id']}/respond", {"action": "accept"})
    # A recorded interview without answers cannot be decided yet.
    early = employer.send_json("POST", f"/api/careers/postings/{pid}/candidates/{sid}/decision", {"decision": "reject"})
    assert early.status_code == 409 and early.json()["error"]["code"] == "interview_not_held"
    seeker.send_json("POST", f"/api/interviews/invitations/{invited.json()['id']}/respond", {"action": "decline"})

    rejected = employer.send_json(
        "POST", f"/api/careers/postings/{pid}/candidates/{sid}/decision", {"decision": "reject"}
    )
    assert rejected.status_code == 200 and rejected.json() == {"stage": "result", "outcome": "reject"}
    with session_scope(employer.app.state.sessionmaker) as db:
        row = db.scalar(select(JobApplication).where(JobApplication.id == application["id"]))
        assert row is not None and row.status == "rejected"
    assert _progress(seeker)[pid] == "결과 안내: 불합격"
    # Without an interview, 합격 cannot be recorded.
    refused = employer.send_json("POST", f"/api/careers/postings/{pid}/candidates/{sid}/decision", {"decision": "pass"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "no_interview_to_decide"


def test_internal_notes_stay_with_the_company(hiring, people) -> None:
    employer, posting, seeker = hiring
    pid, sid = posting["id"], seeker.user["id"]
    seeker.send_json("POST", f"/api/careers/postings/{pid}/apply", {})
    notes_url = f"/api/careers/postings/{pid}/candidates/{sid}/notes"
    added = employer.send_json("POST", notes_url, {"body": NOTE})
    assert added.status_code == 201 and added.json()["author"] == "김채용"
    assert employer.get(notes_url).json()["internal_notes"][0]["body"] == NOTE
    card = next(c for g in employer.get(f"/api/careers/postings/{pid}/pipeline").json()["stages"] for c in g["cards"])
    assert card["internal_notes"][0]["body"] == NOTE
    page = employer.get(f"/employer/postings/{pid}/pipeline").text
    assert NOTE in page and "내부 메모 — 지원자에게 보이지 않음" in page

    # The seeker reads neither the pipeline nor the notes, and never sees the note anywhere.
    for url in (notes_url, f"/api/careers/postings/{pid}/pipeline", "/api/careers/pipeline"):
        assert seeker.get(url).status_code == 403
    assert seeker.send_json("POST", notes_url, {"body": "x"}).status_code == 403
    assert seeker.get("/employer/pipeline").status_code == 403
    for url in ("/api/careers/applications", "/applications", "/api/interviews/invitations", "/interviews"):
        assert NOTE not in seeker.get(url).text

    # Another company sees nothing of it (404, as if it did not exist), and its own pipeline is empty of it.
    other = people("employer", "other@pipe.kr", company="남의회사")
    for method, url, body in (
        ("GET", notes_url, None),
        ("POST", notes_url, {"body": "엿보기"}),
        ("GET", f"/api/careers/postings/{pid}/pipeline", None),
        ("POST", f"/api/careers/postings/{pid}/candidates/{sid}/decision", {"decision": "reject"}),
        ("POST", f"/api/careers/postings/{pid}/candidates/{sid}/hire", {}),
        ("POST", f"/api/careers/postings/{pid}/interview-invitations",
         {"seeker_id": sid, "kind": "live", "scheduled_at": _soon()}),
    ):
        response = other.send_json(method, url, body)
        assert response.status_code == 404, (url, response.text)
    assert other.get(f"/employer/postings/{pid}/pipeline").status_code == 404
    assert all(c["posting_id"] != pid for g in other.get("/api/careers/pipeline").json()["stages"] for c in g["cards"])
    assert NOTE not in other.get("/employer/pipeline").text


def test_only_seekers_the_company_may_see_can_be_invited_by_id(hiring, people) -> None:
    employer, posting, _ = hiring
    pid = posting["id"]
    hidden = people("seeker", "hidden@pipe.kr", name="비공개")
    save_profile(hidden, discoverable=False)
    body = {"seeker_id": hidden.user["id"], "kind": "live", "scheduled_at": _soon()}
    url = f"/api/careers/postings/{pid}/interview-invitations"
    refused = employer.send_json("POST", url, body)
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "seeker_not_found"
    assert employer.get(f"/employer/seekers/{hidden.user['id']}").status_code == 404
    # An employer account is not a seeker either.
    assert employer.send_json("POST", url, {**body, "seeker_id": employer.user["id"]}).status_code == 404

    # Once the hidden seeker applies, the company may see and invite them.
    assert hidden.send_json("POST", f"/api/careers/postings/{pid}/apply", {}).status_code == 201
    assert employer.send_json("POST", url, body).status_code == 201
    profile_page = employer.get(f"/employer/seekers/{hidden.user['id']}").text
    assert "비공개" in profile_page and "hidden@pipe.kr" not in profile_page


def test_the_invite_button_sits_on_talent_cards_and_applicant_rows_without_an_email_field(hiring) -> None:
    employer, posting, seeker = hiring
    pid = posting["id"]
    seeker.send_json("POST", f"/api/careers/postings/{pid}/apply", {})
    manage = employer.get(f"/employer/postings/{pid}").text
    assert manage.count('data-testid="interview-invite"') >= 2  # the applicant row and the talent card
    assert f'data-api="/api/careers/postings/{pid}/interview-invitations"' in manage
    talent = employer.get("/employer/talent").text
    assert 'data-testid="interview-invite"' in talent
    for html in (manage, talent, employer.get(f"/employer/postings/{pid}/pipeline").text):
        assert "seeker_email" not in html and "seeker@pipe.kr" not in html


def test_a_decision_made_on_the_interview_page_moves_the_application_too(hiring) -> None:
    employer, posting, seeker = hiring
    pid, sid = posting["id"], seeker.user["id"]
    application = seeker.send_json("POST", f"/api/careers/postings/{pid}/apply", {}).json()
    invited = employer.send_json("POST", f"/api/careers/postings/{pid}/interview-invitations", {
        "seeker_id": sid, "kind": "live", "scheduled_at": _soon(), "duration_min": 30,
    })
    assert invited.status_code == 201, invited.text
    iid = invited.json()["id"]
    seeker.send_json("POST", f"/api/interviews/invitations/{iid}/respond", {"action": "accept"})
    # Not through the pipeline: the interview's own status moves, as the review page makes them.
    for status, extra in (("held", {}), ("under_review", {}), ("decided", {"decision": "reject"})):
        moved = employer.send_json("POST", f"/api/interviews/invitations/{iid}/status", {"status": status, **extra})
        assert moved.status_code == 200, moved.text
    with session_scope(employer.app.state.sessionmaker) as db:
        row = db.scalar(select(JobApplication).where(JobApplication.id == application["id"]))
        assert row is not None and row.status == "rejected"
    assert _stages(employer, f"/api/careers/postings/{pid}/pipeline")[(pid, sid)] == ("result", "reject")
    assert _progress(seeker)[pid] == "결과 안내: 불합격"
