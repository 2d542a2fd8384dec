"""What a person sees in Chromium: sign-up, the Korean dashboard, the English switch,
keyboard focus, and the camera preview of the device check."""

from __future__ import annotations

import uuid

import pytest

from tests import mediakit
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def test_a_seeker_signs_up_and_sees_the_korean_dashboard(live_server, launch_chromium) -> None:
    browser = launch_chromium()
    page = browser.new_page(locale="ko-KR")
    page.goto(live_server.base_url + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "면접 연습부터 채용까지, 만나지 않고도"
    page.get_by_test_id("signup-seeker").click()
    page.get_by_label("구직자").check()
    page.get_by_label("이름").fill("김하늘")
    email = f"haneul-{uuid.uuid4().hex[:8]}@example.kr"
    page.get_by_label("이메일").fill(email)
    page.get_by_label("비밀번호").fill("하늘-password-1")
    page.get_by_role("button", name="가입하기").click()

    page.wait_for_url("**/dashboard")
    assert page.get_by_role("heading", level=1).inner_text() == "김하늘님, 환영합니다."
    assert "구직자로 로그인했습니다." in page.get_by_test_id("role-line").inner_text()
    assert page.locator("html").get_attribute("lang") == "ko"
    screenshot(page, "foundation-dashboard-seeker-ko")

    page.get_by_role("link", name="English").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome, 김하늘."
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")

    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").inner_text() == "The email or password is not correct."
    page.get_by_label("Password").fill("하늘-password-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/dashboard")


def test_signup_form_works_from_the_keyboard_with_visible_focus(live_server, launch_chromium) -> None:
    page = launch_chromium().new_page()
    page.goto(live_server.base_url + "/signup")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    page.get_by_label("이름").focus()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "focused fields must show a visible focus ring"
    page.keyboard.type("Keyboard User")
    page.keyboard.press("Tab")
    page.keyboard.type(f"kb-{uuid.uuid4().hex[:8]}@example.kr")
    page.keyboard.press("Tab")
    page.keyboard.type("keyboard-pass-1")
    page.keyboard.press("Enter")
    page.wait_for_url("**/dashboard")
    assert "Keyboard User" in page.get_by_role("heading", level=1).inner_text()


def test_each_demo_account_logs_in_to_its_own_dashboard(live_server, launch_chromium) -> None:
    browser = launch_chromium()
    expected = {
        "seeker@demo.untact.kr": ("demo-seeker-1234", "장치 점검하기", "상담사 관리"),
        "employer@demo.untact.kr": ("demo-employer-1234", "회사 정보 보기", "상담사 관리"),
        "consultant@demo.untact.kr": ("demo-consultant-1234", "장치 점검하기", "회사 정보 보기"),
        "admin@demo.untact.kr": ("demo-admin-1234", "감사 로그 보기", "장치 점검하기"),
    }
    for email, (password, present, absent) in expected.items():
        page = browser.new_page()
        page.goto(live_server.base_url + "/login")
        page.get_by_label("이메일").fill(email)
        page.get_by_label("비밀번호").fill(password)
        page.get_by_role("button", name="로그인").click()
        page.wait_for_url("**/dashboard")
        assert page.get_by_role("link", name=present).count() == 1, email
        assert page.get_by_role("link", name=absent).count() == 0, email
        if email.startswith("admin"):
            screenshot(page, "foundation-dashboard-admin-ko")
            page.goto(live_server.base_url + "/api/admin/users")
            assert "seeker@demo.untact.kr" in page.content()
        else:
            response = page.goto(live_server.base_url + "/admin/audit")
            assert response is not None and response.status == 403
            assert "이 페이지에 접근할 권한이 없습니다." in page.get_by_role("alert").inner_text()
        page.close()


@pytest.mark.media
def test_device_check_shows_the_fake_camera_and_moves_the_mic_meter(live_server, launch_chromium) -> None:
    video = mediakit.face_video("facing", seconds=4, fps=15, fmt="y4m")
    speech = mediakit.speech_wav("Hello, I am checking my microphone before the interview.", sample_rate=48000)
    page = launch_chromium(video=video, audio=speech.path).new_page()
    page.goto(live_server.base_url + "/login")
    page.get_by_label("이메일").fill("seeker@demo.untact.kr")
    page.get_by_label("비밀번호").fill("demo-seeker-1234")
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url("**/dashboard")
    page.get_by_role("link", name="장치 점검하기").click()

    status = page.get_by_role("status")
    assert status.inner_text() == "아직 장치를 켜지 않았습니다."
    page.get_by_role("button", name="카메라·마이크 켜기").click()
    page.wait_for_function("() => document.getElementById('device-status').dataset.state === 'ok'", timeout=15000)
    assert status.inner_text() == "카메라와 마이크가 정상입니다. (640×480)"
    page.wait_for_function("() => document.getElementById('preview').currentTime > 1.0", timeout=15000)
    size = page.evaluate("[document.getElementById('preview').videoWidth, document.getElementById('preview').videoHeight]")
    assert size == [640, 480]
    # The preview shows the face picture, not a black frame: sample its pixels.
    brightness = page.evaluate(
        """() => { const v = document.getElementById('preview'); const c = document.createElement('canvas');
        c.width = 64; c.height = 48; const g = c.getContext('2d'); g.drawImage(v, 0, 0, 64, 48);
        const d = g.getImageData(0, 0, 64, 48).data; let s = 0; for (let i = 0; i < d.length; i += 4) s += d[i] + d[i+1] + d[i+2];
        return s / (d.length / 4) / 3; }"""
    )
    assert brightness > 40
    page.wait_for_function("() => Number(document.getElementById('mic-level').dataset.peak || 0) > 0.05", timeout=15000)
    screenshot(page, "foundation-device-check-ko")
    page.get_by_role("button", name="끄기").click()
    assert status.inner_text() == "아직 장치를 켜지 않았습니다."
