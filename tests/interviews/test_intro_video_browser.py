"""In Chromium: an employer edits the company's scorecard criteria, builds a question set with an
intro video (and sees a bad file refused), and the invited seeker watches the intro video play
on the answer page before the first question."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests import mediakit
from tests.conftest import login_in_browser, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.media]


def _signup(base_url: str, email: str, password: str, role: str, **extra: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=30)
    client.get("/login")
    token = client.cookies["untact_csrf"]
    body = {
        "email": email,
        "password": password,
        "display_name": extra.pop("name", "테스트"),
        "role": role,
        **extra,
    }
    assert client.post("/api/auth/signup", json=body, headers={"X-CSRF-Token": token}).status_code == 201
    response = client.post(
        "/api/auth/login",
        json={"email": email, "password": password},
        headers={"X-CSRF-Token": client.cookies["untact_csrf"]},
    )
    assert response.status_code == 200, response.text
    return client


def _send(client: httpx.Client, method: str, url: str, body: dict) -> dict:
    response = client.request(method, url, json=body, headers={"X-CSRF-Token": client.cookies["untact_csrf"]})
    assert response.status_code in (200, 201), response.text
    return response.json()


@pytest.mark.timeout(600)
def test_employer_edits_rubric_and_uploads_intro_seeker_watches_it(
    live_server, launch_chromium, tmp_path: Path
) -> None:
    base = live_server.base_url
    stamp = time.time_ns()
    employer_email, seeker_email = f"intro-boss-{stamp}@example.kr", f"intro-seeker-{stamp}@example.kr"
    employer = _signup(
        base, employer_email, "intro-boss-pass-1", "employer", company_name=f"인트로컴퍼니 {stamp}"
    )
    seeker = _signup(base, seeker_email, "intro-seeker-pass-1", "seeker", name="영상시청")
    browser = launch_chromium()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    login_in_browser(page, base, employer_email, "intro-boss-pass-1")

    # --- the company's scorecard: rename one criterion, remove one, add one, move it up, save.
    page.get_by_role("navigation").get_by_role("link", name="우리 회사", exact=True).click()
    page.wait_for_selector("body[data-rubric-ready]")
    expect(page.get_by_label("평가 항목 1")).to_have_value("의사소통")
    expect(page.locator("#criteria-list > li")).to_have_count(5)
    page.get_by_label("평가 항목 2").fill("직무 이해도")
    page.locator("#criteria-list > li").nth(4).get_by_role("button", name="삭제").click()
    page.get_by_role("button", name="항목 추가").click()
    page.get_by_label("평가 항목 5").fill("Leadership")
    page.locator("#criteria-list > li").nth(4).get_by_role("button", name="위로").click()
    expect(page.get_by_label("평가 항목 4")).to_have_value("Leadership")
    page.get_by_role("button", name="평가표 저장").click()
    expect(page.locator("#rubric-status")).to_have_text("평가표를 저장했습니다.")
    saved = employer.get("/api/interviews/rubric").json()
    # Untouched default criteria keep their keys (and translations); edited ones are the new text.
    assert saved["criteria"] == [
        "communication",
        "직무 이해도",
        "problem_solving",
        "Leadership",
        "collaboration",
    ]
    page.get_by_role("button", name="항목 추가").click()
    page.get_by_label("평가 항목 6").fill("leadership")
    page.get_by_role("button", name="평가표 저장").click()
    expect(page.locator("#rubric-form .form-error")).to_have_text("'leadership' 항목이 중복되었습니다.")
    assert employer.get("/api/interviews/rubric").json()["criteria"] == saved["criteria"]
    screenshot(page, "interview-company-rubric-ko")

    # --- the question-set builder with an intro video.
    intro = mediakit.answer_recording(
        "facing", mediakit.silence_wav(4.0, noise_dbfs=-45), seconds=4, fps=15, size=(640, 480)
    )
    page.get_by_role("navigation").get_by_role("link", name="면접", exact=True).click()
    page.get_by_label("세트 이름").fill("소개 영상 세트")
    page.get_by_label("질문(한 줄에 하나)").fill("Tell us about yourself.")
    page.get_by_label("마무리 메시지(선택)").fill("Thank you, we will be in touch.")
    page.get_by_label("소개 영상 파일(선택)").set_input_files(str(intro))
    page.get_by_role("button", name="질문 세트 만들기").click()
    item = page.locator("li.set-item", has_text="소개 영상 세트")
    expect(item.locator('[data-testid="intro-state"]')).to_have_text("소개 영상 있음")
    page.wait_for_function(
        "() => { const v = document.querySelector('li.set-item video.intro-preview');"
        " return v && v.readyState >= 1 && v.duration > 3; }"
    )
    # A file that is not a video is refused with the server's message; the video stays.
    garbage = mediakit.broken_media("garbage", tmp_path / "not-a-video.webm")
    item.get_by_label("새 영상 파일 · 소개 영상 세트").set_input_files(str(garbage))
    item.get_by_role("button", name="영상 바꾸기").click()
    expect(item.locator(".form-error")).to_contain_text("영상 파일을 읽을 수 없습니다")
    # A file over the cap (a sparse file, 1 MB over) is refused on the page before it is sent.
    max_mb = int(item.get_by_label("새 영상 파일 · 소개 영상 세트").get_attribute("data-max-mb") or 0)
    assert max_mb > 0
    huge = tmp_path / "huge.webm"
    with huge.open("wb") as out:
        out.truncate((max_mb + 1) * 1024 * 1024)
    item.get_by_label("새 영상 파일 · 소개 영상 세트").set_input_files(str(huge))
    item.get_by_role("button", name="영상 바꾸기").click()
    expect(item.locator(".form-error")).to_have_text(
        f"소개 영상은 {max_mb}MB 이하여야 합니다. 이전 영상은 그대로 있습니다."
    )
    sets = employer.get("/api/interviews/sets").json()
    [qset] = [s for s in sets if s["title"] == "소개 영상 세트"]
    assert qset["intro_video_url"] and employer.get(qset["intro_video_url"]).content == intro.read_bytes()
    screenshot(page, "interview-intro-builder-ko")

    # --- the invited seeker watches the intro before the first question.
    deadline = (datetime.now() + timedelta(days=2)).replace(microsecond=0).isoformat()
    invitation = _send(
        employer,
        "POST",
        "/api/interviews/invitations",
        {
            "seeker_email": seeker_email,
            "kind": "recorded",
            "deadline_at": deadline,
            "question_set_id": qset["id"],
            "title": "Intro test",
        },
    )
    _send(seeker, "POST", f"/api/interviews/invitations/{invitation['id']}/respond", {"action": "accept"})
    seeker_page = launch_chromium().new_page(viewport={"width": 1280, "height": 900})
    login_in_browser(seeker_page, base, seeker_email, "intro-seeker-pass-1")
    seeker_page.goto(f"{base}/interviews/{invitation['id']}/answer")
    card = seeker_page.locator("#intro-video-card")
    expect(card.get_by_role("heading", name="소개 영상 보기")).to_be_visible()
    video = seeker_page.locator("#intro-video")
    expect(video).to_be_visible()
    assert video.get_attribute("controls") is not None
    seeker_page.wait_for_function(
        "() => { const v = document.getElementById('intro-video'); return v.readyState >= 1 && v.duration > 3; }"
    )
    seeker_page.evaluate(
        "() => { const v = document.getElementById('intro-video'); v.muted = true; return v.play(); }"
    )
    seeker_page.wait_for_function(
        "() => { const v = document.getElementById('intro-video');"
        " return v.currentTime > 1 && v.videoWidth === 640 && v.getVideoPlaybackQuality().totalVideoFrames > 10; }",
        timeout=20000,
    )
    seeker_page.evaluate("() => document.getElementById('intro-video').pause()")
    screenshot(seeker_page, "interview-intro-seeker-ko")

    # Once the questions begin, the intro is put away.
    seeker_page.get_by_role("button", name="카메라·마이크 켜기").click()
    seeker_page.wait_for_function(
        "() => document.getElementById('connection-status').dataset.state === 'ok'", timeout=30000
    )
    seeker_page.get_by_role("button", name="다음").click()
    seeker_page.get_by_label("위 내용을 이해했으며 녹화 면접의 녹화와 분석에 동의합니다.").check()
    seeker_page.get_by_role("button", name="동의하고 시작").click()
    expect(seeker_page.locator("#question-text")).to_have_text("Tell us about yourself.")
    expect(card).to_be_hidden()
    assert seeker_page.evaluate("() => document.getElementById('intro-video').paused") is True
    employer.close()
    seeker.close()
