"""Counselling bookings by email: both people get the booking with its calendar entry and, for a
video slot, the room's link; both get a reminder an hour before (once); a cancellation reaches
the other person with the calendar entry cancelled; a seeker cannot cancel in the last hour."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from icalendar import Calendar
from sqlalchemy import select

from server.core.db import session_scope
from server.models import CounsellingSlot, User
from server.notifications.reminders import send_due_reminders
from tests.notifications.conftest import parts

pytestmark = pytest.mark.unit


def _publish(consultant, start: datetime, mode: str = "video") -> int:
    response = consultant.send_json("POST", "/api/journey/slots",
                                    {"starts_at": start.isoformat(), "duration_min": 50, "mode": mode})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _action_link(mail) -> str:
    [link] = [unescape(h) for h in re.findall(r'href="([^"]+)" data-testid="email-action"', parts(mail)["html"])]
    return link


def _calendar(mail):
    [ics] = [a for a in parts(mail)["attachments"] if a.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(ics.get_content())
    [event] = calendar.walk("VEVENT")
    return str(calendar["METHOD"]), event


def test_a_video_booking_mails_both_people_the_room_link_a_calendar_and_a_reminder(app_client, person, smtp_server) -> None:
    consultant = person("consultant", "c@x.kr", "한상담")
    seeker = person("seeker", "s@x.kr", "김구직")
    start = datetime(2030, 3, 2, 5, 0, tzinfo=UTC)
    video, phone = _publish(consultant, start), _publish(consultant, start + timedelta(days=1), mode="phone")
    for slot_id in (video, phone):
        assert seeker.send_json("POST", f"/api/journey/slots/{slot_id}/book", {"note": "이직 고민"}).status_code == 200

    seeker_mails = smtp_server.wait_for(2, to="s@x.kr")
    consultant_mails = smtp_server.wait_for(2, to="c@x.kr")
    room = f"http://untact.test/journey/counselling/{video}/room"
    [to_seeker] = [m for m in seeker_mails if _action_link(m) == room]
    [to_consultant] = [m for m in consultant_mails if _action_link(m) == room]
    assert "화상 상담실" in parts(to_seeker)["text"] and "시작 10분 전부터" in parts(to_seeker)["text"]
    for mail in (to_seeker, to_consultant):
        method, event = _calendar(mail)
        assert method == "REQUEST" and event.decoded("DTSTART") == start
        assert str(event["URL"]) == room and str(event["UID"]).startswith(f"counselling-{video}-")
    # The phone booking has no room: its email leads to the bookings list.
    [phone_mail] = [m for m in seeker_mails if _action_link(m) != room]
    assert _action_link(phone_mail) == "http://untact.test/journey/counselling"
    assert "/room" not in parts(phone_mail)["text"]

    factory = app_client.app.state.sessionmaker
    with session_scope(factory) as db:  # booked well before the reminders were due
        for slot in db.scalars(select(CounsellingSlot)):
            slot.booked_at = slot.starts_at - timedelta(days=3)
        ids = {u.email: u.id for u in db.scalars(select(User))}

    def run(now: datetime) -> list[tuple[str, int, str]]:
        with session_scope(factory) as db:
            return sorted((r.kind, r.user_id, r.link) for r in send_due_reminders(db, now))

    assert run(start - timedelta(hours=2)) == []
    assert run(start - timedelta(minutes=50)) == sorted([
        ("counselling_reminder_1h", ids["c@x.kr"], f"/journey/counselling/{video}/room"),
        ("counselling_reminder_1h", ids["s@x.kr"], f"/journey/counselling/{video}/room"),
    ])
    assert run(start - timedelta(minutes=40)) == []  # once
    reminder = next(m for m in smtp_server.wait_for(3, to="s@x.kr") if "1시간 전" in str(m["Subject"]))
    assert str(reminder["Subject"]) == "[언택트] 상담 1시간 전 알림 · 2030년 3월 2일 (토) 오후 2:00"
    assert _action_link(reminder) == room and "화상 상담실에 들어가세요" in parts(reminder)["text"]
    phone_start = start + timedelta(days=1)
    assert [k for k, _, link in run(phone_start - timedelta(minutes=30)) if link.endswith("/room")] == []


def test_a_cancellation_reaches_the_other_person_and_seekers_cannot_cancel_in_the_last_hour(
    app_client, person, smtp_server
) -> None:
    consultant = person("consultant", "c2@x.kr", "한상담")
    seeker = person("seeker", "s2@x.kr", "김구직")
    far = _publish(consultant, datetime(2030, 4, 1, 5, 0, tzinfo=UTC))
    soon = _publish(consultant, datetime.now(UTC) + timedelta(minutes=30))
    for slot_id in (far, soon):
        assert seeker.send_json("POST", f"/api/journey/slots/{slot_id}/book", {}).status_code == 200
    late = seeker.send_json("POST", f"/api/journey/slots/{soon}/cancel")
    assert late.status_code == 409 and late.json()["error"]["code"] == "cancel_too_late"
    assert "1시간 전부터는" in late.json()["error"]["message"]
    assert seeker.send_json("POST", f"/api/journey/slots/{far}/cancel").status_code == 200

    mails = smtp_server.wait_for(3, to="c2@x.kr")  # two bookings and the cancellation
    [cancelled] = [m for m in mails if "취소" in str(m["Subject"])]
    assert str(cancelled["Subject"]) == "[언택트] 상담 예약 취소 · 2030년 4월 1일 (월) 오후 2:00"
    assert "김구직님이" in parts(cancelled)["text"]
    method, event = _calendar(cancelled)
    assert method == "CANCEL" and str(event["STATUS"]) == "CANCELLED" and str(event["UID"]).startswith(f"counselling-{far}-")
    # The consultant cancels the other one (no cut-off for them): the seeker hears of it.
    assert consultant.send_json("POST", f"/api/journey/slots/{soon}/cancel").status_code == 200
    assert any("취소" in str(m["Subject"]) for m in smtp_server.wait_for(3, to="s2@x.kr"))
