"""Booking rules over the API, on SQLite and PostgreSQL: one-click applying, the per-event limit,
the cut-off, the waiting list moving up (with a notification), figures, and double booking under
concurrency (threads racing for one slot)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.core.db import session_scope
from server.models import EventBooking
from tests.events.conftest import future, ok


def book(seeker: Any, slot_id: int) -> Any:
    return seeker.send_json("POST", f"/api/events/slots/{slot_id}/book")


def cancel(seeker: Any, booking_id: int) -> Any:
    return seeker.send_json("POST", f"/api/events/bookings/{booking_id}/cancel")


def slot_state(client: Any, event_id: int, slot_id: int) -> dict[str, Any]:
    event = ok(client.get(f"/api/events/{event_id}"))
    return next(s for b in event["booths"] for s in b["slots"] if s["id"] == slot_id)


def test_booking_applies_with_the_profile_once_and_the_employer_sees_it(fair, people) -> None:
    f = fair(slot_hours=(24, 25))
    seeker = people("seeker", "applicant@events.kr", name="김지원")
    first = ok(book(seeker, f["slots"][0]), 201)
    assert first["status"] == "booked" and first["application_id"] is not None
    applications = ok(seeker.get("/api/careers/applications"))["applications"]
    assert [a["posting_id"] for a in applications] == [f["posting"]["id"]]
    second = ok(book(seeker, f["slots"][1]), 201)
    assert second["application_id"] == first["application_id"]  # reused, not a second application
    assert len(ok(seeker.get("/api/careers/applications"))["applications"]) == 1

    booth = ok(f["employer"].get(f"/api/events/booths/{f['booth']['id']}/bookings"))["booth"]
    assert [s["booked_seeker"]["name"] for s in booth["slots"]] == ["김지원", "김지원"]
    # Another company's employer does not see this booth.
    other = people("employer", "other-emp@events.kr", company="다른회사")
    assert other.get(f"/api/events/booths/{f['booth']['id']}/bookings").status_code == 404
    # A seeker sees the slot taken, but not by whom.
    peer = people("seeker", "peer@events.kr")
    state = slot_state(peer, f["event"]["id"], f["slots"][0])
    assert state["taken"] is True and "booked_seeker" not in state and state["mine"] is None


def test_the_limit_per_event_counts_waiting_places(fair, people) -> None:
    f = fair(slot_hours=(24, 25, 26, 27))
    holder = people("seeker", "holder@events.kr")
    ok(book(holder, f["slots"][3]), 201)
    seeker = people("seeker", "busy@events.kr")
    for slot_id in f["slots"][:2]:
        ok(book(seeker, slot_id), 201)
    waiting = ok(book(seeker, f["slots"][3]), 201)
    assert (waiting["status"], waiting["waiting_rank"]) == ("waiting", 1)
    refused = book(seeker, f["slots"][2])
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "event_booking_limit_reached"
    assert "3건" in refused.json()["error"]["message"]
    # Leaving the waiting list frees a place under the limit.
    ok(cancel(seeker, waiting["id"]))
    assert ok(book(seeker, f["slots"][2]), 201)["status"] == "booked"
    again = book(seeker, f["slots"][2])
    assert again.status_code == 409 and again.json()["error"]["code"] == "event_already_on_slot"


def test_a_cancellation_moves_the_first_in_line_up_and_tells_them(fair, people) -> None:
    f = fair(slot_hours=(24,))
    slot = f["slots"][0]
    first, second, third = (people("seeker", f"line{n}@events.kr", name=f"대기{n}") for n in (1, 2, 3))
    booked = ok(book(first, slot), 201)
    w2 = ok(book(second, slot), 201)
    w3 = ok(book(third, slot), 201)
    assert [(w["status"], w["waiting_rank"]) for w in (w2, w3)] == [("waiting", 1), ("waiting", 2)]
    assert slot_state(third, f["event"]["id"], slot)["mine"]["waiting_rank"] == 2

    result = ok(cancel(first, booked["id"]))
    assert result["status"] == "cancelled" and result["promoted_booking_id"] == w2["id"]
    assert slot_state(second, f["event"]["id"], slot)["mine"]["status"] == "booked"
    assert slot_state(third, f["event"]["id"], slot)["mine"]["waiting_rank"] == 1
    notes = ok(second.get("/api/notifications"))["items"]
    # (newest first; the waiting-list confirmations are in tests/events/test_booking_messages.py)
    assert [n["kind"] for n in notes] == ["event_slot_promoted", "event_booking_waiting"]
    assert "가나물류-a" in notes[0]["text"] and notes[0]["link"] == f"/events/{f['event']['id']}"
    assert [n["kind"] for n in ok(third.get("/api/notifications"))["items"]] == ["event_booking_waiting"]

    figures = ok(f["consultant"].get(f"/api/events/{f['event']['id']}/figures"))["total"]
    assert figures == {"slots": 1, "booked": 1, "waiting": 1, "cancelled": 1, "promoted": 1}
    again = cancel(first, booked["id"])
    assert again.status_code == 409 and again.json()["error"]["code"] == "event_booking_not_active"


def test_cancelling_closes_an_hour_before_the_slot(fair, people) -> None:
    f = fair(slot_hours=(0.5, 3))
    seeker = people("seeker", "late@events.kr")
    soon = ok(book(seeker, f["slots"][0]), 201)
    refused = cancel(seeker, soon["id"])
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "event_cancel_too_late"
    assert "60분" in refused.json()["error"]["message"]
    later = ok(book(seeker, f["slots"][1]), 201)
    assert ok(cancel(seeker, later["id"]))["status"] == "cancelled"
    # A waiting place can be left at any time: it holds nobody's slot.
    other = people("seeker", "late-wait@events.kr")
    waiting = ok(book(other, f["slots"][0]), 201)
    assert ok(cancel(other, waiting["id"]))["status"] == "cancelled"
    # Someone else's booking is not theirs to cancel.
    assert cancel(other, soon["id"]).status_code == 404


def test_drafts_are_for_staff_and_only_staff_build_events(fair, people) -> None:
    f = fair(slot_hours=(24,))
    consultant, event = f["consultant"], f["event"]
    body = {**{k: event[k] for k in ("kind", "title", "description", "starts_at", "ends_at")}, "status": "draft"}
    ok(consultant.send_json("PUT", f"/api/events/{event['id']}", body))
    seeker = people("seeker", "draft@events.kr")
    assert seeker.get(f"/api/events/{event['id']}").status_code == 404
    assert ok(seeker.get("/api/events"))["events"] == []
    assert book(seeker, f["slots"][0]).status_code == 404
    assert ok(f["employer"].get(f"/api/events/{event['id']}"))["id"] == event["id"]  # their booth's event
    assert seeker.send_json("POST", "/api/events", body).status_code == 403
    naive = consultant.send_json("POST", f"/api/events/booths/{f['booth']['id']}/slots",
                                 {"starts_at": "2030-03-05T10:00", "count": 3, "minutes": 30})
    assert [s["starts_at"] for s in ok(naive, 201)["slots"]] == [
        "2030-03-05T01:00:00+00:00", "2030-03-05T01:30:00+00:00", "2030-03-05T02:00:00+00:00"
    ]  # typed in Korea time


def _race(calls: list[Any]) -> list[Any]:
    """Run the calls at once (released together by a barrier) and return their responses."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert all(not t.is_alive() for t in threads)
    return results


def test_seekers_racing_for_one_slot_never_double_book_it(fair, people) -> None:
    f = fair(slot_hours=(24,))
    seekers = [people("seeker", f"race{n}@events.kr") for n in range(6)]
    slot = f["slots"][0]
    responses = _race([lambda s=s: book(s, slot) for s in seekers])
    assert [r.status_code for r in responses] == [201] * 6, [r.text for r in responses]
    statuses = sorted(r.json()["status"] for r in responses)
    assert statuses == ["booked"] + ["waiting"] * 5
    assert sorted(r.json()["waiting_rank"] for r in responses if r.json()["status"] == "waiting") == [1, 2, 3, 4, 5]


def test_a_double_click_holds_one_place(fair, people) -> None:
    f = fair(slot_hours=(24,))
    seeker = people("seeker", "double@events.kr")
    responses = _race([lambda: book(seeker, f["slots"][0])] * 2)
    codes = sorted(r.status_code for r in responses)
    assert codes == [201, 409], [r.text for r in responses]
    state = slot_state(seeker, f["event"]["id"], f["slots"][0])
    assert state["mine"]["status"] == "booked" and state["waiting"] == 0


def test_the_database_itself_refuses_a_second_booked_seeker(fair, people, app_client) -> None:
    f = fair(slot_hours=(24,))
    a, b = people("seeker", "idx-a@events.kr"), people("seeker", "idx-b@events.kr")
    ok(book(a, f["slots"][0]), 201)
    factory = app_client.app.state.sessionmaker
    with pytest.raises(IntegrityError), session_scope(factory) as db:
        db.add(EventBooking(event_id=f["event"]["id"], slot_id=f["slots"][0], seeker_id=b.user["id"], status="booked"))
    with pytest.raises(IntegrityError), session_scope(factory) as db:
        db.add(EventBooking(event_id=f["event"]["id"], slot_id=f["slots"][0], seeker_id=a.user["id"], status="waiting",
                            position=9))
    with session_scope(factory) as db:  # a cancelled row never blocks anyone
        db.add(EventBooking(event_id=f["event"]["id"], slot_id=f["slots"][0], seeker_id=b.user["id"],
                            status="cancelled"))
    with session_scope(factory) as db:
        rows = db.scalars(select(EventBooking.status).where(EventBooking.slot_id == f["slots"][0])).all()
    assert sorted(rows) == ["booked", "cancelled"]
    assert future(1) > future(0)


def test_pages_speak_korean_first_and_english_on_request(fair, people) -> None:
    f = fair(slot_hours=(24,))
    seeker = people("seeker", "pages@events.kr")
    ok(book(seeker, f["slots"][0]), 201)
    html = {"Accept": "text/html"}
    korean = seeker.get(f"/events/{f['event']['id']}", headers=html)
    assert korean.status_code == 200 and "구인·구직 만남의 날" in korean.text and "내 예약" in korean.text
    seeker.get("/locale/en", follow_redirects=False)
    english = seeker.get(f"/events/{f['event']['id']}", headers=html)
    assert "Meeting day" in english.text and "Your booking" in english.text and "내 예약" not in english.text
    # The employer's booth page lists who booked; another company's employer gets the error page.
    booth_page = f["employer"].get(f"/events/booths/{f['booth']['id']}", headers=html)
    assert booth_page.status_code == 200 and "테스트" in booth_page.text
    stranger = people("employer", "stranger@events.kr", company="남의회사")
    refused = stranger.get(f"/events/booths/{f['booth']['id']}", headers=html)
    assert refused.status_code == 404 and 'data-code="event_booth_not_found"' in refused.text
    editor = f["consultant"].get(f"/events/{f['event']['id']}/edit", headers=html)
    assert editor.status_code == 200 and 'data-testid="fig-booked">1<' in editor.text


def test_staff_cancel_late_bookings_and_both_seekers_are_told(fair, people) -> None:
    f = fair(slot_hours=(0.5,))
    slot = f["slots"][0]
    late, waiting = people("seeker", "called@events.kr"), people("seeker", "next@events.kr")
    booked = ok(book(late, slot), 201)
    ok(book(waiting, slot), 201)
    assert cancel(late, booked["id"]).status_code == 409  # past the seeker's cut-off
    assert f["employer"].send_json("POST", f"/api/events/bookings/{booked['id']}/cancel").status_code == 403
    booth = ok(f["consultant"].get(f"/api/events/booths/{f['booth']['id']}/bookings"))["booth"]
    assert booth["slots"][0]["booked_seeker"]["booking_id"] == booked["id"]
    result = ok(f["consultant"].send_json("POST", f"/api/events/bookings/{booked['id']}/cancel"))
    assert result["status"] == "cancelled" and result["promoted_booking_id"] is not None
    assert [n["kind"] for n in ok(late.get("/api/notifications"))["items"]] == [
        "event_booking_cancelled", "event_booking_confirmed"]
    assert "센터가" in ok(late.get("/api/notifications"))["items"][0]["text"]
    assert [n["kind"] for n in ok(waiting.get("/api/notifications"))["items"]] == [
        "event_slot_promoted", "event_booking_waiting"]
    assert slot_state(waiting, f["event"]["id"], slot)["mine"]["status"] == "booked"


def test_a_booth_plays_the_companys_intro_video_to_everyone_who_sees_the_event(fair, people, app_client) -> None:
    f = fair(slot_hours=(24,))
    qset = ok(f["employer"].send_json("POST", "/api/interviews/sets", {
        "title": "물류 사무원 녹화 면접", "questions": [{"text": "자기소개를 해 주세요."}],
    }), 201)
    stored = f"intro/{qset['id']}-test.webm"
    video = app_client.app.state.settings.recordings_dir / stored
    video.parent.mkdir(parents=True, exist_ok=True)
    video.write_bytes(b"\x1a\x45\xdf\xa3 not really a video, only its bytes")
    with session_scope(app_client.app.state.sessionmaker) as db:
        from server.models import InterviewQuestionSet

        row = db.get(InterviewQuestionSet, qset["id"])
        assert row is not None
        row.intro_video_path = stored
    other = people("employer", "video-other@events.kr", company="다른물류")
    consultant = f["consultant"]
    refused = consultant.send_json("POST", f"/api/events/{f['event']['id']}/booths",
                                   {"company_id": other.user["company_id"], "question_set_id": qset["id"]})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "event_set_not_of_company"
    # A second event, whose booth links the set: the seeker (never invited) may play the video.
    event = ok(consultant.send_json("POST", "/api/events", {
        "kind": "job_fair", "title": "온라인 채용박람회", "starts_at": future(48).isoformat(),
        "ends_at": future(56).isoformat(), "status": "published",
    }), 201)
    booth = ok(consultant.send_json("POST", f"/api/events/{event['id']}/booths",
                                    {"company_id": f["employer"].user["company_id"], "question_set_id": qset["id"]}), 201)
    seeker = people("seeker", "viewer@events.kr")
    assert ok(seeker.get(f"/api/events/{event['id']}"))["booths"][0]["has_intro_video"] is True
    played = seeker.get(f"/api/events/booths/{booth['id']}/intro-video")
    assert played.status_code == 200 and played.content == video.read_bytes()
    assert played.headers["content-type"] == "video/webm"
    assert seeker.get(f"/api/events/booths/{f['booth']['id']}/intro-video").status_code == 404  # no set linked
