"""Outreach programmes through the API, on SQLite and PostgreSQL: who may do what, the
suggestions (from what seekers told, never guessed), enrolment and leaving, attaching events and
postings, and sending each item to each person once, through notify()."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select

from server.core.db import session_scope
from server.models import AuditEvent, Notification, OutreachSend
from server.outreach.service import today_kst
from tests.events.conftest import future, ok

pytestmark = pytest.mark.unit

YEAR = today_kst().year


def programme_body(**overrides: Any) -> dict[str, Any]:
    body = {"title": "청년 취업 집중 주간", "target_group": "youth", "description": "청년 대상 만남의 날과 공고",
            "starts_on": today_kst().isoformat(), "ends_on": today_kst().isoformat()}
    body.update(overrides)
    return body


def notes(app_client, user_id: int, kind: str = "outreach_programme_items") -> list[Notification]:
    with session_scope(app_client.app.state.sessionmaker) as db:
        rows = list(db.scalars(select(Notification).where(Notification.user_id == user_id, Notification.kind == kind)))
        db.expunge_all()
        return rows


def test_only_staff_make_programmes_and_a_consultant_sees_only_their_own(people) -> None:
    consultant = people("consultant", "c1@outreach.kr", name="한상담")
    other = people("consultant", "c2@outreach.kr", name="오상담")
    admin = people("admin", "a@outreach.kr", name="관리자")
    seeker = people("seeker", "s@outreach.kr", name="김청년")
    employer = people("employer", "e@outreach.kr", name="이채용")

    assert seeker.send_json("POST", "/api/outreach/programmes", programme_body()).status_code == 403
    assert employer.send_json("POST", "/api/outreach/programmes", programme_body()).status_code == 403
    bad = consultant.send_json("POST", "/api/outreach/programmes", programme_body(target_group="students"))
    assert bad.status_code == 422
    made = ok(consultant.send_json("POST", "/api/outreach/programmes", programme_body()), 201)
    pid = made["id"]

    # Another consultant cannot see, change, enrol into or send it: it looks like it does not exist.
    assert other.get(f"/api/outreach/programmes/{pid}").status_code == 404
    assert other.send_json("PUT", f"/api/outreach/programmes/{pid}", programme_body(title="바꿈")).status_code == 404
    assert other.send_json("POST", f"/api/outreach/programmes/{pid}/enrolments",
                           {"seeker_id": seeker.user["id"]}).status_code == 404
    assert other.send_json("POST", f"/api/outreach/programmes/{pid}/send").status_code == 404
    assert ok(other.get("/api/outreach/programmes"))["programmes"] == []
    # An admin sees every programme.
    assert [p["id"] for p in ok(admin.get("/api/outreach/programmes"))["programmes"]] == [pid]
    assert ok(admin.get(f"/api/outreach/programmes/{pid}"))["title"] == "청년 취업 집중 주간"
    # Seekers and employers have no staff views at all.
    assert seeker.get(f"/api/outreach/programmes/{pid}").status_code == 403
    assert employer.get("/api/outreach/mine").status_code == 403


def test_suggestions_come_only_from_what_seekers_told_and_nobody_is_enrolled_by_them(app_client, people) -> None:
    consultant = people("consultant", "c@outreach.kr", name="한상담")
    young = people("seeker", "young@outreach.kr", name="가청년")
    edge = people("seeker", "edge@outreach.kr", name="나경계")
    silent = people("seeker", "silent@outreach.kr", name="다침묵")
    returning = people("seeker", "back@outreach.kr", name="라복귀")
    older = people("seeker", "older@outreach.kr", name="마어르신")
    ok(young.send_json("PUT", "/api/outreach/facts", {"birth_year": YEAR - 26}))  # 25 or 26
    ok(edge.send_json("PUT", "/api/outreach/facts", {"birth_year": YEAR - 35}))  # 34 or 35: birthday decides
    ok(returning.send_json("PUT", "/api/outreach/facts", {"career_break": True}))
    ok(older.send_json("PUT", "/api/outreach/facts", {"birth_year": YEAR - 60, "disability": True}))
    assert ok(young.get("/api/outreach/facts")) == {"birth_year": YEAR - 26, "career_break": None, "disability": None}
    assert young.send_json("PUT", "/api/outreach/facts", {"birth_year": YEAR + 1}).status_code == 422

    def suggested(group: str) -> list[tuple[str, Any]]:
        pid = ok(consultant.send_json("POST", "/api/outreach/programmes", programme_body(target_group=group)), 201)["id"]
        rows = ok(consultant.get(f"/api/outreach/programmes/{pid}/suggestions"))["suggestions"]
        assert ok(consultant.get(f"/api/outreach/programmes/{pid}"))["enrolled"] == []  # never automatic
        return [(r["name"], r["reason"], r["age_low"], r["age_high"]) for r in rows]

    assert suggested("youth") == [("가청년", "outreach.reason_age", 25, 26)]
    assert suggested("career_break_women") == [("라복귀", "outreach.reason_career_break", None, None)]
    assert suggested("older") == [("마어르신", "outreach.reason_age", 59, 60)]
    assert suggested("middle_aged") == [("마어르신", "outreach.reason_age", 59, 60)]
    assert suggested("disabled") == [("마어르신", "outreach.reason_disability", None, None)]
    # The seeker at the edge and the one who told nothing are found by search and enrolled by hand.
    pid = ok(consultant.send_json("POST", "/api/outreach/programmes", programme_body()), 201)["id"]
    found = ok(consultant.get(f"/api/outreach/programmes/{pid}/seekers", params={"q": "경계"}))["seekers"]
    assert [(s["name"], s["suggested"]) for s in found] == [("나경계", False)]
    assert consultant.get(f"/api/outreach/programmes/{pid}/seekers", params={"q": "x"}).status_code == 422
    ok(consultant.send_json("POST", f"/api/outreach/programmes/{pid}/enrolments",
                            {"seeker_id": found[0]["id"], "via": "search"}), 201)
    ok(consultant.send_json("POST", f"/api/outreach/programmes/{pid}/enrolments", {"seeker_id": silent.user["id"]}), 201)
    again = consultant.send_json("POST", f"/api/outreach/programmes/{pid}/enrolments", {"seeker_id": silent.user["id"]})
    assert again.status_code == 409 and again.json()["error"]["code"] == "outreach_already_enrolled"
    employer = people("employer", "emp@outreach.kr", name="이채용")
    assert consultant.send_json("POST", f"/api/outreach/programmes/{pid}/enrolments",
                                {"seeker_id": employer.user["id"]}).status_code == 404
    # Reading what seekers told is in the audit log.
    with session_scope(app_client.app.state.sessionmaker) as db:
        events = [e.event for e in db.scalars(select(AuditEvent).where(AuditEvent.event.like("outreach_%")))]
    assert events.count("outreach_suggestions_viewed") == 5 and events.count("outreach_enrolled") == 2
    assert events.count("outreach_facts_saved") == 4


def test_sending_reaches_each_enrolled_seeker_once_per_item_and_a_seeker_can_leave(app_client, people, fair) -> None:
    made = fair(slot_hours=(30,))
    consultant, employer = made["consultant"], made["employer"]
    ana = people("seeker", "ana@outreach.kr", name="김아나")
    ben = people("seeker", "ben@outreach.kr", name="박벤")
    pid = ok(consultant.send_json("POST", "/api/outreach/programmes", programme_body()), 201)["id"]
    for seeker in (ana, ben):
        ok(consultant.send_json("POST", f"/api/outreach/programmes/{pid}/enrolments", {"seeker_id": seeker.user["id"]}), 201)

    nothing = consultant.send_json("POST", f"/api/outreach/programmes/{pid}/send")
    assert nothing.status_code == 422 and nothing.json()["error"]["code"] == "outreach_nothing_to_send"
    # Only a published event and an open posting can be attached.
    draft = ok(consultant.send_json("POST", "/api/events", {
        "kind": "job_fair", "title": "준비 중 박람회", "starts_at": future(50).isoformat(),
        "ends_at": future(60).isoformat(), "status": "draft",
    }), 201)
    refused = consultant.send_json("POST", f"/api/outreach/programmes/{pid}/items", {"event_id": draft["id"]})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "outreach_event_not_published"
    both = consultant.send_json("POST", f"/api/outreach/programmes/{pid}/items",
                                {"event_id": made["event"]["id"], "posting_id": made["posting"]["id"]})
    assert both.status_code == 422
    ok(consultant.send_json("POST", f"/api/outreach/programmes/{pid}/items", {"event_id": made["event"]["id"]}), 201)
    twice = consultant.send_json("POST", f"/api/outreach/programmes/{pid}/items", {"event_id": made["event"]["id"]})
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "outreach_item_exists"

    assert ok(consultant.send_json("POST", f"/api/outreach/programmes/{pid}/send")) == {"seekers": 2, "items": 2, "already": 0}
    [note] = notes(app_client, ana.user["id"])
    assert note.link == "/outreach/mine" and "12월 구인·구직 만남의 날" in note.params["events"]
    # A second send has nothing new for anyone.
    assert ok(consultant.send_json("POST", f"/api/outreach/programmes/{pid}/send")) == {"seekers": 0, "items": 0, "already": 2}
    assert len(notes(app_client, ana.user["id"])) == 1

    # Ben leaves; a new posting then reaches Ana only, and Ben cannot be put back by staff.
    assert ok(ana.get("/api/outreach/mine"))["programmes"][0]["items"][0]["event"]["id"] == made["event"]["id"]
    ok(ben.send_json("POST", f"/api/outreach/programmes/{pid}/leave"))
    assert ok(ben.get("/api/outreach/mine"))["programmes"] == []
    assert ben.send_json("POST", f"/api/outreach/programmes/{pid}/leave").status_code == 404
    back = consultant.send_json("POST", f"/api/outreach/programmes/{pid}/enrolments", {"seeker_id": ben.user["id"]})
    assert back.status_code == 409 and back.json()["error"]["code"] == "outreach_seeker_left"
    ok(consultant.send_json("POST", f"/api/outreach/programmes/{pid}/items", {"posting_id": made["posting"]["id"]}), 201)
    assert ok(consultant.send_json("POST", f"/api/outreach/programmes/{pid}/send")) == {"seekers": 1, "items": 1, "already": 0}
    ana_notes = notes(app_client, ana.user["id"])
    assert len(ana_notes) == 2 and "물류 관리 사무원" in ana_notes[-1].params["postings"]
    assert ana_notes[-1].params["events"] == "—"  # the event was not sent again
    assert len(notes(app_client, ben.user["id"])) == 1
    with session_scope(app_client.app.state.sessionmaker) as db:
        pairs = sorted((s.seeker_id, s.item_id) for s in db.scalars(select(OutreachSend)))
    assert len(pairs) == len(set(pairs)) == 3

    # Staff remove someone: they get nothing more; the page view counts what each received.
    detail = ok(consultant.get(f"/api/outreach/programmes/{pid}"))
    assert {(e["name"], e["status"], e["items_sent"]) for e in detail["enrolled"]} == {("김아나", "active", 2), ("박벤", "left", 1)}
    assert consultant.send_json("DELETE", f"/api/outreach/programmes/{pid}/enrolments/{ana.user['id']}").status_code == 204
    gone = consultant.send_json("POST", f"/api/outreach/programmes/{pid}/send")
    assert gone.status_code == 422 and gone.json()["error"]["code"] == "outreach_nobody_enrolled"
    assert employer.get("/api/outreach/mine").status_code == 403


def test_pages_for_staff_and_seekers(people, fair) -> None:
    made = fair(slot_hours=(30,))
    consultant = made["consultant"]
    seeker = people("seeker", "page@outreach.kr", name="정페이지")
    pid = ok(consultant.send_json("POST", "/api/outreach/programmes", programme_body(title="중장년 재도약")), 201)["id"]
    ok(consultant.send_json("POST", f"/api/outreach/programmes/{pid}/enrolments", {"seeker_id": seeker.user["id"]}), 201)
    ok(consultant.send_json("POST", f"/api/outreach/programmes/{pid}/items", {"event_id": made["event"]["id"]}), 201)
    listing = consultant.get("/outreach")
    assert listing.status_code == 200 and "중장년 재도약" in listing.text
    page = consultant.get(f"/outreach/{pid}", params={"q": "페이지"})
    assert page.status_code == 200 and "정페이지" in page.text and "12월 구인·구직 만남의 날" in page.text
    other = people("consultant", "other@outreach.kr", name="오상담")
    missing = other.get(f"/outreach/{pid}")
    assert missing.status_code == 404 and 'data-code="outreach_programme_not_found"' in missing.text
    mine = seeker.get("/outreach/mine")
    assert mine.status_code == 200 and "중장년 재도약" in mine.text and "12월 구인·구직 만남의 날" in mine.text
    assert seeker.get("/outreach").status_code == 403
    seeker.get("/locale/en", follow_redirects=False)
    english = seeker.get("/outreach/mine")
    assert "My programmes" in english.text and "Leave this programme" in english.text and "내 프로그램" not in english.text


def test_two_sends_at_the_same_moment_send_each_item_once(app_client, people, make_client, fair) -> None:
    made = fair(slot_hours=(30,))
    consultant = made["consultant"]
    twin = make_client()  # the same consultant in a second browser
    twin.login("con-a@events.kr", "careers-pass-1")
    seekers = [people("seeker", f"race{n}@outreach.kr", name=f"경주{n}") for n in range(3)]
    pid = ok(consultant.send_json("POST", "/api/outreach/programmes", programme_body()), 201)["id"]
    for seeker in seekers:
        ok(consultant.send_json("POST", f"/api/outreach/programmes/{pid}/enrolments", {"seeker_id": seeker.user["id"]}), 201)
    ok(consultant.send_json("POST", f"/api/outreach/programmes/{pid}/items", {"event_id": made["event"]["id"]}), 201)
    barrier = threading.Barrier(2)
    results: list[Any] = [None, None]

    def run(i: int, client: Any) -> None:
        barrier.wait()
        results[i] = client.send_json("POST", f"/api/outreach/programmes/{pid}/send")

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate((consultant, twin))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert all(not t.is_alive() for t in threads)
    assert sorted(r.status_code for r in results) == [200, 200], [r.text for r in results]
    assert sorted(r.json()["items"] for r in results) == [0, 3]
    for seeker in seekers:
        assert len(notes(app_client, seeker.user["id"])) == 1
