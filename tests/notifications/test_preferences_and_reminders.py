"""Preferences (typed errors), the unsubscribe link that works without a login, reminders that are
sent exactly once, and the journey and careers events that notify, on SQLite and PostgreSQL with
the real SMTP server (tests/notifications/conftest.py)."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from server.core.db import session_scope
from server.models import (
    InterviewInvitation,
    InvitationEvent,
    Job,
    Notification,
    NotificationDelivery,
    NotificationReminder,
    User,
)
from server.notifications.reminders import send_due_reminders
from server.notifications.service import UNSUBSCRIBE_SALT, unsubscribe_token
from tests.careers.conftest import create_posting, save_profile
from tests.notifications.conftest import parts

pytestmark = pytest.mark.unit


def _invite_live(employer, when: datetime | str = "2030-03-02T14:00:00", email: str = "seeker@x.kr") -> dict:
    scheduled = when if isinstance(when, str) else when.astimezone(UTC).isoformat()
    created = employer.send_json("POST", "/api/interviews/invitations", {
        "seeker_email": email, "kind": "live", "scheduled_at": scheduled, "title": "백엔드 면접",
    })
    assert created.status_code == 201, created.text
    return created.json()


def _error(response) -> str:
    return response.json()["error"]["code"]


# ----------------------------------------------------------------- preferences


def test_preferences_are_saved_and_bad_ones_get_typed_errors(app_client, person) -> None:
    seeker = person("seeker", "seeker@x.kr", "이구직")
    assert seeker.get("/api/notifications/preferences").json() == {
        "in_app": True, "email": True, "text": False, "phone": "", "quiet_hours": None,
    }
    url = "/api/notifications/preferences"
    cases = [
        ({"email": True, "text": True}, "phone_required"),
        ({"email": True, "text": True, "phone": "02-123-4567"}, "invalid_phone"),
        ({"email": True, "text": False, "quiet_hours": {"start": "22:00", "end": "22:00"}}, "quiet_hours_empty"),
        ({"email": True, "text": False, "quiet_hours": {"start": "25:00", "end": "08:00"}}, "invalid_clock"),
        ({"email": "yes", "text": False}, "invalid_input"),
        ({"email": True, "text": False, "sms": True}, "invalid_input"),
        ({"text": False}, "invalid_input"),
    ]
    for body, code in cases:
        response = seeker.send_json("PUT", url, body)
        assert response.status_code == 422 and _error(response) == code, (body, response.text)
    assert seeker.send_json("PUT", url, {"email": "yes", "text": False}).json()["error"]["detail"]["fields"][0][
        "field"] == "body.email"
    assert "휴대전화 번호를 입력해 주세요" in seeker.send_json("PUT", url, {"email": True, "text": True}).json()[
        "error"]["message"]

    saved = seeker.send_json("PUT", url, {
        "email": False, "text": True, "phone": "+82 10-1234-5678", "quiet_hours": {"start": "22:00", "end": "08:00"},
    })
    assert saved.status_code == 200
    assert saved.json() == {"in_app": True, "email": False, "text": True, "phone": "01012345678",
                            "quiet_hours": {"start": "22:00", "end": "08:00"}}
    assert seeker.get(url).json() == saved.json()


def test_the_settings_page_saves_the_form_and_shows_errors_in_korean(app_client, person) -> None:
    seeker = person("seeker", "seeker@x.kr", "이구직")
    page = seeker.get("/notifications/settings", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "알림 설정" in page.text and "받는 주소: seeker@x.kr" in page.text
    form = {"csrf_token": seeker.csrf(), "email": "on", "text": "on", "phone": "12345", "quiet": "on",
            "quiet_start": "22:00", "quiet_end": "08:00"}
    bad = seeker.post("/notifications/settings", data=form)
    assert bad.status_code == 422 and "휴대전화 번호를 확인해 주세요" in bad.text
    assert 'value="12345"' in bad.text  # what was typed stays in the form
    good = seeker.post("/notifications/settings", data={**form, "phone": "010-9876-5432"}, follow_redirects=False)
    assert good.status_code == 303 and good.headers["location"] == "/notifications/settings?saved=1"
    assert seeker.get("/api/notifications/preferences").json()["phone"] == "01098765432"
    assert "알림 설정을 저장했습니다." in seeker.get("/notifications/settings?saved=1").text


# ----------------------------------------------------------------- unsubscribe


def test_the_unsubscribe_link_works_logged_out_and_bad_links_get_a_clear_page(
    app_client, person, make_client, smtp_server
) -> None:
    employer = person("employer", "boss@a.kr", "김면접")
    seeker = person("seeker", "seeker@x.kr", "이구직")
    _invite_live(employer)
    [mail] = smtp_server.wait_for(1, to="seeker@x.kr")
    links = re.findall(r'href="([^"]+)" data-testid="email-unsubscribe"', parts(mail)["html"])
    assert len(links) == 1
    path = unescape(links[0]).removeprefix("http://untact.test")
    assert path.startswith("/unsubscribe/") and path in parts(mail)["text"]

    stranger = make_client()  # no login
    confirm = stranger.get(path, headers={"Accept": "text/html"})
    assert confirm.status_code == 200 and "이구직님, 언택트 이메일 알림을 끄시겠습니까?" in confirm.text
    assert seeker.get("/api/notifications/preferences").json()["email"] is True  # opening it changes nothing
    done = stranger.post(path, data={"csrf_token": stranger.csrf()})
    assert done.status_code == 200 and "이구직님의 이메일 알림을 껐습니다." in done.text
    assert seeker.get("/api/notifications/preferences").json()["email"] is False
    assert stranger.get(path).status_code == 200 and "이메일 알림을 껐습니다" in stranger.get(path).text

    _invite_live(employer, "2030-04-02T14:00:00")  # email off: in-app only from now on
    assert seeker.get("/api/notifications").json()["unread"] == 2
    with session_scope(app_client.app.state.sessionmaker) as db:
        assert db.scalar(select(func.count()).select_from(NotificationDelivery)) == 1
    time.sleep(1)
    assert len(smtp_server.messages()) == 1

    secret = app_client.app.state.settings.secret_key
    token = path.removeprefix("/unsubscribe/")
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")

    class SignedLongAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 181 * 86400

    expired = URLSafeTimedSerializer(secret, salt=UNSUBSCRIBE_SALT, signer=SignedLongAgo).dumps({"u": 1, "c": "email"})
    other_secret = unsubscribe_token("another-deployments-secret-key-0123456789", 1)
    for bad, status, text in (
        ("garbage", 422, "수신 거부 링크가 올바르지 않습니다"),
        (tampered, 422, "수신 거부 링크가 올바르지 않습니다"),
        (other_secret, 422, "수신 거부 링크가 올바르지 않습니다"),
        (expired, 410, "수신 거부 링크의 유효 기간이 지났습니다"),
    ):
        for response in (stranger.get(f"/unsubscribe/{bad}", headers={"Accept": "text/html"}),
                         stranger.post(f"/unsubscribe/{bad}", data={"csrf_token": stranger.csrf()})):
            assert response.status_code == status and text in response.text, (bad, response.text[:300])
            assert "Traceback" not in response.text and 'data-state="invalid"' in response.text


# ----------------------------------------------------------------- reminders


def _backdate_invitation(app_client, invitation_id: int, days: int = 2) -> None:
    """The invitation was sent a while ago (before its reminders were due)."""
    with session_scope(app_client.app.state.sessionmaker) as db:
        invitation = db.get(InterviewInvitation, invitation_id)
        assert invitation is not None
        invitation.created_at -= timedelta(days=days)
        for event in db.scalars(select(InvitationEvent).where(InvitationEvent.invitation_id == invitation_id)):
            event.at -= timedelta(days=days)


def test_reminders_are_sent_once_each_before_live_and_recorded_interviews(app_client, person, smtp_server) -> None:
    employer = person("employer", "boss@a.kr", "김면접", company="에이컴퍼니")
    seeker = person("seeker", "seeker@x.kr", "이구직")
    start = datetime(2030, 3, 2, 5, 0, tzinfo=UTC)
    live = _invite_live(employer, start)
    qset = employer.send_json("POST", "/api/interviews/sets", {"title": "1차", "questions": [{"text": "자기소개"}]}).json()
    recorded = employer.send_json("POST", "/api/interviews/invitations", {
        "seeker_email": "seeker@x.kr", "kind": "recorded", "deadline_at": "2030-03-05T18:00:00+09:00",
        "question_set_id": qset["id"], "title": "녹화 1차",
    }).json()
    deadline = datetime(2030, 3, 5, 9, 0, tzinfo=UTC)
    factory = app_client.app.state.sessionmaker

    def run(now: datetime) -> list[tuple[str, int]]:
        with session_scope(factory) as db:
            return sorted((r.kind, r.user_id) for r in send_due_reminders(db, now))

    ids = {u: i for u, i in zip(("boss", "seeker"), _user_ids(app_client, "boss@a.kr", "seeker@x.kr"), strict=True)}
    assert run(start - timedelta(hours=30)) == []  # nothing due yet
    assert run(start - timedelta(hours=23)) == sorted([("interview_reminder_24h", ids["boss"]),
                                                       ("interview_reminder_24h", ids["seeker"])])
    assert run(start - timedelta(hours=22)) == []  # sent already: a second run (or a restart) sends nothing
    assert run(start - timedelta(minutes=30)) == sorted([("interview_reminder_1h", ids["boss"]),
                                                         ("interview_reminder_1h", ids["seeker"])])
    assert run(start - timedelta(minutes=10)) == []
    assert run(deadline - timedelta(hours=20)) == [("oneway_reminder_24h", ids["seeker"])]
    assert run(deadline - timedelta(hours=2)) == []
    assert run(deadline + timedelta(hours=1)) == []  # past the deadline: nothing to remind of

    notes = [n["text"] for n in seeker.get("/api/notifications").json()["items"]]
    assert sum("하루 앞으로" in n for n in notes) == 1 and sum("곧 시작됩니다" in n for n in notes) == 1
    assert sum("녹화 면접 마감까지 하루 남았습니다" in n for n in notes) == 1
    mails = smtp_server.wait_for(5, to="seeker@x.kr")  # 2 invitations + 3 reminders
    time.sleep(1)
    assert len(smtp_server.messages()) == 5 + 2  # and the employer's two: nothing twice
    subjects = [str(m["Subject"]) for m in mails]
    assert subjects.count("[언택트] 면접 하루 전 알림 · 에이컴퍼니 2030년 3월 2일 (토) 오후 2:00") == 1
    assert subjects.count("[언택트] 면접 1시간 전 알림 · 에이컴퍼니 2030년 3월 2일 (토) 오후 2:00") == 1
    assert subjects.count("[언택트] 녹화 면접 마감 하루 전 · 에이컴퍼니") == 1
    assert recorded["id"] != live["id"]


def _user_ids(app_client, *emails: str) -> list[int]:
    with session_scope(app_client.app.state.sessionmaker) as db:
        return [db.scalar(select(User.id).where(User.email == e)) for e in emails]  # type: ignore[misc]


def test_the_periodic_job_sends_a_due_reminder_once_and_queues_itself_again(app_client, person, smtp_server) -> None:
    from server.jobs.queue import enqueue

    employer = person("employer", "boss@a.kr", "김면접", company="에이컴퍼니")
    seeker = person("seeker", "seeker@x.kr", "이구직")
    start = (datetime.now(UTC) + timedelta(hours=20)).replace(second=0, microsecond=0)
    live = _invite_live(employer, start)
    _backdate_invitation(app_client, live["id"])
    smtp_server.wait_for(1, to="seeker@x.kr")  # the invitation itself
    factory = app_client.app.state.sessionmaker
    for _ in range(2):  # the job twice, as after a restart: one reminder
        with session_scope(factory) as db:
            job_id = enqueue(db, "send_due_reminders", {}).id
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with session_scope(factory) as db:
                if db.scalar(select(Job.status).where(Job.id == job_id)) == "done":
                    break
            time.sleep(0.1)
    mails = smtp_server.wait_for(2, to="seeker@x.kr")
    assert str(mails[1]["Subject"]).startswith("[언택트] 면접 하루 전 알림 · 에이컴퍼니")
    time.sleep(1)
    # The seeker's invitation and reminder, the employer's reminder: nothing twice.
    assert sorted(str(m["To"]) for m in smtp_server.messages()) == ["김면접 <boss@a.kr>", "이구직 <seeker@x.kr>",
                                                                    "이구직 <seeker@x.kr>"]
    with session_scope(factory) as db:
        assert db.scalar(select(func.count()).select_from(NotificationReminder)) == 2
        waiting = db.scalars(select(Job).where(Job.kind == "send_due_reminders", Job.status == "queued")).all()
        assert len(waiting) == 1 and waiting[0].run_after > datetime.now(UTC) + timedelta(seconds=200)
    texts = [n["text"] for n in seeker.get("/api/notifications").json()["items"]]
    assert sum("하루 앞으로" in t for t in texts) == 1


def test_an_opened_post_hire_checkin_is_reminded_once(app_client, person, smtp_server) -> None:
    seeker = person("seeker", "seeker@x.kr", "이구직")
    hired_on = (datetime.now(UTC) - timedelta(days=28)).date()  # the 1-month check-in opened this week
    hire = seeker.send_json("POST", "/api/journey/hires", {"company_name": "초록회사", "hired_on": hired_on.isoformat()})
    assert hire.status_code in (200, 201), hire.text
    factory = app_client.app.state.sessionmaker
    for _ in range(2):
        with session_scope(factory) as db:
            send_due_reminders(db, datetime.now(UTC))
    [mail] = smtp_server.wait_for(1, to="seeker@x.kr")
    assert mail["Subject"] == "[언택트] 입사 1개월 점검 · 초록회사"
    assert "http://untact.test/journey/follow-up" in parts(mail)["text"]
    with session_scope(factory) as db:
        assert db.scalar(select(func.count()).select_from(Notification).where(Notification.kind == "checkin_due")) == 1


# ----------------------------------------------------------------- other events


def test_careers_and_journey_events_notify_the_person_asked_to_act(app_client, person, smtp_server) -> None:
    employer = person("employer", "boss@a.kr", "김면접", company="초대회사")
    seeker = person("seeker", "seeker@x.kr", "이구직")
    seeker.user = seeker.get("/api/me").json()
    save_profile(seeker)
    posting = create_posting(employer, title="파이썬 개발자")
    sent = employer.send_json("POST", f"/api/careers/postings/{posting['id']}/invitations",
                              {"seeker_id": seeker.user["id"], "message": "꼭 지원해 주세요"})
    assert sent.status_code == 201, sent.text
    [offer] = smtp_server.wait_for(1, to="seeker@x.kr")
    assert offer["Subject"] == "[언택트] 초대회사의 지원 제안 · 파이썬 개발자"
    assert "꼭 지원해 주세요" in parts(offer)["text"] and f"http://untact.test/jobs/{posting['id']}" in parts(offer)["text"]

    # A consultant's comments on a cover letter.
    consultant = person("consultant", "park@centre.kr", "박상담")
    admin = person("admin", "admin@centre.kr", "관리자")
    consultant_id = consultant.get("/api/me").json()["id"]
    assert admin.send_json("PUT", "/api/journey/assignments", {
        "seeker_id": seeker.user["id"], "consultant_id": consultant_id, "centre": "강남센터"}).status_code == 200
    letter = seeker.send_json("POST", "/api/journey/cover-letters", {"title": "백엔드 지원", "text": "열심히 하겠습니다."}).json()
    assert consultant.send_json("POST", f"/api/journey/cover-letters/{letter['id']}/versions", {
        "text": "Django로 처리 시간을 30% 줄였습니다.", "comment": "성과를 숫자로 쓰세요."}).status_code == 201
    _, comment_mail = smtp_server.wait_for(2, to="seeker@x.kr")
    assert comment_mail["Subject"] == "[언택트] 자기소개서 코멘트 · 백엔드 지원"
    assert "박상담 상담사가 자기소개서 「백엔드 지원」에 수정본과 코멘트를 남겼습니다." in parts(comment_mail)["text"]
    assert "성과를 숫자로 쓰세요." in parts(comment_mail)["text"]

    # A mentor accepts a mentoring request.
    save_profile(seeker, desired_fields=["it_dev"], desired_regions=["seoul"])
    mentor = person("employer", "mentor@corp.kr", "현직멘토", company="멘토회사")
    mentor_id = mentor.get("/api/me").json()["id"]
    assert mentor.send_json("PUT", "/api/journey/mentor-profile", {
        "fields": ["it_dev"], "region": "서울", "job_title": "개발자", "max_mentees": 2}).status_code == 200
    request = seeker.send_json("POST", "/api/journey/mentor-requests", {"mentor_id": mentor_id}).json()
    assert mentor.send_json("POST", f"/api/journey/mentor-requests/{request['id']}/status",
                            {"status": "accepted"}).status_code == 200
    mails = smtp_server.wait_for(3, to="seeker@x.kr")
    assert mails[2]["Subject"] == "[언택트] 현직멘토 멘토가 멘토링을 수락했습니다"
    assert f"http://untact.test/mentoring/{request['id']}" in parts(mails[2])["text"]

    kinds = [n["kind"] for n in seeker.get("/api/notifications").json()["items"]]
    assert kinds == ["mentoring_accepted", "letter_comment", "job_invitation"]
