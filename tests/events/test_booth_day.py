"""A booth's day and after the event, on SQLite and PostgreSQL: the day's queue closing up as the
host finishes interviews, outcomes and results moving the application, who gets which seat in
the booth's room, running late (the following slots move and the booked seekers are told), the
figures, and the follow-up sent exactly once. Times that depend on "now" go through the service
with an explicit moment; the rest over the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from server.core.db import session_scope
from server.core.errors import Conflict, NotFound
from server.events import day
from server.events.booth_room import BOOTH_ROOM
from server.models import AuditEvent, ConsultantAssignment, EventSlot, JobApplication, User
from tests.events.conftest import ok

pytestmark = pytest.mark.usefixtures("app_client")

MIN = dt.timedelta(minutes=1)


def book(seeker: Any, slot_id: int) -> dict[str, Any]:
    return ok(seeker.send_json("POST", f"/api/events/slots/{slot_id}/book"), 201)


def outcome(client: Any, booking_id: int, outcome: str, result: str | None = None) -> Any:
    return client.send_json("POST", f"/api/events/bookings/{booking_id}/outcome", {"outcome": outcome, "result": result})


def slot_start(app: Any, slot_id: int) -> dt.datetime:
    with session_scope(app.state.sessionmaker) as db:
        slot = db.get(EventSlot, slot_id)
        assert slot is not None
        return slot.starts_at


@pytest.fixture
def meeting(fair, people, app_client) -> dict[str, Any]:
    """A booth with three back-to-back 20-minute slots a day ahead and a fourth two hours later
    (the same day), each booked by its own seeker."""
    f = fair(slot_hours=(24, 24 + 20 / 60, 24 + 40 / 60, 26), minutes=20)
    names = ("김하나", "이두리", "박세나", "최네리")
    f["seekers"] = [people("seeker", f"day-{n}@events.kr", name=name) for n, name in enumerate(names)]
    f["bookings"] = [book(s, slot)["id"] for s, slot in zip(f["seekers"], f["slots"], strict=True)]
    f["first"] = slot_start(app_client.app, f["slots"][0])
    f["app"] = app_client.app
    return f


def ranks(m: dict[str, Any], now: dt.datetime) -> list[int | None]:
    with session_scope(m["app"].state.sessionmaker) as db:
        out = []
        for seeker in m["seekers"]:
            user = db.get(User, seeker.user["id"])
            assert user is not None
            out.append(day.my_turn(db, user, m["booth"]["id"], now).rank)
        return out


BOOKING_MESSAGES = {"event_booking_confirmed", "event_booking_waiting"}  # from booking, before the day


def _day_notices(seeker) -> list[str]:  # type: ignore[no-untyped-def]
    """The kinds of what the seeker was told, without the messages their booking itself sent."""
    return [n["kind"] for n in ok(seeker.get("/api/notifications"))["items"] if n["kind"] not in BOOKING_MESSAGES]


def test_the_queue_closes_up_as_the_host_finishes_and_results_move_the_application(meeting) -> None:
    m, employer = meeting, meeting["employer"]
    now = m["first"] - 10 * MIN
    assert ranks(m, now) == [1, 2, 3, 4]
    queue = ok(employer.get(f"/api/events/booths/{m['booth']['id']}/queue"))["queue"]
    assert [(q["seeker"]["name"], q["state"], q["rank"]) for q in queue] == [
        ("김하나", "waiting", 1), ("이두리", "waiting", 2), ("박세나", "waiting", 3), ("최네리", "waiting", 4),
    ]

    ok(outcome(employer, m["bookings"][0], "held", "pass"))
    assert ranks(m, now) == [None, 1, 2, 3]
    ok(outcome(employer, m["bookings"][1], "no_show"))
    assert ranks(m, now) == [None, None, 1, 2]
    ok(outcome(employer, m["bookings"][2], "held"))  # a result can follow later
    assert ranks(m, now) == [None, None, None, 1]

    again = outcome(employer, m["bookings"][0], "no_show")
    assert again.status_code == 409 and again.json()["error"]["code"] == "event_interview_finished"
    absent = employer.send_json("POST", f"/api/events/bookings/{m['bookings'][1]}/result", {"result": "pass"})
    assert absent.status_code == 409 and absent.json()["error"]["code"] == "event_interview_not_held"
    not_yet = employer.send_json("POST", f"/api/events/bookings/{m['bookings'][3]}/result", {"result": "pass"})
    assert not_yet.status_code == 409
    ok(employer.send_json("POST", f"/api/events/bookings/{m['bookings'][2]}/result", {"result": "fail"}))

    queue = ok(employer.get(f"/api/events/booths/{m['booth']['id']}/queue"))["queue"]
    assert [(q["state"], q["result"]) for q in queue] == [
        ("held", "pass"), ("no_show", None), ("held", "fail"), ("waiting", None),
    ]
    with session_scope(m["app"].state.sessionmaker) as db:
        status = {a.seeker_id: a.status for a in db.scalars(
            select(JobApplication).where(JobApplication.posting_id == m["posting"]["id"])
        )}
        audited = list(db.scalars(select(AuditEvent.event).where(AuditEvent.event.like("booth_%"))))
    ids = [s.user["id"] for s in m["seekers"]]
    assert [status[i] for i in ids] == ["interview", "applied", "rejected", "applied"]
    assert sorted(audited) == ["booth_no_show", "booth_result_recorded", "booth_result_recorded"]


def test_only_the_booths_company_and_staff_run_its_queue(meeting, fair, people) -> None:
    m = meeting
    other = fair(tag="b")["employer"]
    booth, booking = m["booth"]["id"], m["bookings"][0]
    assert other.get(f"/api/events/booths/{booth}/queue").status_code == 404
    assert outcome(other, booking, "held").status_code == 404
    assert other.send_json("POST", f"/api/events/booths/{booth}/delay", {"minutes": 5}).status_code == 404
    assert m["seekers"][0].get(f"/api/events/booths/{booth}/queue").status_code == 403
    assert outcome(m["seekers"][0], booking, "held").status_code == 403
    assert ok(m["consultant"].get(f"/api/events/booths/{booth}/queue"))["queue"]
    # A seeker reads only their own place; one without a booking at the booth gets 404.
    assert ok(m["seekers"][0].get(f"/api/events/booths/{booth}/my-turn"))["booking_id"] == booking
    assert people("seeker", "nobooking@events.kr").get(f"/api/events/booths/{booth}/my-turn").status_code == 404


def test_seats_in_the_booth_room(meeting, people) -> None:
    m = meeting
    factory = m["app"].state.sessionmaker
    assigned = people("consultant", "assigned@events.kr", name="정동행")
    unassigned = people("consultant", "other-con@events.kr", name="한상담")
    outsider = people("seeker", "outsider@events.kr", name="나외부")
    with session_scope(factory) as db:
        db.add(ConsultantAssignment(seeker_id=m["seekers"][0].user["id"], consultant_id=assigned.user["id"]))
    now = m["first"] - 10 * MIN
    booth = m["booth"]["id"]

    def seat(client: Any, at: dt.datetime) -> str:
        with session_scope(factory) as db:
            user = db.get(User, client.user["id"])
            assert user is not None
            try:
                return BOOTH_ROOM.seat(db, user, booth, at).role
            except (Conflict, NotFound) as exc:
                return exc.code

    assert seat(m["employer"], now) == "host"
    assert seat(m["employer"], now - dt.timedelta(hours=3)) == "event_booth_room_closed"
    assert seat(m["seekers"][0], now) == "guest"
    assert seat(m["seekers"][3], now) == "event_booth_room_not_your_time"  # their slot is in two hours
    assert seat(m["seekers"][3], m["first"] + 70 * MIN) == "guest"
    assert seat(outsider, now) == "event_booth_not_found"
    assert seat(assigned, now) == "companion"  # 동행면접: the seeker's own consultant
    assert seat(m["consultant"], now) == "companion"  # the event's staff
    assert seat(unassigned, now) == "event_booth_not_found"
    # Once their seeker's interview is over, the assigned consultant has no seat any more.
    ok(outcome(m["employer"], m["bookings"][0], "held", "hold"))
    assert seat(assigned, now) == "event_booth_not_found"
    assert seat(m["seekers"][0], now) == "event_booth_room_not_your_time"

    with session_scope(factory) as db:  # entering the room is showing up, counted once
        for seeker in m["seekers"][1:3]:
            user = db.get(User, seeker.user["id"])
            assert user is not None
            day.mark_shown(db, user, booth, now)
            day.mark_shown(db, user, booth, now + MIN)
    figures = ok(m["consultant"].get(f"/api/events/{m['event']['id']}/figures"))["day"]
    assert figures["total"]["shows"] == 2 and figures["total"]["held"] == 1 and figures["total"]["hold"] == 1


def test_running_late_moves_the_following_slots_and_tells_those_booked(meeting) -> None:
    m = meeting
    factory = m["app"].state.sessionmaker
    now = m["first"] + 5 * MIN  # the first interview is running
    before = [slot_start(m["app"], s) for s in m["slots"]]
    with session_scope(factory) as db:
        host = db.get(User, m["employer"].user["id"])
        assert host is not None
        moved = day.run_late(db, host, m["booth"]["id"], day.DelayIn(minutes=15), now)
        assert sorted(s.id for s in moved) == m["slots"][1:]
    after = [slot_start(m["app"], s) for s in m["slots"]]
    assert after[0] == before[0]
    assert [a - b for a, b in zip(after[1:], before[1:], strict=True)] == [15 * MIN] * 3
    event = ok(m["seekers"][1].get(f"/api/events/{m['event']['id']}"))
    shown = {s["id"]: s for s in event["booths"][0]["slots"]}
    assert dt.datetime.fromisoformat(shown[m["slots"][1]]["starts_at"]) == after[1]

    kinds = [_day_notices(s) for s in m["seekers"]]
    assert kinds == [[], ["event_slot_delayed"], ["event_slot_delayed"], ["event_slot_delayed"]]
    note = ok(m["seekers"][1].get("/api/notifications"))["items"][0]
    assert "15분 늦어집니다" in note["text"] and note["link"] == f"/events/booths/{m['booth']['id']}/room"
    page = m["seekers"][1].get(f"/events/{m['event']['id']}")
    assert "15분 늦어짐" in page.text

    bad = m["employer"].send_json("POST", f"/api/events/booths/{m['booth']['id']}/delay", {"minutes": 0})
    assert bad.status_code == 422


def test_the_follow_up_goes_once_to_no_shows_and_those_without_a_result(meeting) -> None:
    m, employer, staff = meeting, meeting["employer"], meeting["consultant"]
    ok(outcome(employer, m["bookings"][0], "held", "pass"))  # a result: no follow-up
    ok(outcome(employer, m["bookings"][1], "no_show"))  # marked absent
    ok(outcome(employer, m["bookings"][2], "held"))  # interviewed, no result
    # the fourth never came and was never marked: a no-show too
    event_id = m["event"]["id"]
    early = staff.send_json("POST", f"/api/events/{event_id}/follow-up")
    assert early.status_code == 409 and early.json()["error"]["code"] == "event_not_over"
    assert employer.send_json("POST", f"/api/events/{event_id}/follow-up").status_code == 403

    body = {k: m["event"][k] for k in ("kind", "title", "description", "starts_at", "ends_at")}
    ok(staff.send_json("PUT", f"/api/events/{event_id}", {**body, "status": "closed"}))
    assert ok(staff.send_json("POST", f"/api/events/{event_id}/follow-up")) == {"no_show": 2, "no_result": 1}
    assert ok(staff.send_json("POST", f"/api/events/{event_id}/follow-up")) == {"no_show": 0, "no_result": 0}
    kinds = [_day_notices(s) for s in m["seekers"]]
    assert kinds == [[], ["event_follow_up_no_show"], ["event_follow_up_no_result"], ["event_follow_up_no_show"]]

    # A hire confirmed on the pipeline counts for the booth.
    ok(employer.send_json(
        "POST", f"/api/careers/postings/{m['posting']['id']}/candidates/{m['seekers'][0].user['id']}/hire"
    ))
    figures = ok(staff.get(f"/api/events/{event_id}/figures"))["day"]
    assert figures["total"] == {
        "shows": 0, "no_shows": 1, "held": 2, "pass": 1, "hold": 0, "fail": 0, "hires": 1, "followed_up": 3,
    }
    assert figures["booths"][str(m["booth"]["id"])]["hires"] == 1
    with session_scope(m["app"].state.sessionmaker) as db:
        sent = list(db.scalars(select(AuditEvent).where(AuditEvent.event == "event_follow_up_sent")))
    assert len(sent) == 2
    editor = staff.get(f"/events/{event_id}/edit")
    assert 'data-testid="dfig-followed_up">3<' in editor.text and "사후 안내 보내기" in editor.text


def test_room_tokens_seat_each_person_and_showing_up_and_going_along_are_recorded(fair, people, app_client) -> None:
    f = fair(slot_hours=(0.5,), tag="now")  # the room is open: the slot starts within the hour
    seeker = people("seeker", "now-seeker@events.kr", name="윤지금")
    book(seeker, f["slots"][0])
    booth = f["booth"]["id"]
    url = f"/api/events/booths/{booth}/room-token"
    assert ok(f["employer"].send_json("POST", url))["role"] == "host"
    grant = ok(seeker.send_json("POST", url))
    assert grant["role"] == "guest" and grant["ws_url"] == f"/ws/events/booths/{booth}/room"
    assert grant["grants"]["record"] is False and grant["grants"]["admit"] is False
    assert ok(f["consultant"].send_json("POST", url))["role"] == "companion"
    assert people("seeker", "not-booked@events.kr").send_json("POST", url).status_code == 404
    assert fair(tag="other")["employer"].send_json("POST", url).status_code == 404
    ok(seeker.send_json("POST", url))  # entering again counts once

    figures = ok(f["consultant"].get(f"/api/events/{f['event']['id']}/figures"))["day"]["booths"][str(booth)]
    assert figures["shows"] == 1
    with session_scope(app_client.app.state.sessionmaker) as db:
        joined = list(db.scalars(select(AuditEvent).where(AuditEvent.event == "booth_companion_joined")))
    assert [a.actor_id for a in joined] == [f["consultant"].user["id"]]
    page = f["employer"].get(f"/events/booths/{booth}/room")
    assert page.status_code == 200 and "오늘의 면접 순서" in page.text and 'id="start-recording"' not in page.text
    lobby = seeker.get(f"/events/booths/{booth}/room")
    assert lobby.status_code == 200 and "내 대기 순서" in lobby.text
    assert people("seeker", "page-stranger@events.kr").get(f"/events/booths/{booth}/room").status_code == 404
    english = f["employer"]
    english.get("/locale/en", follow_redirects=False)
    page = english.get(f"/events/booths/{booth}/room")
    assert "Today&#39;s interviews" in page.text or "Today's interviews" in page.text
    assert "Booth interviews are not recorded." in page.text and "오늘의 면접 순서" not in page.text
