"""The journey steps through the API and pages: diagnosis, aptitude, cover letters, counselling,
mentoring, follow-up, the journey view, consultants' access and the admin's numbers."""

from __future__ import annotations

import datetime as dt

import pytest

from server.domain.aptitude import aptitude_items
from server.domain.diagnosis import diagnosis_items
from server.domain.followup import add_months
from server.domain.stress import stress_items
from tests.careers.conftest import create_posting, save_profile

pytestmark = pytest.mark.unit

TODAY = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=9)).date()


def diagnosis_worked_example() -> dict[str, int]:
    """docs/journey.md: all 3 except rd1 = 1, dc1 = 2, wb1 = wb2 = 5 -> overall 43."""
    answers = {i.item_id: 3 for i in diagnosis_items()}
    answers.update(rd1=1, dc1=2, wb1=5, wb2=5)
    return answers


def aptitude_social_conventional() -> dict[str, int]:
    return {i.item_id: 5 if i.group in ("S", "C") else 2 for i in aptitude_items()}


def steps(client) -> dict[str, str]:
    return {s["id"]: s["status"] for s in client.get("/api/journey").json()["steps"]}


def test_diagnosis_scores_the_worked_example_and_recommends_steps_with_reasons(people) -> None:
    seeker = people("seeker", "s@s.kr")
    assert seeker.get("/api/journey").json()["recommended_next"][0]["id"] == "diagnosis"
    incomplete = seeker.send_json("POST", "/api/journey/diagnosis", {"answers": {"rd1": 3}})
    assert incomplete.status_code == 422 and incomplete.json()["error"]["code"] == "missing_answers"
    result = seeker.send_json(
        "POST", "/api/journey/diagnosis", {"answers": diagnosis_worked_example()}
    ).json()["result"]
    assert result["overall_0_100"] == 43.0
    assert [r["step_id"] for r in result["recommendations"]] == [
        "counselling", "aptitude", "mentoring", "cover_letter", "interview_practice"
    ]  # fmt: skip
    journey = seeker.get("/api/journey").json()
    assert steps(seeker)["diagnosis"] == "done"
    assert [r["id"] for r in journey["recommended_next"]] == ["counselling", "aptitude", "mentoring"]
    assert "30점" in journey["recommended_next"][0]["reason"]
    page = seeker.get("/journey/diagnosis", headers={"Accept": "text/html"})
    assert "스트레스·마음 건강" in page.text and "<svg" in page.text
    dashboard = seeker.get("/dashboard", headers={"Accept": "text/html"})
    assert 'data-step="diagnosis" data-status="done"' in dashboard.text and "심리 상담" in dashboard.text


def test_aptitude_result_feeds_the_profile_and_matching(people) -> None:
    employer = people("employer", "e@e.kr")
    public_job = create_posting(
        employer, title="주민센터 행정 보조", field="public_sector", required_skills=[], preferred_skills=[],
        duties="민원 안내와 서류 정리", education="high_school",
    )  # fmt: skip
    seeker = people("seeker", "s@s.kr")
    save_profile(seeker, desired_fields=[], skills=[])
    before = seeker.get("/api/careers/recommendations").json()["recommendations"][0]["match"]
    assert next(c for c in before["components"] if c["name"] == "field")["weight"] == 0
    result = seeker.send_json(
        "POST", "/api/journey/aptitude", {"answers": aptitude_social_conventional()}
    ).json()
    assert result["result"]["code"] == "SCR"
    assert result["result"]["recommended_fields"] == ["public_sector", "office_admin", "healthcare"]
    assert seeker.get("/api/careers/profile").json()["aptitude_fields"] == [
        "public_sector",
        "office_admin",
        "healthcare",
    ]
    after = seeker.get("/api/careers/recommendations").json()["recommendations"][0]
    field = next(c for c in after["match"]["components"] if c["name"] == "field")
    assert after["posting"]["id"] == public_job["id"] and field["score"] == pytest.approx(0.6)
    assert "적성검사 추천 분야" in field["detail"]
    assert steps(seeker)["aptitude"] == "done"
    page = seeker.get("/journey/aptitude", headers={"Accept": "text/html"})
    assert "radar-chart" in page.text and "사회형 (S)" in page.text and "공공기관" in page.text


def test_cover_letter_feedback_consultant_review_and_versions(people) -> None:
    employer = people("employer", "e@e.kr")
    posting = create_posting(employer)
    seeker = people("seeker", "s@s.kr", name="김구직")
    text = "저는 열정적인 사람입니다.\n\n최선을 다하겠습니다."
    created = seeker.send_json(
        "POST", "/api/journey/cover-letters",
        {"title": "백엔드 지원", "text": text, "posting_id": posting["id"], "limit_chars": 1000},
    )  # fmt: skip
    assert created.status_code == 201
    letter = created.json()
    feedback = letter["versions"][0]["feedback"]
    assert feedback["length_verdict"] == "too_short" and feedback["cliches"]
    assert "django" in [k.lower() for k in feedback["keywords_missing"]] or feedback["keywords_missing"]
    assert steps(seeker)["cover_letter"] == "in_progress"

    consultant = people("consultant", "c@centre.kr", name="박상담")
    other = people("consultant", "other@centre.kr")
    admin = people("admin", "admin@centre.kr")
    url = f"/api/journey/cover-letters/{letter['id']}"
    review = {
        "text": "파이썬과 Django로 재고 시스템을 만들어 처리 시간을 30% 줄였습니다.",
        "comment": "성과를 숫자로 쓰세요.",
    }
    assert consultant.send_json("POST", f"{url}/versions", review).status_code == 404  # not assigned yet
    assign = admin.send_json(
        "PUT", "/api/journey/assignments", {"seeker_id": seeker.user["id"], "consultant_id": consultant.user["id"], "centre": "강남센터"}
    )  # fmt: skip
    assert assign.status_code == 200
    assert consultant.send_json("POST", f"{url}/versions", review).status_code == 201
    assert other.get(url).status_code == 404  # another consultant's seeker looks absent
    versions = seeker.get(url).json()["versions"]
    assert [(v["number"], v["author_role"]) for v in versions] == [(1, "seeker"), (2, "consultant")]
    assert versions[1]["feedback"]["quantified_results"]
    assert steps(seeker)["cover_letter"] == "done"
    page = seeker.get(f"/journey/cover-letters/{letter['id']}", headers={"Accept": "text/html"})
    assert page.text.count('class="card version"') == 2 and "성과를 숫자로 쓰세요." in page.text


def test_stress_check_always_shows_crisis_lines_and_counselling_booking(people) -> None:
    seeker = people("seeker", "s@s.kr")
    page = seeker.get("/journey/counselling", headers={"Accept": "text/html"})
    assert "109" in page.text and "1577-0199" in page.text  # before any answer
    high = {i.item_id: (0 if i.reverse else 4) for i in stress_items()}
    result = seeker.send_json("POST", "/api/journey/stress", {"answers": high}).json()["result"]
    assert result["total_0_40"] == 40 and result["band"] == "high" and result["crisis_resources"]
    assert seeker.get("/api/journey").json()["recommended_next"][1]["id"] == "counselling"
    low = {i.item_id: (4 if i.reverse else 0) for i in stress_items()}
    urgent = seeker.send_json("POST", "/api/journey/stress", {"answers": low, "safety_concern": True}).json()
    assert urgent["result"]["urgent"] and "109" in urgent["result"]["message_ko"]
    page = seeker.get("/journey/counselling", headers={"Accept": "text/html"})
    assert "109" in page.text and 'role="alert"' in page.text

    consultant = people("consultant", "c@centre.kr", name="박상담")
    starts = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).replace(microsecond=0).isoformat()
    slot = consultant.send_json(
        "POST", "/api/journey/slots", {"starts_at": starts, "duration_min": 50}
    ).json()
    past = consultant.send_json("POST", "/api/journey/slots", {"starts_at": "2020-01-01T10:00:00+09:00"})
    assert past.status_code == 422 and past.json()["error"]["code"] == "slot_in_past"
    assert [s["id"] for s in seeker.get("/api/journey/slots").json()["slots"]] == [slot["id"]]
    booked = seeker.send_json("POST", f"/api/journey/slots/{slot['id']}/book", {"note": "면접 불안"})
    assert (
        booked.status_code == 200
        and booked.json()["status"] == "booked"
        and booked.json()["room_ref"] is None
    )
    rival = people("seeker", "r@s.kr")
    taken = rival.send_json("POST", f"/api/journey/slots/{slot['id']}/book", {})
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "slot_taken"
    assert steps(seeker)["counselling"] == "in_progress"
    assert consultant.send_json("POST", f"/api/journey/slots/{slot['id']}/held").json()["status"] == "held"
    assert steps(seeker)["counselling"] == "done"


def test_mentoring_match_request_thread_and_session(people) -> None:
    seeker = people("seeker", "s@s.kr", name="김구직")
    save_profile(seeker, desired_fields=["it_dev"], desired_regions=["seoul"])
    mentor = people("employer", "m@corp.kr", name="현직멘토")
    far = people("consultant", "far@centre.kr", name="먼멘토")
    office = people("seeker", "office@s.kr", name="사무멘토")
    for client, fields, region in (
        (mentor, ["it_dev"], "서울"),
        (far, ["it_dev"], "제주"),
        (office, ["office_admin"], "서울"),
    ):
        body = {"fields": fields, "region": region, "job_title": "개발자", "max_mentees": 2}
        assert client.send_json("PUT", "/api/journey/mentor-profile", body).status_code == 200
    ranked = seeker.get("/api/journey/mentors").json()["mentors"]
    assert [m["display_name"] for m in ranked] == ["현직멘토", "먼멘토"]  # no shared field: left out
    request = seeker.send_json(
        "POST",
        "/api/journey/mentor-requests",
        {"mentor_id": mentor.user["id"], "message": "조언 부탁드립니다"},
    ).json()
    assert request["score"] == 100.0
    no_field = seeker.send_json("POST", "/api/journey/mentor-requests", {"mentor_id": office.user["id"]})
    assert no_field.status_code == 404
    assert steps(seeker)["mentoring"] == "in_progress"
    thread_url = f"/api/journey/mentor-requests/{request['id']}"
    assert far.get(thread_url).status_code == 404  # not a participant
    assert seeker.send_json("POST", f"{thread_url}/status", {"status": "accepted"}).status_code == 404
    assert (
        mentor.send_json("POST", f"{thread_url}/status", {"status": "accepted"}).json()["status"]
        == "accepted"
    )
    assert (
        mentor.send_json("POST", f"{thread_url}/messages", {"body": "포트폴리오를 보여 주세요"}).status_code
        == 201
    )
    messages = seeker.get(thread_url).json()["messages"]
    assert [m["body"] for m in messages] == ["조언 부탁드립니다", "포트폴리오를 보여 주세요"]
    assert (
        seeker.send_json("POST", f"{thread_url}/status", {"status": "completed"}).json()["status"]
        == "completed"
    )
    assert steps(seeker)["mentoring"] == "done"


def test_follow_up_checkins_flag_risk_to_the_assigned_consultant_and_retention(people) -> None:
    seeker = people("seeker", "s@s.kr", name="김취업")
    consultant = people("consultant", "c@centre.kr")
    admin = people("admin", "admin@centre.kr")
    admin.send_json(
        "PUT", "/api/journey/assignments", {"seeker_id": seeker.user["id"], "consultant_id": consultant.user["id"], "centre": "강남센터"}
    )  # fmt: skip
    hired_on = add_months(TODAY, -1)
    hire = seeker.send_json(
        "POST", "/api/journey/hires", {"company_name": "가나물류", "hired_on": hired_on.isoformat()}
    ).json()
    checkins = hire["checkins"]
    assert [(c["months_after_hire"], c["due_on"]) for c in checkins] == [
        (1, TODAY.isoformat()), (3, add_months(hired_on, 3).isoformat()), (6, add_months(hired_on, 6).isoformat())
    ]  # fmt: skip
    assert [c["state"] for c in checkins] == ["open", "upcoming", "upcoming"]
    journey = seeker.get("/api/journey").json()
    assert [r["id"] for r in journey["recommended_next"]] == ["follow_up"]
    assert steps(seeker)["online_interview"] == "done" and steps(seeker)["follow_up"] == "in_progress"

    risky = {"fit": 2, "support": 2, "relations": 3, "workload": 2, "contract": 2, "stay": 2, "quit": 4}
    too_early = seeker.send_json("POST", f"/api/journey/checkins/{checkins[1]['id']}", {"answers": risky})
    assert too_early.status_code == 409 and too_early.json()["error"]["code"] == "checkin_not_open"
    answered = seeker.send_json(
        "POST", f"/api/journey/checkins/{checkins[0]['id']}", {"answers": risky}
    ).json()
    assert answered["risk_level"] == "high" and answered["flagged"]
    assert (
        seeker.send_json("POST", f"/api/journey/checkins/{checkins[0]['id']}", {"answers": risky}).status_code
        == 409
    )
    page = consultant.get("/consultant/seekers", headers={"Accept": "text/html"})
    assert 'data-testid="risk-flags"' in page.text and "김취업" in page.text and "가나물류" in page.text

    summary = admin.get("/api/journey/admin/summary").json()
    assert summary["hired"] == 1 and summary["seekers"] == 1
    one_month = summary["retention"]["강남센터"][0]
    assert one_month["months"] == 1 and one_month["eligible_hires"] == 1 and one_month["rate"] == 1.0
    seeker.send_json(
        "POST",
        f"/api/journey/hires/{hire['id']}/left",
        {"left_on": (TODAY - dt.timedelta(days=3)).isoformat()},
    )
    assert admin.get("/api/journey/admin/summary").json()["retention"]["강남센터"][0]["rate"] == 0.0


def test_consultants_see_only_assigned_seekers_and_admins_see_the_numbers(people) -> None:
    mine = people("seeker", "mine@s.kr", name="담당구직자")
    theirs = people("seeker", "theirs@s.kr", name="남의구직자")
    consultant = people("consultant", "c@centre.kr")
    admin = people("admin", "admin@centre.kr")
    body = {"seeker_id": mine.user["id"], "consultant_id": consultant.user["id"], "centre": "강남센터"}
    assert admin.send_json("PUT", "/api/journey/assignments", body).status_code == 200
    mine.send_json("POST", "/api/journey/diagnosis", {"answers": diagnosis_worked_example()})

    listed = consultant.get("/api/journey/seekers").json()["seekers"]
    assert [s["display_name"] for s in listed] == ["담당구직자"]
    assert consultant.get(f"/api/journey/seekers/{theirs.user['id']}").status_code == 404
    assert (
        consultant.get(
            f"/consultant/seekers/{theirs.user['id']}", headers={"Accept": "text/html"}
        ).status_code
        == 404
    )
    note = consultant.send_json(
        "POST",
        f"/api/journey/seekers/{mine.user['id']}/notes",
        {"body": "다음 주 모의면접", "step_id": "interview_practice"},
    )
    assert note.status_code == 201
    assert (
        consultant.send_json(
            "POST", f"/api/journey/seekers/{theirs.user['id']}/notes", {"body": "x"}
        ).status_code
        == 404
    )
    detail = consultant.get(f"/api/journey/seekers/{mine.user['id']}").json()
    assert detail["notes"][0]["body"] == "다음 주 모의면접"
    assert next(s for s in detail["journey"]["steps"] if s["id"] == "diagnosis")["status"] == "done"
    assert mine.get(f"/api/journey/seekers/{mine.user['id']}").status_code == 403  # seekers use /api/journey

    summary = admin.get("/api/journey/admin/summary").json()
    assert summary["seekers"] == 2 and summary["hired"] == 0
    diagnosis = next(s for s in summary["steps"] if s["id"] == "diagnosis")
    assert diagnosis == {"id": "diagnosis", "started": 1, "finished": 1}
    page = admin.get("/admin/journeys", headers={"Accept": "text/html"})
    assert "funnel-chart" in page.text and "담당구직자" in page.text and "남의구직자" in page.text
    # Unassigning takes the seeker away from the consultant.
    admin.send_json("PUT", "/api/journey/assignments", {"seeker_id": mine.user["id"], "consultant_id": None})
    assert consultant.get(f"/api/journey/seekers/{mine.user['id']}").status_code == 404


def test_online_interview_step_follows_interview_invitations(people, app_client) -> None:
    from server.models import InterviewInvitation

    employer = people("employer", "e@e.kr", company="면접회사")
    posting = create_posting(employer)
    seeker = people("seeker", "s@s.kr")
    seeker.send_json("POST", f"/api/careers/postings/{posting['id']}/apply", {})
    assert steps(seeker)["online_interview"] == "not_started"
    with app_client.app.state.sessionmaker() as db:
        invitation = InterviewInvitation(
            company_id=employer.user["company_id"],
            posting_id=posting["id"],
            seeker_id=seeker.user["id"],
            kind="live",
            title="1차 화상 면접",
            status="accepted",
        )
        db.add(invitation)
        db.commit()
        invitation_id = invitation.id
    assert steps(seeker)["online_interview"] == "in_progress"
    page = seeker.get("/applications", headers={"Accept": "text/html"})
    assert "1차 화상 면접" in page.text and f"/interviews/{invitation_id}" in page.text
    with app_client.app.state.sessionmaker() as db:
        db.get(InterviewInvitation, invitation_id).status = "held"
        db.commit()
    assert steps(seeker)["online_interview"] == "done"
