"""Notifications by email, end to end on the real parts: the app (SQLite and PostgreSQL) with its
in-process job worker sends through aiosmtpd running as its own process on loopback, and the
tests read what arrived from its Maildir.

Invitation emails carry the calendar entry (parsed with icalendar), a new time updates the
same entry, a server that is down is retried and the message arrives once, quiet hours defer
delivery, and counselling bookings reach both people.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from server.core.db import session_scope
from server.models import Job, Notification, NotificationDelivery
from tests.notifications.conftest import parts

pytestmark = pytest.mark.unit

KST = ZoneInfo("Asia/Seoul")


def _calendar_of(message) -> tuple[Calendar, object]:
    [attachment] = [a for a in parts(message)["attachments"] if a.get_content_type() == "text/calendar"]
    assert attachment.get_param("method") == "REQUEST"
    calendar = Calendar.from_ical(attachment.get_content())
    [event] = calendar.walk("VEVENT")
    return calendar, event


def _invite_live(employer, when: str = "2030-03-02T14:00:00", email: str = "seeker@x.kr") -> dict:
    created = employer.send_json("POST", "/api/interviews/invitations", {
        "seeker_email": email, "kind": "live", "scheduled_at": when, "duration_min": 45,
        "title": "프론트엔드 면접", "message": "편하게 오세요.",
    })
    assert created.status_code == 201, created.text
    return created.json()


def _deliveries(app_client) -> list[NotificationDelivery]:
    with session_scope(app_client.app.state.sessionmaker) as db:
        return list(db.scalars(select(NotificationDelivery).order_by(NotificationDelivery.id)).all())


def _settled_deliveries(app_client, timeout_s: float = 15.0) -> list[NotificationDelivery]:
    """The deliveries once none is still on its way: the worker records `sent` just after the
    SMTP server has the message, so a mail that arrived may not be marked yet."""
    deadline = time.monotonic() + timeout_s
    while True:
        rows = _deliveries(app_client)
        if all(d.status not in ("queued", "deferred") for d in rows) or time.monotonic() > deadline:
            return rows
        time.sleep(0.1)


def test_live_invitation_email_carries_the_calendar_and_a_new_time_updates_the_same_entry(
    app_client, person, smtp_server
) -> None:
    employer = person("employer", "boss@a.kr", "김면접", company="에이컴퍼니")
    seeker = person("seeker", "seeker@x.kr", "이구직")
    inv = _invite_live(employer)

    [mail] = smtp_server.wait_for(1, to="seeker@x.kr")
    assert mail["Subject"] == "[언택트] 에이컴퍼니 화상 면접 초대 · 2030년 3월 2일 (토) 오후 2:00"
    assert mail["To"].addresses[0].display_name == "이구직"
    assert mail["From"].addresses[0].addr_spec == "no-reply@untact.test"
    body = parts(mail)
    assert "이구직님, 안녕하세요." in body["text"] and "일시: 2030년 3월 2일 (토) 오후 2:00 (45분)" in body["text"]
    assert f"http://untact.test/interviews/{inv['id']}" in body["text"]
    assert '<html lang="ko">' in body["html"] and f'href="http://untact.test/interviews/{inv["id"]}"' in body["html"]
    assert "http://untact.test/unsubscribe/" in body["text"] and mail["List-Unsubscribe"].startswith("<http://untact.test/unsubscribe/")

    calendar, event = _calendar_of(mail)
    uid = str(event["UID"])
    assert str(calendar["METHOD"]) == "REQUEST"
    assert uid == f"interview-{inv['id']}@untact.test" and int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == datetime(2030, 3, 2, 5, 0, tzinfo=UTC)  # 14:00 KST
    assert event.decoded("DTEND") == datetime(2030, 3, 2, 5, 45, tzinfo=UTC)
    assert str(event["ORGANIZER"]) == "mailto:boss@a.kr" and str(event["ATTENDEE"]) == "mailto:seeker@x.kr"
    assert str(event["SUMMARY"]) == "에이컴퍼니 화상 면접 · 프론트엔드 면접"

    # In the app too, and the nav badge counts it.
    notes = seeker.get("/api/notifications").json()
    assert notes["unread"] == 1 and notes["items"][0]["link"] == f"/interviews/{inv['id']}"
    assert notes["items"][0]["text"] == "에이컴퍼니에서 화상 면접에 초대했습니다: 프론트엔드 면접, 2030년 3월 2일 (토) 오후 2:00"

    # The seeker asks for another time: the employer hears it.
    asked = seeker.send_json("POST", f"/api/interviews/invitations/{inv['id']}/respond",
                             {"action": "reschedule", "note": "3월 3일 오전이 좋습니다"})
    assert asked.status_code == 200
    [request_mail] = smtp_server.wait_for(1, to="boss@a.kr")
    assert request_mail["Subject"] == "[언택트] 이구직님의 면접 일정 변경 요청"
    assert "요청 내용: 3월 3일 오전이 좋습니다" in parts(request_mail)["text"]

    # The employer answers with a new time: same UID, higher SEQUENCE, the new start.
    moved = employer.send_json("POST", f"/api/interviews/invitations/{inv['id']}/status",
                               {"status": "invited", "scheduled_at": "2030-03-03T10:00:00"})
    assert moved.status_code == 200
    _, second = smtp_server.wait_for(2, to="seeker@x.kr")
    assert second["Subject"] == "[언택트] 에이컴퍼니 면접 일정 변경 · 2030년 3월 3일 (일) 오전 10:00"
    _, moved_event = _calendar_of(second)
    assert str(moved_event["UID"]) == uid and int(moved_event["SEQUENCE"]) == 1
    assert moved_event.decoded("DTSTART") == datetime(2030, 3, 3, 1, 0, tzinfo=UTC)

    # The calendar file on the interview page is the same entry, at the same SEQUENCE.
    download = Calendar.from_ical(seeker.get(f"/api/interviews/invitations/{inv['id']}/calendar.ics").text)
    [downloaded] = download.walk("VEVENT")
    assert str(downloaded["UID"]) == uid and int(downloaded["SEQUENCE"]) == 1

    accepted = seeker.send_json("POST", f"/api/interviews/invitations/{inv['id']}/respond", {"action": "accept"})
    assert accepted.status_code == 200
    _, accepted_mail = smtp_server.wait_for(2, to="boss@a.kr")
    assert accepted_mail["Subject"] == "[언택트] 이구직님이 면접 초대를 수락했습니다"
    assert all(d.status == "sent" for d in _settled_deliveries(app_client))


def test_a_recorded_invitation_email_in_english_for_an_english_reader(app_client, person, smtp_server) -> None:
    employer = person("employer", "boss@a.kr", "김면접", company="에이컴퍼니")
    person("seeker", "jane@x.kr", "Jane")
    from server.models import User

    with session_scope(app_client.app.state.sessionmaker) as db:
        db.scalar(select(User).where(User.email == "jane@x.kr")).locale = "en"  # type: ignore[union-attr]
    qset = employer.send_json("POST", "/api/interviews/sets", {
        "title": "1차", "questions": [{"text": "자기소개를 해 주세요."}],
    }).json()
    created = employer.send_json("POST", "/api/interviews/invitations", {
        "seeker_email": "jane@x.kr", "kind": "recorded", "deadline_at": "2030-03-05T18:00:00",
        "question_set_id": qset["id"], "title": "Backend",
    })
    assert created.status_code == 201, created.text
    [mail] = smtp_server.wait_for(1, to="jane@x.kr")
    assert mail["Subject"] == "[Untact] Recorded interview invitation from 에이컴퍼니 · due Tue 5 Mar 2030, 6:00 PM"
    body = parts(mail)
    assert body["text"].startswith("Hello Jane,") and '<html lang="en">' in body["html"]
    assert body["attachments"] == []  # the deadline is in the text; only live interviews send a calendar entry


def test_a_down_smtp_server_is_retried_and_the_email_arrives_once(app_client, person, smtp_server) -> None:
    employer = person("employer", "boss@a.kr", "김면접")
    person("seeker", "seeker@x.kr", "이구직")
    smtp_server.stop()
    inv = _invite_live(employer)

    deadline = time.monotonic() + 20
    while True:  # the first try fails: connection refused, a retryable error
        [delivery] = _deliveries(app_client)
        if delivery.last_error_code or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert delivery.last_error_code == "smtp_unavailable" and delivery.status == "queued" and delivery.attempts == 1
    with session_scope(app_client.app.state.sessionmaker) as db:
        job = db.scalar(select(Job).where(Job.kind == "deliver_notification"))
        assert job is not None and job.status == "queued" and job.run_after > datetime.now(UTC)  # backing off

    smtp_server.start()
    [mail] = smtp_server.wait_for(1, to="seeker@x.kr", timeout_s=40)
    assert f"/interviews/{inv['id']}" in parts(mail)["text"]
    time.sleep(1.5)  # anything sent twice would have arrived by now
    assert len(smtp_server.messages()) == 1
    [delivery] = _settled_deliveries(app_client)
    assert delivery.status == "sent" and delivery.attempts == 2
    with session_scope(app_client.app.state.sessionmaker) as db:
        assert db.scalar(select(Job.status).where(Job.kind == "deliver_notification")) == "done"


def test_quiet_hours_defer_the_email_until_they_end(app_client, person, smtp_server) -> None:
    employer = person("employer", "boss@a.kr", "김면접")
    seeker = person("seeker", "seeker@x.kr", "이구직")
    now = datetime.now(KST)
    end = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
    if (end - now).total_seconds() < 15:
        end += timedelta(minutes=1)
    start = now - timedelta(hours=2)
    saved = seeker.send_json("PUT", "/api/notifications/preferences", {
        "email": True, "text": False, "quiet_hours": {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")},
    })
    assert saved.status_code == 200, saved.text

    _invite_live(employer)
    assert seeker.get("/api/notifications").json()["unread"] == 1  # in-app at once
    [delivery] = _deliveries(app_client)
    assert delivery.status == "deferred" and delivery.not_before == end.astimezone(UTC)
    with session_scope(app_client.app.state.sessionmaker) as db:
        job = db.scalar(select(Job).where(Job.kind == "deliver_notification"))
        assert job is not None and job.run_after == end.astimezone(UTC)
    time.sleep(2)
    assert smtp_server.messages() == []  # held back, not sent

    [mail] = smtp_server.wait_for(1, to="seeker@x.kr", timeout_s=(end - datetime.now(KST)).total_seconds() + 30)
    assert parsedate_to_datetime(mail["Date"]) >= end  # sent once the quiet hours were over
    assert _settled_deliveries(app_client)[0].status == "sent"


def test_a_counselling_booking_reaches_the_seeker_and_the_consultant(app_client, person, smtp_server) -> None:
    consultant = person("consultant", "park@centre.kr", "박상담")
    seeker = person("seeker", "seeker@x.kr", "이구직")
    slot = consultant.send_json("POST", "/api/journey/slots", {
        "starts_at": "2030-04-01T10:00:00+09:00", "duration_min": 50, "mode": "phone",
    })
    assert slot.status_code in (200, 201), slot.text
    booked = seeker.send_json("POST", f"/api/journey/slots/{slot.json()['id']}/book", {"note": "면접이 불안합니다"})
    assert booked.status_code == 200, booked.text

    [to_seeker] = smtp_server.wait_for(1, to="seeker@x.kr")
    [to_consultant] = smtp_server.wait_for(1, to="park@centre.kr")
    assert to_seeker["Subject"] == "[언택트] 상담 예약 완료 · 2030년 4월 1일 (월) 오전 10:00"
    assert "박상담 상담사와의 전화 상담이 예약되었습니다." in parts(to_seeker)["text"]
    assert to_consultant["Subject"] == "[언택트] 새 상담 예약 · 이구직님, 2030년 4월 1일 (월) 오전 10:00"
    consultant_text = parts(to_consultant)["text"]
    assert "이구직님이 전화 상담을 예약했습니다." in consultant_text and "면접이 불안합니다" in consultant_text
    assert "http://untact.test/consultant/slots" in consultant_text


def test_without_an_smtp_host_notifications_are_in_app_only(make_settings, smtp_server) -> None:
    from server.app import create_app
    from tests.conftest import ApiClient

    app = create_app(make_settings())  # type: ignore[arg-type]
    with ApiClient(app, base_url="http://testserver") as employer:
        employer.signup("employer", "boss@a.kr", company_name="에이컴퍼니", name="김면접")
        seeker = ApiClient(app, base_url="http://testserver")
        seeker.signup("seeker", "seeker@x.kr", name="이구직")
        _invite_live(employer)
        assert seeker.get("/api/notifications").json()["unread"] == 1
        with session_scope(app.state.sessionmaker) as db:
            assert db.scalars(select(NotificationDelivery)).all() == []
            assert db.scalars(select(Job).where(Job.kind == "deliver_notification")).all() == []
            assert len(db.scalars(select(Notification)).all()) == 1
        page = seeker.get("/notifications/settings")
        assert "이 센터는 아직 이메일 발송을 설정하지 않았습니다" in page.text
    assert smtp_server.messages() == []
