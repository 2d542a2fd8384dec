"""Counselling and mentoring rooms on the live-room machinery: only the two people of a booking
(or a mentoring) get a token, only while the room is open; a token opens its own room and no
other; recording needs both people's consent, and consent and recording are audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from server.core.db import session_scope
from server.models import AuditEvent, CounsellingSlot, LiveRoomConsent, MentorRequest, User
from tests.interviews.test_room_tokens import _close_code, _next

pytestmark = pytest.mark.unit


def _slot(consultant, *, minutes_ahead: int = 5, mode: str = "video") -> dict:
    start = (datetime.now(UTC) + timedelta(minutes=minutes_ahead)).isoformat()
    response = consultant.send_json("POST", "/api/journey/slots", {"starts_at": start, "duration_min": 30, "mode": mode})
    assert response.status_code == 201, response.text
    return response.json()


def _token(client, url: str):
    return client.send_json("POST", url)


def _code(response) -> str:
    return response.json()["error"]["code"]


def test_only_the_two_people_of_a_booked_video_slot_get_a_token_while_its_room_is_open(people, app_client) -> None:
    consultant = people("consultant", "rooms-c@x.kr", name="한상담")
    other_consultant = people("consultant", "rooms-c2@x.kr", name="두상담")
    seeker = people("seeker", "rooms-s@x.kr", name="김구직")
    stranger = people("seeker", "rooms-x@x.kr", name="남")
    employer = people("employer", "rooms-e@x.kr", name="면접관")
    slot = _slot(consultant)
    url = f"/api/journey/slots/{slot['id']}/room-token"

    # Before the booking there is no guest, and the seeker is not in it yet.
    assert _code(_token(consultant, url)) == "slot_not_booked"
    assert _token(seeker, url).status_code == 404
    assert seeker.send_json("POST", f"/api/journey/slots/{slot['id']}/book", {"note": "진로 고민"}).status_code == 200

    guest = _token(seeker, url).json()
    assert guest["role"] == "guest" and guest["room"] == f"counselling-{slot['id']}"
    assert guest["grants"] == {"publish": True, "subscribe": True, "admit": False, "record": False}
    assert guest["ws_url"] == f"/ws/counselling/{slot['id']}/room"
    host = _token(consultant, url).json()
    assert host["role"] == "host" and host["grants"]["admit"] and host["grants"]["record"]
    # Anybody else: the slot is not theirs (404), or their role has no counselling rooms (403).
    for outsider in (stranger, other_consultant):
        refused = _token(outsider, url)
        assert refused.status_code == 404 and _code(refused) == "slot_not_found"
    assert _token(employer, url).status_code == 403
    assert seeker.get(f"/journey/counselling/{slot['id']}/room").status_code == 200
    assert stranger.get(f"/journey/counselling/{slot['id']}/room").status_code == 404

    # A token opens its own room only: not another slot's, not an interview's, not a mentoring's.
    second = _slot(consultant, minutes_ahead=6)
    seeker.send_json("POST", f"/api/journey/slots/{second['id']}/book", {})
    socket = f"/ws/counselling/{slot['id']}/room"
    assert _close_code(seeker, socket) == 4498  # no token
    assert _close_code(seeker, f"/ws/counselling/{second['id']}/room?token={guest['token']}") == 4498
    assert _close_code(seeker, f"/ws/mentoring/{slot['id']}/room?token={guest['token']}") == 4498
    assert _close_code(consultant, f"{socket}?token={guest['token']}") == 4498  # someone else's token

    # Recording needs both people's consent: the host's alone is not enough.
    with consultant.websocket_connect(f"{socket}?token={host['token']}") as ws:
        hello = ws.receive_json()
        assert hello["state"] == "admitted" and hello["role"] == "host" and hello["consent"] is False
        ws.send_json({"type": "consent", "recording": True})
        assert _next(ws, "consent")["recording"] is False  # recording may not run yet
        ws.send_json({"type": "start_recording"})
        assert _next(ws, "error")["code"] == "consent_required"
        ws.send_json({"type": "captions", "on": True})  # no captions in counselling
        assert _next(ws, "error")["code"] == "not_allowed"
    with seeker.websocket_connect(f"{socket}?token={guest['token']}") as ws:
        hello = ws.receive_json()
        assert hello["state"] == "lobby" and hello["role"] == "guest" and hello["consent"] is False
        ws.send_json({"type": "offer", "sdp": "v=0"})
        assert _next(ws, "error")["code"] == "not_admitted"
        ws.send_json({"type": "start_recording"})
        assert _next(ws, "error")["code"] == "not_allowed"
        ws.send_json({"type": "consent", "recording": True})
        assert _next(ws, "consent")["recording"] is True
    with consultant.websocket_connect(f"{socket}?token={host['token']}") as ws:
        assert ws.receive_json()["consent"] is True  # the host's own consent was kept
        ws.send_json({"type": "start_recording"})
        assert _next(ws, "recording")["active"] is True
        ws.send_json({"type": "stop_recording"})
        assert _next(ws, "recording")["active"] is False

    with session_scope(app_client.app.state.sessionmaker) as db:
        events = db.scalars(select(AuditEvent).where(AuditEvent.path == socket).order_by(AuditEvent.id)).all()
        kinds = [e.event for e in events]
        assert kinds.count("room_consent_given") == 2 and "room_recording_started" in kinds
        assert "room_recording_stopped" in kinds and kinds.count("signalling_refused") >= 2
        consent = next(e for e in events if e.event == "room_consent_given")
        assert consent.detail["purpose"] == "live_room_recording" and consent.detail["room_kind"] == "counselling"

    # Consent belongs to the booking: cancelled (the consultant has no cut-off), the slot starts afresh.
    assert consultant.send_json("POST", f"/api/journey/slots/{slot['id']}/cancel").status_code == 200
    with session_scope(app_client.app.state.sessionmaker) as db:
        assert db.scalars(select(LiveRoomConsent).where(LiveRoomConsent.ref_id == slot["id"])).all() == []
    assert _token(seeker, url).status_code == 404  # no longer theirs


def test_the_counselling_room_opens_ten_minutes_before_and_closes_after_the_grace(people, app_client) -> None:
    consultant = people("consultant", "window-c@x.kr", name="한상담")
    seeker = people("seeker", "window-s@x.kr", name="김구직")
    later = _slot(consultant, minutes_ahead=120)
    phone = _slot(consultant, minutes_ahead=5, mode="phone")
    for slot in (later, phone):
        assert seeker.send_json("POST", f"/api/journey/slots/{slot['id']}/book", {}).status_code == 200
    not_yet = _token(seeker, f"/api/journey/slots/{later['id']}/room-token")
    assert not_yet.status_code == 409 and _code(not_yet) == "room_not_open_yet"
    page = seeker.get(f"/journey/counselling/{later['id']}/room")
    assert page.status_code == 200 and "상담실은" in page.text and "부터 열립니다" in page.text
    assert "이 상담은 녹화하지 않습니다" in page.text  # the default, said on the page
    # Phone and in-person slots have no room, and their pages show no room link.
    assert _code(_token(seeker, f"/api/journey/slots/{phone['id']}/room-token")) == "no_video_room"
    assert seeker.get(f"/journey/counselling/{phone['id']}/room").status_code == 409
    listing = seeker.get("/journey/counselling").text
    assert f"/journey/counselling/{later['id']}/room" in listing
    assert f"/journey/counselling/{phone['id']}/room" not in listing
    assert f"/journey/counselling/{later['id']}/room" in consultant.get("/consultant/slots").text

    factory = app_client.app.state.sessionmaker
    for shift, code in ((timedelta(minutes=-9), None), (timedelta(minutes=-11), "room_not_open_yet"),
                        (timedelta(minutes=30 + 29), None), (timedelta(minutes=30 + 31), "room_closed")):
        with session_scope(factory) as db:  # the start moved so that "now" is `shift` from it
            db.get(CounsellingSlot, later["id"]).starts_at = datetime.now(UTC) - shift
        response = _token(seeker, f"/api/journey/slots/{later['id']}/room-token")
        assert (response.status_code, None if response.status_code == 200 else _code(response)) == (
            (200, None) if code is None else (409, code)
        ), shift


def test_an_accepted_mentoring_has_a_room_for_its_mentor_and_mentee_only(people, app_client) -> None:
    mentor = people("employer", "mentor@x.kr", name="이멘토")
    mentee = people("seeker", "mentee@x.kr", name="김멘티")
    stranger = people("seeker", "mentor-x@x.kr", name="남")
    with session_scope(app_client.app.state.sessionmaker) as db:
        ids = {u.email: u.id for u in db.scalars(select(User))}
        request = MentorRequest(seeker_id=ids["mentee@x.kr"], mentor_id=ids["mentor@x.kr"])
        db.add(request)
        db.flush()
        request_id = request.id
    url = f"/api/journey/mentoring/{request_id}/room-token"
    assert _code(_token(mentee, url)) == "mentoring_not_active"
    with session_scope(app_client.app.state.sessionmaker) as db:
        db.get(MentorRequest, request_id).status = "accepted"
    host, guest = _token(mentor, url).json(), _token(mentee, url).json()
    assert (host["role"], guest["role"]) == ("host", "guest") and host["room"] == f"mentoring-{request_id}"
    assert host["grants"]["admit"] and not guest["grants"]["admit"]
    assert _token(stranger, url).status_code == 404
    assert f"/mentoring/{request_id}/room" in mentee.get("/journey/mentoring").text
    assert f"/mentoring/{request_id}/room" in mentor.get("/mentor").text
    page = mentee.get(f"/mentoring/{request_id}/room")
    assert page.status_code == 200 and "화상 멘토링 · 이멘토" in page.text and "이 멘토링 통화는 녹화하지 않습니다" in page.text
    assert stranger.get(f"/mentoring/{request_id}/room").status_code == 404
    with mentee.websocket_connect(f"/ws/mentoring/{request_id}/room?token={guest['token']}") as ws:
        assert ws.receive_json()["state"] == "lobby"
    assert _close_code(mentee, f"/ws/counselling/{request_id}/room?token={guest['token']}") == 4498
