"""Consultant and admin views in Chromium: assigned seekers' journeys, notes, a cover-letter review
seen side by side by the seeker, counselling with crisis lines, and the admin's numbers."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
import pytest

from server.domain.diagnosis import diagnosis_items
from server.domain.followup import add_months
from server.domain.stress import stress_items
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


class Api:
    """The JSON API over real HTTP, with the CSRF header the app's scripts send."""

    def __init__(self, base: str, email: str, password: str) -> None:
        self.client = httpx.Client(base_url=base, timeout=30)
        self.client.get("/healthz")
        self.call("POST", "/api/auth/login", {"email": email, "password": password})

    def call(self, method: str, url: str, body: object | None = None) -> dict:
        token = self.client.cookies.get("untact_csrf") or ""
        response = self.client.request(method, url, json=body, headers={"X-CSRF-Token": token})
        assert response.status_code < 300, response.text
        return response.json() if response.content else {}


def _log_in(page, base: str, email: str, password: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("이메일").fill(email)
    page.get_by_label("비밀번호").fill(password)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url("**/dashboard")


def test_consultant_follows_an_assigned_seeker_and_the_admin_sees_the_numbers(
    live_server, launch_chromium
) -> None:
    base = live_server.base_url
    tag = uuid.uuid4().hex[:6]
    email = f"staffview-{tag}@example.kr"
    signup = httpx.Client(base_url=base, timeout=30)
    signup.get("/healthz")
    body = {"email": email, "password": "staffview-pass-1", "display_name": "이상담", "role": "seeker"}
    created = signup.post(
        "/api/auth/signup", json=body, headers={"X-CSRF-Token": signup.cookies["untact_csrf"]}
    )
    assert created.status_code == 201, created.text
    seeker_id = created.json()["id"]
    seeker = Api(base, email, "staffview-pass-1")
    admin = Api(base, "admin@demo.untact.kr", "demo-admin-1234")
    consultant = Api(base, "consultant@demo.untact.kr", "demo-consultant-1234")
    consultant_id = consultant.call("GET", "/api/me")["id"]
    admin.call(
        "PUT",
        "/api/journey/assignments",
        {"seeker_id": seeker_id, "consultant_id": consultant_id, "centre": "강남고용센터"},
    )

    answers = {i.item_id: 3 for i in diagnosis_items()}
    answers.update(rd1=1, dc1=2, wb1=5, wb2=5)
    seeker.call("POST", "/api/journey/diagnosis", {"answers": answers})
    seeker.call(
        "POST",
        "/api/journey/stress",
        {"answers": {i.item_id: (1 if i.reverse else 3) for i in stress_items()}},
    )
    letter = seeker.call(
        "POST", "/api/journey/cover-letters",
        {"title": "사무직 자기소개서", "limit_chars": 500,
         "text": "저는 성실한 사람입니다.\n\n구청 민원실에서 1년 동안 서류 접수를 맡았습니다. 최선을 다하겠습니다."},
    )  # fmt: skip
    starts = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    slot = consultant.call("POST", "/api/journey/slots", {"starts_at": starts.isoformat(), "mode": "video"})
    seeker.call("POST", f"/api/journey/slots/{slot['id']}/book", {"note": "구직 스트레스"})
    today = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=9)).date()
    hire = seeker.call(
        "POST",
        "/api/journey/hires",
        {"company_name": "가나물류", "hired_on": add_months(today, -1).isoformat()},
    )
    risky = {"fit": 2, "support": 2, "relations": 3, "workload": 2, "contract": 2, "stay": 2, "quit": 4}
    seeker.call("POST", f"/api/journey/checkins/{hire['checkins'][0]['id']}", {"answers": risky})

    browser = launch_chromium()
    page = browser.new_page(locale="ko-KR", viewport={"width": 1280, "height": 900})
    _log_in(page, base, "consultant@demo.untact.kr", "demo-consultant-1234")
    page.goto(base + "/consultant/seekers")
    assert "이상담" in page.get_by_test_id("assigned-seekers").inner_text()
    assert "가나물류" in page.get_by_test_id("risk-flags").inner_text()
    screenshot(page, "careers-8-consultant-seekers")

    page.get_by_test_id("assigned-seekers").get_by_role("link", name="이상담").click()
    page.wait_for_url(f"**/consultant/seekers/{seeker_id}")
    page.get_by_label("관련 단계 (선택)").select_option("counselling")
    page.get_by_label("메모", exact=True).fill("다음 주 상담에서 면접 불안 다루기")
    page.get_by_role("button", name="메모 추가").click()
    page.wait_for_selector("text=다음 주 상담에서 면접 불안 다루기")
    screenshot(page, "careers-9-consultant-seeker")

    # Every one of the nine tiles opens that step, read-only: no tile leads to a refusal.
    tiles = page.get_by_test_id("journey-steps").locator("a.step-name")
    assert tiles.count() == 9
    for n in range(9):
        name = tiles.nth(n).inner_text()
        tiles.nth(n).click()
        page.wait_for_url(f"**/consultant/seekers/{seeker_id}/steps/*")
        assert page.get_by_role("heading", level=1).inner_text() == f"{n + 1}단계 · {name}"
        assert "읽기 전용" in page.get_by_test_id("read-only").inner_text()
        assert page.locator("[data-code]").count() == 0  # not the error page
        if n == 0:
            assert page.get_by_test_id("diagnosis-overall").inner_text() == "종합 43 / 100"
            screenshot(page, "careers-9a-consultant-step-diagnosis")
        if n == 4:
            assert "화상 · 예약됨" in page.get_by_test_id("staff-bookings").inner_text()
            assert page.get_by_test_id("stress-result").is_visible()
        if n == 8:
            assert "가나물류" in page.get_by_test_id("checkins").locator("..").inner_text()
        page.get_by_role("link", name="이상담 님의 취업지원 현황으로").click()
        page.wait_for_url(f"**/consultant/seekers/{seeker_id}")
    phone = browser.new_page(locale="ko-KR", viewport={"width": 390, "height": 844})
    _log_in(phone, base, "consultant@demo.untact.kr", "demo-consultant-1234")
    phone.goto(f"{base}/consultant/seekers/{seeker_id}/steps/counselling")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "careers-9b-consultant-step-phone")

    page.goto(f"{base}/journey/cover-letters/{letter['id']}")
    page.get_by_label("상담사 의견").fill("첫 문장에서 지원 동기를 밝히고, 성과를 숫자로 적어 보세요.")
    page.get_by_label("수정본").fill(
        "[지원 동기]\n민원 서류 처리 경험을 살려 행정 보조 업무에 기여하고 싶어 지원했습니다.\n\n"
        "[경험]\n구청 민원실에서 1년 동안 하루 평균 40건의 서류를 접수하며 처리 시간을 20% 줄였습니다."
    )
    page.get_by_role("button", name="저장").click()
    page.get_by_test_id("letter-versions").locator("article").nth(1).wait_for()

    seeker_page = browser.new_page(locale="ko-KR", viewport={"width": 1280, "height": 900})
    _log_in(seeker_page, base, email, "staffview-pass-1")
    seeker_page.goto(f"{base}/journey/cover-letters/{letter['id']}")
    versions = seeker_page.get_by_test_id("letter-versions").locator("article")
    assert versions.count() == 2 and "성과를 숫자로" in versions.nth(1).inner_text()
    screenshot(seeker_page, "careers-10-letter-side-by-side")
    seeker_page.goto(base + "/journey/counselling")
    assert "109" in seeker_page.get_by_test_id("crisis-resources").inner_text()
    assert (
        "구직 스트레스" not in seeker_page.get_by_test_id("bookings").inner_text()
    )  # the note is for the consultant
    screenshot(seeker_page, "careers-11-counselling")
    seeker_page.goto(base + "/dashboard")
    assert seeker_page.locator('[data-step="cover_letter"]').get_attribute("data-status") == "done"
    assert seeker_page.locator('[data-step="follow_up"]').get_attribute("data-status") == "in_progress"

    admin_page = browser.new_page(locale="ko-KR", viewport={"width": 1280, "height": 900})
    _log_in(admin_page, base, "admin@demo.untact.kr", "demo-admin-1234")
    admin_page.goto(base + "/admin/journeys")
    assert int(admin_page.get_by_test_id("hired-total").inner_text()) >= 1
    assert "강남고용센터" in admin_page.get_by_test_id("retention").inner_text()
    screenshot(admin_page, "careers-12-admin-journeys")
