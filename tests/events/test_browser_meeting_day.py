"""A meeting day in Chromium: a consultant builds it with two companies, three seekers book, one slot
fills and a seeker waits, a cancellation moves them up (they see it), the employer sees their booth's
bookings and the staff figures count it all. Screenshots at desktop and 390 px widths."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from tests.careers.conftest import posting_body
from tests.conftest import login_in_browser, screenshot
from tests.liveserver import LiveApi

pytestmark = pytest.mark.browser

PASSWORD = "meeting-day-pass-1"


def sign_up(base: str, role: str, email: str, name: str, **extra: str) -> LiveApi:
    api = LiveApi(base)
    api.call("POST", "/api/auth/signup",
             {"email": email, "password": PASSWORD, "display_name": name, "role": role, **extra})
    return api


def test_a_meeting_day_from_building_to_figures(live_server, launch_chromium) -> None:
    base = live_server.base_url
    tag = uuid.uuid4().hex[:6]
    companies = [f"가나물류{tag}", f"다라식품{tag}"]
    for n, company in enumerate(companies):
        employer = sign_up(base, "employer", f"md-emp{n}-{tag}@example.kr", f"채용담당{n}", company_name=company)
        employer.call("POST", "/api/careers/postings", posting_body(title=f"{company} 사무원"))
    seekers = [(f"md-seeker{n}-{tag}@example.kr", name) for n, name in enumerate(("김하나", "이두리", "박세나"))]
    for email, name in seekers:
        sign_up(base, "seeker", email, name)
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=9) + dt.timedelta(days=1)).date().isoformat()

    browser = launch_chromium()
    staff = browser.new_page(locale="ko-KR", viewport={"width": 1280, "height": 900})
    login_in_browser(staff, base, "consultant@demo.untact.kr", "demo-consultant-1234")
    staff.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="채용행사").click()
    staff.wait_for_url("**/events")
    staff.get_by_test_id("new-event").click()
    staff.get_by_label("행사 종류").select_option(label="구인·구직 만남의 날")
    staff.get_by_label("행사 이름").fill(f"12월 구인·구직 만남의 날 {tag}")
    staff.get_by_label("소개").fill("물류·식품 기업 두 곳과 화상으로 만나는 날입니다.")
    staff.get_by_label("시작", exact=True).fill(f"{tomorrow}T09:30")
    staff.get_by_label("종료", exact=True).fill(f"{tomorrow}T17:00")
    staff.get_by_label("상태").select_option(label="예약 받는 중")
    staff.get_by_role("button", name="저장").click()
    staff.wait_for_url("**/events/*/edit")
    event_id = staff.url.rstrip("/").split("/")[-2]
    for company in companies:
        staff.get_by_label("기업", exact=True).select_option(label=company)
        staff.get_by_label("부스 채용공고 (선택)").select_option(label=f"{company} · {company} 사무원")
        staff.get_by_role("button", name="참여 기업 추가").click()
        booth = staff.get_by_test_id(f"editor-booth-{company}")
        booth.wait_for()
        booth.get_by_label("첫 면접 시작").fill(f"{tomorrow}T10:00")
        booth.get_by_label("개수").fill("3")
        booth.get_by_label("한 면접 (분)").fill("20")
        booth.get_by_role("button", name="연달아 면접 시간 만들기").click()
        staff.get_by_test_id(f"editor-booth-{company}").get_by_test_id("editor-slots").locator("li").nth(2).wait_for()
    assert staff.get_by_test_id("fig-slots").inner_text() == "6"
    screenshot(staff, "events-1-editor")

    pages = []
    for email, _name in seekers:
        page = browser.new_page(locale="ko-KR", viewport={"width": 1280, "height": 900})
        login_in_browser(page, base, email, PASSWORD)
        page.goto(f"{base}/events/{event_id}")
        pages.append(page)
    hana, duri, sena = pages

    def slot(page, company: str, time: str):
        return page.get_by_test_id(f"booth-{company}").get_by_test_id(f"slot-{time}")

    slot(hana, companies[0], "10:00").get_by_role("button", name="예약하기").click()
    slot(hana, companies[0], "10:00").get_by_text("내 예약").wait_for()
    slot(duri, companies[1], "10:20").get_by_role("button", name="예약하기").click()
    slot(duri, companies[1], "10:20").get_by_text("내 예약").wait_for()
    sena.reload()
    full = slot(sena, companies[0], "10:00")
    assert "마감" in full.inner_text()
    full.get_by_role("button", name="대기 신청").click()
    slot(sena, companies[0], "10:00").get_by_text("대기 1번").wait_for()
    assert "대기 중" in sena.get_by_test_id("my-entries").inner_text()
    screenshot(sena, "events-2-seeker-waiting")

    hana.reload()
    slot(hana, companies[0], "10:00").get_by_role("button", name="예약 취소").click()
    slot(hana, companies[0], "10:00").get_by_role("button", name="대기 신청").wait_for()
    assert "아직 예약이 없습니다" in hana.get_by_test_id("my-entries").inner_text()

    sena.reload()
    assert "내 예약" in slot(sena, companies[0], "10:00").inner_text()
    entries = sena.get_by_test_id("my-entries")
    assert "예약됨" in entries.inner_text() and entries.get_by_test_id("promoted").is_visible()
    assert sena.get_by_test_id("unread-badge").inner_text() == "2"  # the waiting place, then moving up
    screenshot(sena, "events-3-seeker-moved-up")
    sena.goto(base + "/notifications")
    assert f"{companies[0]} 면접 대기가 예약으로 바뀌었습니다" in sena.locator("main").inner_text()

    phone = browser.new_page(locale="ko-KR", viewport={"width": 390, "height": 844})
    login_in_browser(phone, base, seekers[2][0], PASSWORD)
    phone.goto(f"{base}/events/{event_id}")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "events-4-seeker-phone")

    employer = browser.new_page(locale="ko-KR", viewport={"width": 1280, "height": 900})
    login_in_browser(employer, base, f"md-emp0-{tag}@example.kr", PASSWORD)
    employer.goto(base + "/events")
    employer.get_by_test_id("my-booths").get_by_role("link").first.click()
    employer.wait_for_url("**/events/booths/*")
    bookings = employer.get_by_test_id("booth-bookings").inner_text()
    assert "박세나" in bookings and "김하나" not in bookings
    assert employer.get_by_test_id("bfig-cancelled").inner_text() == "1"
    screenshot(employer, "events-5-employer-booth")

    staff.reload()
    counts = {k: staff.get_by_test_id(f"fig-{k}").inner_text() for k in ("slots", "booked", "waiting", "cancelled", "promoted")}
    assert counts == {"slots": "6", "booked": "2", "waiting": "0", "cancelled": "1", "promoted": "1"}
    editor_slots = staff.get_by_test_id(f"editor-booth-{companies[0]}").inner_text()
    assert "박세나" in editor_slots
    screenshot(staff, "events-6-staff-figures")
    staff_phone = browser.new_page(locale="ko-KR", viewport={"width": 390, "height": 844})
    login_in_browser(staff_phone, base, "consultant@demo.untact.kr", "demo-consultant-1234")
    staff_phone.goto(f"{base}/events/{event_id}/edit")
    assert staff_phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(staff_phone, "events-7-staff-phone")
