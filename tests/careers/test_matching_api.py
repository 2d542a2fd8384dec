"""Matching through the API: explained recommendations, hidden profiles, applicants, invitations, consent."""

from __future__ import annotations

import pytest

from server.models import PracticeAnswer, PracticeQuestion, PracticeSession
from tests.careers.conftest import create_posting, posting_body, save_profile

pytestmark = pytest.mark.unit


def test_recommended_jobs_are_ranked_with_an_explanation(people) -> None:
    employer = people("employer", "e@e.kr")
    python_job = create_posting(employer)
    create_posting(
        employer,
        title="지게차 운전원",
        field="manufacturing",
        duties="물류 창고 상하차와 지게차 운전",
        required_skills=["지게차운전기능사"],
        preferred_skills=[],
        region="경남 창원시",
        education="high_school",
    )
    seeker = people("seeker", "s@s.kr")
    save_profile(
        seeker, skills=["파이썬", "Git"], career_history="사내 재고관리 시스템을 Python으로 만들었습니다."
    )
    recs = seeker.get("/api/careers/recommendations").json()["recommendations"]
    assert recs[0]["posting"]["id"] == python_job["id"]
    top = recs[0]["match"]
    assert top["matched_required_skills"] == ["python"] and top["missing_required_skills"] == ["django"]
    assert "파이썬" in top["summary"] and "Django" in top["summary"] and "희망 분야 일치" in top["summary"]
    assert recs[0]["match"]["score"] > recs[1]["match"]["score"]
    components = {c["name"]: c for c in top["components"]}
    assert components["practice"]["weight"] == 0  # no consent, not used
    assert abs(sum(c["points"] for c in top["components"]) - top["score"]) < 0.2
    seeker.cookies.set("untact_locale", "en")
    english = seeker.get("/api/careers/recommendations").json()
    seeker.cookies.set("untact_locale", "ko")
    assert "Matching skills: Python" in english["recommendations"][0]["match"]["summary"]
    page = seeker.get("/recommendations", headers={"Accept": "text/html"})
    assert "부족한 필수 기술" in page.text and "지게차 운전원" in page.text


def test_hidden_profiles_never_appear_in_talent_results_search_or_invitations(people) -> None:
    employer = people("employer", "e@e.kr")
    posting = create_posting(employer)
    visible = people("seeker", "open@s.kr", name="공개구직자")
    hidden = people("seeker", "hidden@s.kr", name="비공개구직자")
    save_profile(visible, skills=["Python"])
    save_profile(hidden, skills=["Python", "Django", "AWS"], discoverable=False)  # the better fit, but hidden

    talent = employer.get(f"/api/careers/postings/{posting['id']}/talent").json()["talent"]
    assert [t["seeker"]["display_name"] for t in talent] == ["공개구직자"]
    found = employer.get("/api/careers/talent?q=파이썬").json()["talent"]
    assert [t["display_name"] for t in found] == ["공개구직자"]
    invite = employer.send_json(
        "POST", f"/api/careers/postings/{posting['id']}/invitations", {"seeker_id": hidden.user["id"]}
    )
    assert invite.status_code == 404 and invite.json()["error"]["code"] == "seeker_not_found"
    page = employer.get(f"/employer/postings/{posting['id']}", headers={"Accept": "text/html"})
    assert "공개구직자" in page.text and "비공개구직자" not in page.text

    # Hiding the profile later removes it too.
    save_profile(visible, skills=["Python"], discoverable=False)
    assert employer.get(f"/api/careers/postings/{posting['id']}/talent").json()["talent"] == []
    assert employer.get("/api/careers/talent").json()["talent"] == []


def test_employers_see_only_their_own_postings_applicants(people) -> None:
    a = people("employer", "a@a.kr", company="A사")
    b = people("employer", "b@b.kr", company="B사")
    a_posting = create_posting(a, title="A사 개발자")
    b_posting = create_posting(b, title="B사 개발자")
    seeker = people("seeker", "s@s.kr", name="지원자")
    save_profile(seeker, discoverable=False)  # applying shares the profile with that employer only
    applied = seeker.send_json(
        "POST", f"/api/careers/postings/{a_posting['id']}/apply", {"message": "열심히 하겠습니다"}
    )
    assert applied.status_code == 201 and applied.json()["match_score"] > 0
    again = seeker.send_json("POST", f"/api/careers/postings/{a_posting['id']}/apply", {})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_applied"

    applicants = a.get(f"/api/careers/postings/{a_posting['id']}/applicants").json()["applicants"]
    assert [x["display_name"] for x in applicants] == ["지원자"] and applicants[0]["profile"]["skills"]
    assert b.get(f"/api/careers/postings/{a_posting['id']}/applicants").status_code == 404
    assert b.get(f"/api/careers/postings/{b_posting['id']}/applicants").json()["applicants"] == []
    assert (
        b.send_json(
            "PUT", f"/api/careers/applications/{applied.json()['id']}", {"status": "hired"}
        ).status_code
        == 404
    )
    assert (
        a.send_json(
            "PUT", f"/api/careers/applications/{applied.json()['id']}", {"status": "interview"}
        ).json()["status"]
        == "interview"
    )
    mine = seeker.get("/api/careers/applications").json()["applications"]
    assert [(x["title"], x["status"]) for x in mine] == [("A사 개발자", "interview")]


def test_invited_seeker_sees_the_invitation_and_applies(people) -> None:
    employer = people("employer", "e@e.kr", company="초대회사")
    posting = create_posting(employer)
    seeker = people("seeker", "s@s.kr")
    save_profile(seeker)
    sent = employer.send_json(
        "POST",
        f"/api/careers/postings/{posting['id']}/invitations",
        {"seeker_id": seeker.user["id"], "message": "지원해 주세요"},
    )
    assert sent.status_code == 201
    assert (
        employer.send_json(
            "POST", f"/api/careers/postings/{posting['id']}/invitations", {"seeker_id": seeker.user["id"]}
        ).status_code
        == 409
    )
    invitations = seeker.get("/api/careers/applications").json()["invitations"]
    assert [(i["company_name"], i["status"]) for i in invitations] == [("초대회사", "sent")]
    application = seeker.send_json("POST", f"/api/careers/postings/{posting['id']}/apply", {}).json()
    assert application["invited"] is True
    assert seeker.get("/api/careers/applications").json()["invitations"][0]["status"] == "applied"


def test_practice_scores_count_only_with_consent(people, app_client) -> None:
    employer = people("employer", "e@e.kr")
    create_posting(employer)
    seeker = people("seeker", "s@s.kr")
    with app_client.app.state.sessionmaker() as db:
        session = PracticeSession(
            seeker_id=seeker.user["id"], title="연습", source="field", status="completed"
        )
        db.add(session)
        db.flush()
        question = PracticeQuestion(session_id=session.id, position=1, text="자기소개를 해 주세요.")
        db.add(question)
        db.flush()
        for score in (70.0, 90.0):
            db.add(
                PracticeAnswer(
                    session_id=session.id, question_id=question.id, status="ready", overall_score=score
                )
            )
        db.commit()
    save_profile(seeker)
    assert seeker.get("/api/careers/profile").json()["practice_average"] == 80.0

    def practice_component() -> dict:
        match = seeker.get("/api/careers/recommendations").json()["recommendations"][0]["match"]
        return next(c for c in match["components"] if c["name"] == "practice")

    assert practice_component()["weight"] == 0
    save_profile(seeker, practice_score_consent=True)
    used = practice_component()
    assert used["weight"] > 0 and used["score"] == pytest.approx(0.8) and "80" in used["detail"]


def test_closed_postings_are_neither_recommended_nor_open_to_applications(people) -> None:
    employer = people("employer", "e@e.kr")
    closed = create_posting(employer, status="closed")
    expired = create_posting(employer, title="지난 공고", deadline="2020-01-31")
    seeker = people("seeker", "s@s.kr")
    save_profile(seeker)
    assert seeker.get("/api/careers/recommendations").json()["recommendations"] == []
    for posting in (closed, expired):
        response = seeker.send_json("POST", f"/api/careers/postings/{posting['id']}/apply", {})
        assert response.status_code == 409 and response.json()["error"]["code"] == "posting_closed"


def test_the_ranking_index_follows_posting_writes_and_rebuilds_large_catalogues_in_the_background(
    people, app_client, monkeypatch
) -> None:
    import time

    from server.careers import service as ms

    employer = people("employer", "e@e.kr")
    first = create_posting(employer)
    cache = ms.PostingIndexCache()
    factory = app_client.app.state.sessionmaker
    with factory() as db:
        index = cache.get(db)
        assert [p.posting_id for p in index.postings] == [str(first["id"])]
        assert cache.get(db) is index  # unchanged: no reload

    second = create_posting(employer, title="두 번째 공고")
    with factory() as db:
        small = cache.get(db)  # a small catalogue is rebuilt in the request itself
    assert sorted(p.posting_id for p in small.postings) == sorted([str(first["id"]), str(second["id"])])

    monkeypatch.setattr(ms, "SYNC_REBUILD_MAX_POSTINGS", 0)  # behave like a large catalogue
    employer.send_json("DELETE", f"/api/careers/postings/{first['id']}")
    with factory() as db:
        assert cache.get(db) is small  # the old index keeps serving while the rebuild runs
        deadline = time.monotonic() + 20
        while len(cache.get(db)) != 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [p.posting_id for p in cache.get(db).postings] == [str(second["id"])]


def test_a_new_profile_has_no_education_until_the_seeker_gives_one(people) -> None:
    employer = people("employer", "e@e.kr")
    create_posting(employer, education="bachelor")
    seeker = people("seeker", "s@s.kr")
    assert seeker.get("/api/careers/profile").json()["education"] == "unspecified"
    page = seeker.get("/profile", headers={"Accept": "text/html"}).text
    assert '<option value="unspecified" selected>선택 안 함</option>' in page
    save_profile(seeker, education="unspecified")
    [row] = seeker.get("/api/careers/recommendations").json()["recommendations"]
    education = next(c for c in row["match"]["components"] if c["name"] == "education")
    assert education["weight"] == 0  # left out, not counted as 고졸
    save_profile(seeker, education="high_school")
    [row] = seeker.get("/api/careers/recommendations").json()["recommendations"]
    assert next(c for c in row["match"]["components"] if c["name"] == "education")["weight"] > 0
    bad = employer.send_json("POST", "/api/careers/postings", {**posting_body(), "education": "unspecified"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "unknown_education"
