"""A 만남의 날 on the day, in Chromium with fake cameras on the real server: two companies, three
seekers book (one slot fills, a seeker waits, a cancellation moves them up), then one booth runs
back-to-back interviews in its room: the employer admits the first seeker from the lobby while
the second waits there with their place shown, each side decodes the other's video, the employer
runs 10 minutes late (the waiting seeker sees the new time), finishes with a result, and the
second seeker's place moves to first; they are admitted in turn. The event's figures count it
all. The booth's host page and the lobby are saved at desktop and 390 px widths."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.careers.conftest import posting_body
from tests.conftest import login_in_browser, screenshot
from tests.liveserver import LiveApi, start_live_server, stop_live_server
from tests.room_views import frames_from, shows_test_card

pytestmark = [pytest.mark.browser, pytest.mark.media]

PASSWORD = "booth-day-pass-1"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
KST = ZoneInfo("Asia/Seoul")
POLLED = 20_000  # ms: the queue and a seeker's place refresh every 3 s (web/static/js/events_booth_room.js)


def sign_up(base: str, role: str, email: str, name: str, **extra: str) -> LiveApi:
    api = LiveApi(base)
    api.call("POST", "/api/auth/signup", {"email": email, "password": PASSWORD, "display_name": name, "role": role, **extra})
    return api


def hhmm(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(KST).strftime("%H:%M")


def _fits(page, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{what} is {width}px wide on a 390px phone"


@pytest.mark.timeout(600)
def test_a_meeting_day_booth_runs_back_to_back_interviews_with_a_lobby(tmp_path, launch_chromium) -> None:
    # Cancelling is allowed up to 1 minute before (the slots start within minutes).
    server = start_live_server(tmp_path / "live", {"UNTACT_EVENT_CANCEL_CUTOFF_MIN": "1"})
    try:
        base = server.base_url
        tag = uuid.uuid4().hex[:6]
        companies = [f"가나물류{tag}", f"다라식품{tag}"]
        employers = []
        for n, company in enumerate(companies):
            employer = sign_up(base, "employer", f"bd-emp{n}-{tag}@example.kr", f"채용담당{n}", company_name=company)
            posting = employer.call("POST", "/api/careers/postings", posting_body(title=f"{company} 사무원"))
            employers.append((employer, employer.call("GET", "/api/me")["company_id"], posting["id"]))
        seekers = [(f"bd-seeker{n}-{tag}@example.kr", name) for n, name in enumerate(("김하나", "이두리", "박세나"))]
        for email, name in seekers:
            sign_up(base, "seeker", email, name)

        staff = LiveApi(base)
        staff.call("POST", "/api/auth/login", {"email": "consultant@demo.untact.kr", "password": "demo-consultant-1234"})
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        event = staff.call("POST", "/api/events", {
            "kind": "meeting_day", "title": f"오늘의 만남의 날 {tag}", "starts_at": now.isoformat(),
            "ends_at": (now + timedelta(hours=3)).isoformat(), "status": "published",
        })
        slot_times: list[list[str]] = []
        booth_ids = []
        for _employer, company_id, posting_id in employers:
            booth = staff.call("POST", f"/api/events/{event['id']}/booths", {"company_id": company_id, "posting_id": posting_id})
            booth_ids.append(booth["id"])
            made = staff.call("POST", f"/api/events/booths/{booth['id']}/slots", {
                "starts_at": (now + timedelta(minutes=5)).isoformat(), "count": 3, "minutes": 20,
            })
            slot_times.append([hhmm(s["starts_at"]) for s in made["slots"]])
        first, second = slot_times[0][0], slot_times[0][1]

        # Booking on the event page: 박세나 waits for the slot 김하나 holds, and moves up when she cancels.
        seeker_browser = launch_chromium()
        pages = []
        for email, _name in seekers:
            page = seeker_browser.new_page(locale="ko-KR", viewport=DESKTOP)
            login_in_browser(page, base, email, PASSWORD)
            page.goto(f"{base}/events/{event['id']}")
            pages.append(page)
        hana, duri, sena = pages

        def slot(page, company: str, time: str):
            return page.get_by_test_id(f"booth-{company}").get_by_test_id(f"slot-{time}")

        slot(hana, companies[0], first).get_by_role("button", name="예약하기").click()
        slot(hana, companies[0], first).get_by_text("내 예약").wait_for()
        slot(duri, companies[0], second).get_by_role("button", name="예약하기").click()
        slot(duri, companies[0], second).get_by_text("내 예약").wait_for()
        sena.reload()
        assert "마감" in slot(sena, companies[0], first).inner_text()
        slot(sena, companies[0], first).get_by_role("button", name="대기 신청").click()
        slot(sena, companies[0], first).get_by_text("대기 1번").wait_for()
        hana.reload()
        slot(hana, companies[0], first).get_by_role("button", name="예약 취소").click()
        slot(hana, companies[0], first).get_by_role("button", name="대기 신청").wait_for()
        slot(hana, companies[1], slot_times[1][0]).get_by_role("button", name="예약하기").click()
        slot(hana, companies[1], slot_times[1][0]).get_by_text("내 예약").wait_for()
        sena.reload()
        assert "내 예약" in slot(sena, companies[0], first).inner_text()

        # The employer opens their booth's room and sees the day's queue.
        host_browser = launch_chromium()
        host = host_browser.new_page(locale="ko-KR", viewport=DESKTOP)
        login_in_browser(host, base, f"bd-emp0-{tag}@example.kr", PASSWORD)
        host.goto(f"{base}/events/booths/{booth_ids[0]}")
        host.get_by_test_id("booth-room-link").click()
        host.wait_for_selector("body[data-room-ready]")
        expect(host.get_by_role("heading", name=f"{companies[0]} 면접 부스")).to_be_visible()
        expect(host.locator("#room-recording-default")).to_contain_text("녹화하지 않습니다")
        assert host.locator("#start-recording").count() == 0
        queue = host.get_by_test_id("booth-queue")
        expect(queue.get_by_test_id("queue-박세나")).to_contain_text("지금 차례", timeout=POLLED)
        expect(queue.get_by_test_id("queue-이두리")).to_contain_text("대기", timeout=POLLED)
        host.get_by_role("button", name="카메라·마이크 켜고 입장").click()
        expect(host.locator("#room-state")).to_have_attribute("data-state", "in_room")

        # Both seekers come in from the event page's link and wait in the lobby, each with a place.
        for page in (sena, duri):
            page.goto(f"{base}/events/{event['id']}")
            page.get_by_test_id("my-entries").get_by_role("link", name="면접실 입장").click()
            page.wait_for_selector("body[data-room-ready]")
            page.get_by_role("button", name="카메라·마이크 켜고 입장").click()
            expect(page.locator("#room-state")).to_have_attribute("data-state", "lobby")
        expect(sena.locator("#my-rank")).to_have_text("대기 순서 1번째 · 지금 차례입니다", timeout=POLLED)
        expect(duri.locator("#my-rank")).to_have_text("대기 순서 2번째", timeout=POLLED)
        expect(duri.locator("#lobby-status")).to_contain_text("차례가 되면 면접관이 입장을 허가합니다")
        expect(queue.get_by_test_id("queue-박세나")).to_contain_text("지금 차례", timeout=POLLED)
        expect(queue.get_by_test_id("queue-이두리")).to_contain_text("입장함", timeout=POLLED)
        expect(host.locator("#lobby-list li", has_text="이두리")).not_to_contain_text("녹화")  # never recorded
        screenshot(duri, "booth-day-lobby-ko")
        duri.set_viewport_size(PHONE)
        _fits(duri, "the booth's lobby")
        screenshot(duri, "booth-day-lobby-phone")
        duri.set_viewport_size(DESKTOP)

        # The first interview: admitted from the lobby, media both ways.
        host.locator("#lobby-list li", has_text="박세나").get_by_role("button", name="입장 허가").click()
        expect(sena.locator("#room-state")).to_have_attribute("data-state", "in_room")
        frames_from(host, role="guest", name="박세나")
        frames_from(sena, role="host")
        shows_test_card(host, ".tile.remote:not([hidden]):not(.screen-share) video")
        shows_test_card(sena, ".tile.remote:not([hidden]):not(.screen-share) video")
        expect(duri.locator("#room-state")).to_have_attribute("data-state", "lobby")
        screenshot(host, "booth-day-host-ko")
        host.set_viewport_size(PHONE)
        _fits(host, "the booth's host page")
        screenshot(host, "booth-day-host-phone")
        host.set_viewport_size(DESKTOP)

        # Running late: the next interview moves by 10 minutes and its seeker sees it.
        host.get_by_label("지연 (분)").fill("10")
        host.get_by_role("button", name="다음 면접 미루고 알리기").click()
        expect(host.locator("#late-status")).to_have_text(re.compile(r"^[23]개 면접을 10분 미뤘습니다\.$"))
        expect(duri.locator("#my-time")).to_contain_text("10분 늦어짐", timeout=POLLED)

        # Finished with a result; the second seeker's place moves up.
        item = queue.get_by_test_id("queue-박세나")
        item.get_by_label("결과").select_option(label="합격")
        item.get_by_role("button", name="면접 종료").click()
        expect(queue.get_by_test_id("queue-박세나")).to_contain_text("면접 완료", timeout=POLLED)
        expect(queue.get_by_test_id("queue-박세나").get_by_test_id("result")).to_have_text("결과: 합격")
        expect(sena.locator("#my-rank")).to_have_text("면접이 끝났습니다. 수고하셨습니다.", timeout=POLLED)
        expect(duri.locator("#my-rank")).to_have_text("대기 순서 1번째 · 지금 차례입니다", timeout=POLLED)
        sena.get_by_role("button", name="나가기").click()
        expect(host.locator(".tile.remote:not([hidden])")).to_have_count(0)

        # The second interview, in the same room.
        before = max(host.evaluate("window.roomFramesDecoded()").values(), default=0)
        host.locator("#lobby-list li", has_text="이두리").get_by_role("button", name="입장 허가").click()
        expect(duri.locator("#room-state")).to_have_attribute("data-state", "in_room")
        frames_from(host, at_least=before + 20, role="guest", name="이두리")
        frames_from(duri, role="host")
        shows_test_card(duri, ".tile.remote:not([hidden]):not(.screen-share) video")
        item = queue.get_by_test_id("queue-이두리")
        item.get_by_label("결과").select_option(label="보류")
        item.get_by_role("button", name="면접 종료").click()
        expect(queue.get_by_test_id("queue-이두리").get_by_test_id("result")).to_have_text("결과: 보류")

        # The figures afterwards, on the staff editor.
        editor = host_browser.new_page(locale="ko-KR", viewport=DESKTOP)
        login_in_browser(editor, base, "consultant@demo.untact.kr", "demo-consultant-1234")
        editor.goto(f"{base}/events/{event['id']}/edit")
        counts = {k: editor.get_by_test_id(f"dfig-{k}").inner_text() for k in ("shows", "held", "pass", "hold", "no_shows")}
        assert counts == {"shows": "2", "held": "2", "pass": "1", "hold": "1", "no_shows": "0"}
        assert editor.get_by_test_id("fig-promoted").inner_text() == "1"
        row = editor.get_by_test_id(f"day-row-{companies[0]}").inner_text()
        assert row.split()[1:4] == ["2", "0", "2"]  # shows, no-shows, held
        screenshot(editor, "booth-day-figures")

        # After the event: staff close it and send the follow-up, once. 김하나 booked the other
        # booth and never came (a no-show); the two interviewed seekers have results.
        editor.get_by_label("상태").select_option(label="마감")
        with editor.expect_navigation():  # saved, the editor loads again
            editor.get_by_role("button", name="저장").click()
        for _press in range(2):  # the second press sends nothing more
            with editor.expect_navigation():
                editor.get_by_role("button", name="사후 안내 보내기").click()
            expect(editor.get_by_test_id("dfig-followed_up")).to_have_text("1")
        hana.goto(base + "/notifications")
        assert "참석하지 못하셨네요" in hana.locator("main").inner_text()
        duri.goto(base + "/notifications")
        assert "10분 늦어집니다" in duri.locator("main").inner_text()
    finally:
        stop_live_server(server)
