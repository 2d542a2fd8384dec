"""In Chromium, on the real server (`untact serve`) pointed at the test SMTP server: an employer
invites a seeker to a live interview, the email arrives with its calendar entry, and the seeker
follows the link in the email to the invitation. The rendered email and the notification
settings page at phone width are saved under test-artifacts/."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

import httpx
import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from tests.careers.conftest import posting_body
from tests.conftest import screenshot
from tests.liveserver import free_port, start_live_server, stop_live_server
from tests.notifications.conftest import parts, smtp_env

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.mark.timeout(300)
def test_an_invitation_email_with_its_calendar_leads_the_seeker_to_the_invitation(
    tmp_path, smtp_server, launch_chromium
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_live_server(tmp_path / "live", smtp_env(smtp_server, base), port=port)
    try:
        browser = launch_chromium()
        employer = browser.new_context(locale="ko-KR").new_page()  # type: ignore[attr-defined]
        employer.goto(base + "/login")
        employer.get_by_label("이메일").fill("employer@demo.untact.kr")
        employer.get_by_label("비밀번호").fill("demo-employer-1234")
        employer.get_by_role("button", name="로그인").click()
        employer.wait_for_url("**/dashboard")
        api = httpx.Client(base_url=base, timeout=30)
        api.get("/login")
        csrf = {"X-CSRF-Token": api.cookies["untact_csrf"]}
        assert api.post("/api/auth/login", json={"email": "employer@demo.untact.kr", "password": "demo-employer-1234"},
                        headers=csrf).status_code == 200
        posting = api.post("/api/careers/postings", json=posting_body(title="파이썬 백엔드 개발자"), headers=csrf)
        assert posting.status_code == 201, posting.text
        employer.goto(base + "/interviews")
        employer.get_by_label("구직자 이메일").fill("seeker@demo.untact.kr")
        employer.locator("#inv-posting").select_option(str(posting.json()["id"]))
        employer.locator("#inv-kind").select_option("live")
        employer.locator("#inv-when").fill("2030-03-02T14:00")
        employer.locator("#inv-duration").fill("45")
        employer.locator("#inv-message").fill("편한 복장으로 오세요.")
        employer.get_by_role("button", name="초대 보내기").click()
        expect(employer.locator("[data-testid=invitations] tbody tr")).to_have_count(1, timeout=15000)
        invitation_id = employer.locator("[data-testid=invitations] tbody tr").get_attribute("data-invitation-id")

        [mail] = smtp_server.wait_for(1, to="seeker@demo.untact.kr", timeout_s=30)
        # (a long Korean subject, folded over lines: its spaces survive)
        assert mail["Subject"] == "[언택트] 한빛소프트(데모) 화상 면접 초대 · 2030년 3월 2일 (토) 오후 2:00"
        [ics] = [a for a in parts(mail)["attachments"] if a.get_content_type() == "text/calendar"]
        calendar = Calendar.from_ical(ics.get_content())
        [event] = calendar.walk("VEVENT")
        assert str(calendar["METHOD"]) == "REQUEST" and str(event["UID"]) == f"interview-{invitation_id}@127.0.0.1:{port}"
        assert event.decoded("DTSTART") == datetime(2030, 3, 2, 5, 0, tzinfo=UTC)

        html = parts(mail)["html"]
        [link] = [unescape(h) for h in re.findall(r'href="([^"]+)" data-testid="email-action"', html)]
        assert link == f"{base}/interviews/{invitation_id}"

        # The email as a mail client shows it, at phone width.
        mail_view = browser.new_context(viewport=PHONE, locale="ko-KR").new_page()  # type: ignore[attr-defined]
        mail_view.set_content(html)
        expect(mail_view.get_by_text("김구직님, 안녕하세요.", exact=False)).to_be_visible()
        expect(mail_view.get_by_text("한빛소프트(데모)에서 「파이썬 백엔드 개발자」 화상 면접에 초대했습니다.")).to_be_visible()
        expect(mail_view.get_by_text("편한 복장으로 오세요.")).to_be_visible()  # the employer's own message
        expect(mail_view.locator("[data-testid=email-action]")).to_be_visible()
        width = mail_view.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the email is {width}px wide on a 390px phone"
        screenshot(mail_view, "notifications-invitation-email-phone")

        # The seeker follows the link from the email: log in, then straight to the invitation.
        seeker = browser.new_context(viewport=PHONE, locale="ko-KR").new_page()  # type: ignore[attr-defined]
        seeker.goto(link)
        seeker.wait_for_url(re.compile(r"/login\?next="))
        seeker.get_by_label("이메일").fill("seeker@demo.untact.kr")
        seeker.get_by_label("비밀번호").fill("demo-seeker-1234")
        seeker.get_by_role("button", name="로그인").click()
        seeker.wait_for_url(f"**/interviews/{invitation_id}")
        expect(seeker.get_by_role("heading", name="한빛소프트(데모) · 파이썬 백엔드 개발자")).to_be_visible()
        expect(seeker.locator("#invitation-status")).to_have_text("초대됨")
        expect(seeker.get_by_text("편한 복장으로 오세요.")).to_be_visible()
        expect(seeker.get_by_text("2030년 3월 2일 (토) 오후 2:00", exact=False)).to_be_visible()
        expect(seeker.get_by_role("button", name="수락")).to_be_visible()

        # The notification settings, from the menu, at phone width.
        seeker.get_by_test_id("menu-toggle").click()
        seeker.get_by_test_id("nav-notification-settings").click()
        seeker.wait_for_url("**/notifications/settings")
        expect(seeker.get_by_role("heading", name="알림 설정")).to_be_visible()
        seeker.get_by_label("방해 금지 시간 사용").check()
        seeker.get_by_role("button", name="저장").click()
        expect(seeker.get_by_test_id("settings-saved")).to_be_visible()
        width = seeker.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the settings page is {width}px wide on a 390px phone"
        screenshot(seeker, "notifications-settings-phone")
    finally:
        stop_live_server(server)
