"""Booking messages of a centre event, by email through the real aiosmtpd process: the seeker's
confirmation with a calendar entry (or their waiting place), the booth's employer told of each
new booking, the entry cancelled (METHOD:CANCEL, same UID) when the seeker gives up the slot, the
next in line's entry when they move up, and reminders 24 h and 1 h before, each sent once."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar
from sqlalchemy import select

from server.core.db import session_scope
from server.events.reminders import send_due_event_reminders
from server.models import EventSlot
from tests.events.conftest import ok
from tests.notifications.conftest import app_overrides, parts, smtp_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.unit


def _calendar(mail):
    [ics] = [a for a in parts(mail)["attachments"] if a.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(ics.get_content())
    [event] = calendar.walk("VEVENT")
    return str(calendar["METHOD"]), event


def _subjects(mails) -> list[str]:
    return [str(m["Subject"]) for m in mails]


def test_booking_waiting_cancelling_and_moving_up_send_the_right_emails_and_calendar_entries(
    app_client, people, fair, smtp_server  # noqa: F811
) -> None:
    made = fair(slot_hours=(48,), minutes=20)
    [slot_id] = made["slots"]
    ana = people("seeker", "ana@events.kr", name="김아나")
    ben = people("seeker", "ben@events.kr", name="박벤")
    first = ok(ana.send_json("POST", f"/api/events/slots/{slot_id}/book"), 201)
    ok(ben.send_json("POST", f"/api/events/slots/{slot_id}/book"), 201)
    with session_scope(app_client.app.state.sessionmaker) as db:
        slot = db.get(EventSlot, slot_id)
        assert slot is not None
        start = slot.starts_at

    [confirmed] = smtp_server.wait_for(1, to="ana@events.kr")
    assert "면접 예약 확인" in str(confirmed["Subject"]) and "가나물류-a" in str(confirmed["Subject"])
    method, entry = _calendar(confirmed)
    assert method == "REQUEST" and entry.decoded("DTSTART") == start
    assert entry.decoded("DTEND") - entry.decoded("DTSTART") == dt.timedelta(minutes=20)
    assert str(entry["UID"]).startswith(f"event-booking-{first['id']}@")
    assert "하루 전과 한 시간 전에" in parts(confirmed)["text"]

    [waiting] = smtp_server.wait_for(1, to="ben@events.kr")
    assert "대기 1번" in str(waiting["Subject"])
    assert not [a for a in parts(waiting)["attachments"] if a.get_content_type() == "text/calendar"]

    # The booth's employer hears of both, with who and when, and never sees their emails.
    employer_mails = smtp_server.wait_for(2, to="emp-a@events.kr")
    assert sorted(s.split(",")[0] for s in _subjects(employer_mails)) == [
        "[언택트] 부스 면접 신청 · 김아나", "[언택트] 부스 면접 신청 · 박벤"]
    texts = [parts(m)["text"] for m in employer_mails]
    assert any("김아나" in t and "예약됨" in t for t in texts) and any("박벤" in t and "대기 중" in t for t in texts)
    assert not any("ana@events.kr" in t or "ben@events.kr" in t for t in texts)

    # Ana gives up the slot: her calendar entry is cancelled; Ben moves up and gets his own entry.
    ok(ana.send_json("POST", f"/api/events/bookings/{first['id']}/cancel"))
    ana_mails = smtp_server.wait_for(2, to="ana@events.kr")
    [withdrawn] = [m for m in ana_mails if "취소" in str(m["Subject"])]
    method, cancelled = _calendar(withdrawn)
    assert method == "CANCEL" and str(cancelled["UID"]) == str(entry["UID"]) and int(cancelled["SEQUENCE"]) == 1
    assert str(cancelled["STATUS"]) == "CANCELLED"
    ben_mails = smtp_server.wait_for(2, to="ben@events.kr")
    [promoted] = [m for m in ben_mails if "대기하던 면접이 예약되었습니다" in str(m["Subject"])]
    method, ben_entry = _calendar(promoted)
    assert method == "REQUEST" and ben_entry.decoded("DTSTART") == start and str(ben_entry["UID"]) != str(entry["UID"])

    # Reminders: nothing until 24 h before, then the 24 h one once, then the 1 h one once — to the
    # person holding the slot now (Ben), not to Ana who cancelled.
    factory = app_client.app.state.sessionmaker

    def run(now: dt.datetime) -> list[tuple[str, int]]:
        with session_scope(factory) as db:
            return [(r.kind, r.user_id) for r in send_due_event_reminders(db, now)]

    ben_id = ben.user["id"]
    assert run(start - dt.timedelta(hours=30)) == []
    assert run(start - dt.timedelta(hours=23)) == [("event_reminder_24h", ben_id)]
    assert run(start - dt.timedelta(hours=22)) == []
    assert run(start - dt.timedelta(minutes=50)) == [("event_reminder_1h", ben_id)]
    assert run(start - dt.timedelta(minutes=30)) == []
    assert run(start + dt.timedelta(minutes=1)) == []
    reminders = [m for m in smtp_server.wait_for(4, to="ben@events.kr") if "면접 ·" in str(m["Subject"])]
    assert sorted(str(m["Subject"]).split(" ·")[0] for m in reminders) == ["[언택트] 내일 면접", "[언택트] 한 시간 뒤 면접"]


def test_a_booking_made_after_a_reminder_was_due_gets_no_late_reminder(app_client, people, fair, smtp_server) -> None:  # noqa: F811
    made = fair(slot_hours=(3,))
    [slot_id] = made["slots"]
    seeker = people("seeker", "late@events.kr", name="최늦음")
    ok(seeker.send_json("POST", f"/api/events/slots/{slot_id}/book"), 201)
    factory = app_client.app.state.sessionmaker
    with session_scope(factory) as db:
        start = db.scalar(select(EventSlot.starts_at).where(EventSlot.id == slot_id))
        assert start is not None
    with session_scope(factory) as db:  # booked 3 h before: the 24 h reminder was already due
        assert send_due_event_reminders(db, start - dt.timedelta(hours=2)) == []
    with session_scope(factory) as db:
        assert [r.kind for r in send_due_event_reminders(db, start - dt.timedelta(minutes=59))] == ["event_reminder_1h"]
    smtp_server.wait_for(2, to="late@events.kr")
