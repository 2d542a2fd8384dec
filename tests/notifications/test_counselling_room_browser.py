"""In two Chromium browsers with fake cameras, on the real server pointed at the test SMTP
server: a seeker books a video counselling slot, the reminder an hour before arrives by email
with the room's link, the consultant opens the room, the seeker follows the link into the
lobby, the consultant admits them and each side decodes the other's video. Recording stays off
until both agree. The room and the counselling page are saved under test-artifacts/ (desktop
and 390 px)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from server.models import CounsellingSlot
from tests.conftest import login_in_browser, screenshot
from tests.liveserver import free_port, start_live_server, stop_live_server
from tests.notifications.conftest import parts
from tests.room_views import frames_from, shows_test_card

pytestmark = [pytest.mark.browser, pytest.mark.media]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _fits(page, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{what} is {width}px wide on a 390px phone"


@pytest.mark.timeout(400)
def test_a_booked_video_counselling_meets_in_the_room_from_the_reminder_email(
    tmp_path, smtp_server, launch_chromium
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data_dir = tmp_path / "live"
    server = start_live_server(data_dir, {
        "UNTACT_SMTP_HOST": "127.0.0.1",
        "UNTACT_SMTP_PORT": str(smtp_server.port),
        "UNTACT_SMTP_FROM": "언택트 <no-reply@untact.test>",
        "UNTACT_SMTP_STARTTLS": "false",
        "UNTACT_PUBLIC_BASE_URL": base,
        "UNTACT_REMINDER_INTERVAL_S": "10",
    }, port=port)
    try:
        api = httpx.Client(base_url=base, timeout=30)
        api.get("/login")
        csrf = {"X-CSRF-Token": api.cookies["untact_csrf"]}
        assert api.post("/api/auth/login", json={"email": "consultant@demo.untact.kr",
                        "password": "demo-consultant-1234"}, headers=csrf).status_code == 200
        start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=6)
        slot = api.post("/api/journey/slots", json={"starts_at": start.isoformat(), "duration_min": 30,
                        "mode": "video"}, headers=csrf)
        assert slot.status_code == 201, slot.text
        slot_id = slot.json()["id"]
        room_path = f"/journey/counselling/{slot_id}/room"

        # The seeker books it on the counselling page.
        seeker_browser = launch_chromium()
        seeker = seeker_browser.new_page(viewport=DESKTOP)
        login_in_browser(seeker, base, "seeker@demo.untact.kr", "demo-seeker-1234")
        seeker.goto(base + "/journey/counselling")
        seeker.locator(f'form[data-api="/api/journey/slots/{slot_id}/book"] button').click()
        room_link = seeker.locator(f'[data-testid=bookings] a[href="{room_path}"]')
        expect(room_link).to_have_text("화상 상담실 입장", timeout=15000)
        expect(seeker.get_by_text("녹화는 두 사람이 모두 동의할 때만", exact=False)).to_be_visible()
        screenshot(seeker, "counselling-page-booked-ko")
        seeker.set_viewport_size(PHONE)
        expect(room_link).to_be_visible()
        _fits(seeker, "the counselling page")
        screenshot(seeker, "counselling-page-booked-phone")
        seeker.set_viewport_size(DESKTOP)

        # Booked a day before (the booking's own notice otherwise stands in for the reminder).
        engine = create_engine(f"sqlite:///{data_dir / 'untact.db'}")
        with Session(engine) as db:
            row = db.get(CounsellingSlot, slot_id)
            assert row is not None and row.seeker_id is not None
            row.booked_at = start - timedelta(days=1)
            db.commit()
        engine.dispose()
        mails = smtp_server.wait_for(2, to="seeker@demo.untact.kr", timeout_s=60)  # booking, reminder
        [reminder] = [m for m in mails if "1시간 전" in str(m["Subject"])]
        assert str(reminder["Subject"]).startswith("[언택트] 상담 1시간 전 알림 · ")
        [link] = [unescape(h) for h in re.findall(r'href="([^"]+)" data-testid="email-action"', parts(reminder)["html"])]
        assert link == base + room_path
        assert "화상 상담실에 들어가세요" in parts(reminder)["text"]
        [booked] = [m for m in mails if "예약 완료" in str(m["Subject"])]
        assert any(a.get_content_type() == "text/calendar" for a in parts(booked)["attachments"])

        # The consultant opens the room; the seeker follows the email's link into the lobby.
        consultant = launch_chromium().new_page(viewport=DESKTOP)
        login_in_browser(consultant, base, "consultant@demo.untact.kr", "demo-consultant-1234")
        consultant.goto(base + "/consultant/slots")
        consultant.locator(f'a[href="{room_path}"]').click()
        consultant.wait_for_selector("body[data-room-ready]")
        expect(consultant.locator("#room-recording-default")).to_contain_text("이 상담은 녹화하지 않습니다")
        consultant.get_by_role("button", name="카메라·마이크 켜고 입장").click()
        expect(consultant.locator("#room-state")).to_have_attribute("data-state", "in_room")

        seeker.goto(link)
        seeker.wait_for_selector("body[data-room-ready]")
        expect(seeker.get_by_role("heading", name=re.compile("화상 상담실 · "))).to_be_visible()
        seeker.get_by_role("button", name="카메라·마이크 켜고 입장").click()
        expect(seeker.locator("#room-state")).to_have_attribute("data-state", "lobby")
        expect(seeker.locator("#lobby-status")).to_contain_text("상담사가 입장을 허가하면")
        waiting = consultant.locator("#lobby-list li", has_text="김구직")
        expect(waiting).to_contain_text("녹화 동의 안 함")
        waiting.get_by_role("button", name="입장 허가").click()
        expect(seeker.locator("#room-state")).to_have_attribute("data-state", "in_room")

        # Both have media: each decodes the other's camera, forwarded by the server.
        frames_from(consultant, role="guest")
        frames_from(seeker, role="host")
        shows_test_card(consultant, ".tile.remote:not([hidden]):not(.screen-share) video")
        shows_test_card(seeker, ".tile.remote:not([hidden]):not(.screen-share) video")
        expect(consultant.locator(".tile.remote:not([hidden]) .name")).to_have_text("김구직")

        # No recording by default: the consultant's consent alone is not enough.
        consultant.get_by_label("이 통화의 녹화에 동의합니다", exact=False).check()
        consultant.get_by_role("button", name="녹화 시작").click()
        expect(consultant.locator("#room-error")).to_contain_text("동의")
        assert consultant.locator("#rec-indicator").is_hidden() and seeker.locator("#rec-indicator").is_hidden()

        seeker.get_by_label("메시지").fill("안녕하세요, 잘 보입니다.")
        seeker.get_by_role("button", name="보내기").click()
        expect(consultant.locator("#chat-log")).to_contain_text("안녕하세요, 잘 보입니다.")
        screenshot(consultant, "counselling-room-consultant-ko")
        screenshot(seeker, "counselling-room-seeker-ko")
        seeker.set_viewport_size(PHONE)
        _fits(seeker, "the counselling room")
        screenshot(seeker, "counselling-room-seeker-phone")

        seeker.get_by_role("button", name="나가기").click()
        expect(consultant.locator(".tile.remote:not([hidden])")).to_have_count(0)
    finally:
        stop_live_server(server)
