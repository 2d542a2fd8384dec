"""A programme in Chromium on the real server pointed at the test SMTP server: a consultant makes
a 청년 programme, finds a seeker and enrols them, attaches a published event and sends; the seeker
sees it under 내 프로그램 and in their email. Both pages at desktop and 390 px width."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from html import unescape

import pytest
from playwright.sync_api import expect

from tests.conftest import login_in_browser, screenshot
from tests.liveserver import LiveApi, free_port, start_live_server, stop_live_server
from tests.notifications.conftest import parts, smtp_env, smtp_server  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "outreach-pass-12"


def _fits_width(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"the page is {scroll}px wide at {width}px"


@pytest.mark.timeout(300)
def test_a_consultant_sends_a_programme_and_the_seeker_sees_it_and_gets_the_email(
    tmp_path, smtp_server, launch_chromium  # noqa: F811
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_live_server(tmp_path / "live", smtp_env(smtp_server, base), port=port)
    try:
        tag = uuid.uuid4().hex[:6]
        seeker_email = f"youth-{tag}@example.kr"
        seeker = LiveApi(base)
        seeker.call("POST", "/api/auth/signup", {"email": seeker_email, "password": PASSWORD,
                                                 "display_name": "윤청년", "role": "seeker"})
        seeker.call("PUT", "/api/outreach/facts", {"birth_year": dt.date.today().year - 25})
        staff_api = LiveApi(base)
        staff_api.call("POST", "/api/auth/login", {"email": "consultant@demo.untact.kr", "password": "demo-consultant-1234"})
        start = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
        event_title = f"청년 채용박람회 {tag}"
        staff_api.call("POST", "/api/events", {
            "kind": "job_fair", "title": event_title, "starts_at": start.isoformat(),
            "ends_at": (start + dt.timedelta(hours=6)).isoformat(), "status": "published",
        })

        browser = launch_chromium()
        staff = browser.new_context(viewport=DESKTOP, locale="ko-KR").new_page()  # type: ignore[attr-defined]
        staff.on("dialog", lambda dialog: dialog.accept())
        login_in_browser(staff, base, "consultant@demo.untact.kr", "demo-consultant-1234")
        staff.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="대상별 프로그램").click()
        staff.wait_for_url("**/outreach")
        title = f"청년 취업 집중 주간 {tag}"
        staff.get_by_label("프로그램 이름").fill(title)
        staff.get_by_label("대상").select_option(label="청년")
        staff.get_by_label("설명").fill("만 15–34세 청년에게 박람회와 공고를 안내합니다.")
        staff.get_by_label("종료일").fill((dt.date.today() + dt.timedelta(days=30)).isoformat())
        staff.get_by_role("button", name="만들기").click()
        staff.wait_for_url(re.compile(r"/outreach/\d+$"))
        expect(staff.get_by_role("heading", level=1)).to_contain_text(title)
        # The seeker who told their birth year is suggested, but not enrolled until the consultant says so.
        expect(staff.get_by_test_id("suggested")).to_contain_text("윤청년")
        expect(staff.get_by_test_id("enrolled")).not_to_contain_text("윤청년")

        staff.get_by_label("이름 또는 이메일(2자 이상)").fill(f"youth-{tag}")
        staff.get_by_role("button", name="찾기").click()
        staff.wait_for_function("() => document.querySelector('[data-testid=found] li[data-seeker-id]') !== null")
        staff.get_by_test_id("found").get_by_role("button", name="등록").click()
        staff.wait_for_function(
            "() => [...document.querySelectorAll('[data-testid=enrolled] tbody th')].some(th => th.textContent.includes('윤청년'))")
        staff.get_by_label("예약 받는 행사 붙이기").select_option(label=event_title)
        staff.get_by_test_id("event-item-form").get_by_role("button", name="붙이기").click()
        staff.wait_for_function("() => document.querySelectorAll('[data-testid=items] [data-testid=item]').length === 1")
        staff.get_by_role("button", name="지금 보내기").click()
        staff.wait_for_function("() => document.querySelector('[data-testid=items-sent]')?.textContent.trim() === '1'")
        screenshot(staff, "outreach-1-consultant-desktop")
        staff.set_viewport_size(PHONE)
        _fits_width(staff, PHONE["width"])
        screenshot(staff, "outreach-2-consultant-phone")

        [mail] = smtp_server.wait_for(1, to=seeker_email, timeout_s=30)
        assert str(mail["Subject"]) == f"[언택트] {title} 프로그램 안내"
        assert event_title in parts(mail)["text"]
        [link] = [unescape(h) for h in re.findall(r'href="([^"]+)" data-testid="email-action"', parts(mail)["html"])]
        assert link == f"{base}/outreach/mine"

        page = browser.new_context(viewport=DESKTOP, locale="ko-KR").new_page()  # type: ignore[attr-defined]
        login_in_browser(page, base, seeker_email, PASSWORD)
        page.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="내 프로그램").click()
        page.wait_for_url("**/outreach/mine")
        programmes = page.get_by_test_id("my-programmes")
        expect(programmes.get_by_role("heading", name=title)).to_be_visible()
        expect(programmes.get_by_role("link", name=event_title)).to_be_visible()
        expect(page.get_by_label("출생연도")).to_have_value(str(dt.date.today().year - 25))
        screenshot(page, "outreach-3-seeker-desktop")
        page.set_viewport_size(PHONE)
        _fits_width(page, PHONE["width"])
        screenshot(page, "outreach-4-seeker-phone")
    finally:
        stop_live_server(server)
