"""A seeker practises in Chromium with a fake camera and microphone, and reads the report."""

from __future__ import annotations

import re
import time

import av
import httpx
import pytest
from playwright.sync_api import expect

from tests import mediakit
from tests.conftest import login_in_browser, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.media, pytest.mark.model]

ANSWER_TEXT = (
    "In my last job I led a small team that built a booking system for the city library. "
    "We had three months, so I split the work into weekly goals and the system launched on time."
)
EXPECTED_WORDS = {"library", "team", "booking", "system"}


def _new_seeker(base_url: str, email: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        client.get("/login")
        response = client.post(
            "/api/auth/signup",
            json={"email": email, "password": "practice-pass-1", "display_name": "연습생", "role": "seeker"},
            headers={"X-CSRF-Token": client.cookies["untact_csrf"]},
        )
        assert response.status_code == 201, response.text


def _create_session_in_ui(page, base_url: str, *, answer_limit_s: int) -> int:
    page.goto(base_url + "/practice")
    page.get_by_role("link", name="새 연습 시작").click()
    page.get_by_label("직무 분야", exact=True).select_option("it_dev")
    page.get_by_label("질문 수").fill("2")
    page.get_by_label("답변 언어").select_option("en")
    page.get_by_label("생각할 시간(초)").fill("5")
    page.get_by_label("답변 제한 시간(초)").fill(str(answer_limit_s))
    page.get_by_role("button", name="이 세트로 연습 시작").click()
    page.wait_for_url(re.compile(r".*/practice/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def _pass_device_check_and_consent(page) -> None:
    page.get_by_role("button", name="카메라·마이크 켜기").click()
    page.wait_for_function("() => document.getElementById('connection-status').dataset.state === 'ok'", timeout=30000)
    assert "미디어 서버와 연결되었습니다" in page.locator("#connection-status").inner_text()
    page.get_by_role("button", name="다음").click()
    page.get_by_label("위 내용을 이해했으며 녹화와 분석에 동의합니다.").check()
    page.get_by_role("button", name="동의하고 시작").click()


def _answer_current_question(page, seconds: float) -> None:
    page.get_by_role("button", name="바로 답변 시작").click()
    page.wait_for_selector("#rec-indicator:not([hidden])", timeout=15000)
    time.sleep(seconds)
    page.get_by_role("button", name="답변 마치기").click()
    page.wait_for_function(
        "() => document.getElementById('answer-status').dataset.state === 'ready'", timeout=60000
    )


@pytest.mark.timeout(600)
def test_seeker_practises_two_questions_and_reads_the_report(live_server, launch_chromium) -> None:
    video = mediakit.face_video("facing", seconds=6, fps=15, fmt="y4m")
    speech = mediakit.speech_wav(ANSWER_TEXT, words_per_minute=150, sample_rate=48000)
    browser = launch_chromium(video=video, audio=speech.path)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    email = f"practice-{time.time_ns()}@example.kr"
    _new_seeker(live_server.base_url, email)
    login_in_browser(page, live_server.base_url, email, "practice-pass-1")
    session_id = _create_session_in_ui(page, live_server.base_url, answer_limit_s=60)
    _pass_device_check_and_consent(page)

    expect(page.locator("#question-counter")).to_have_text("질문 1 / 2")
    _answer_current_question(page, 12)
    status = page.locator("#answer-status").inner_text()
    assert re.match(r"분석 완료 · 종합 \d+점", status), status
    screenshot(page, "practice-run-after-answer-ko")
    page.get_by_role("button", name="다음 질문").click()
    expect(page.locator("#question-counter")).to_have_text("질문 2 / 2")
    expect(page.locator("#answer-status")).to_have_text("")  # no earlier answer's result on screen
    _answer_current_question(page, 10)
    page.get_by_role("link", name="결과 보기").click()
    page.wait_for_url(f"**/practice/{session_id}/report")

    answers = page.locator("article.answer")
    assert answers.count() == 2
    transcript = answers.first.locator(".transcript").inner_text().lower()
    assert len(EXPECTED_WORDS & set(re.findall(r"[a-z]+", transcript))) >= 3, transcript
    eye = float(answers.first.locator('[data-measure="eye-contact"]').get_attribute("data-value"))
    assert eye >= 0.8
    screenshot(page, "practice-report-ko")

    # Clicking a transcript word jumps the video to that moment.
    video_el = answers.first.locator("video")
    video_el.evaluate("v => new Promise(r => v.readyState >= 1 ? r() : v.addEventListener('loadedmetadata', r, {once: true}))")
    words = answers.first.locator(".transcript .word")
    target = words.nth(min(5, words.count() - 1))
    seek_to = float(target.get_attribute("data-seek"))
    target.click()
    page.wait_for_function(
        "([v, t]) => Math.abs(v.currentTime - t) < 0.3", arg=[video_el.element_handle(), seek_to], timeout=5000
    )
    markers = answers.first.locator("svg.timeline [data-seek]")
    if markers.count():
        marker_t = float(markers.first.get_attribute("data-seek"))
        markers.first.click()
        page.wait_for_function(
            "([v, t]) => Math.abs(v.currentTime - t) < 0.3", arg=[video_el.element_handle(), marker_t], timeout=5000
        )

    # The recordings on disk decode with about the durations answered.
    files = sorted((live_server.data_dir / "recordings" / "practice").rglob("*.webm"))
    mine = [f for f in files if f.parent.name == str(session_id)]
    assert len(mine) == 2
    for path, expected_s in zip(sorted(mine, key=lambda p: p.stat().st_mtime), (12, 10), strict=True):
        frames, rejected = mediakit.decodable_video_frames(path)
        assert rejected == 0, (path, frames, rejected)
        with av.open(str(path)) as container:
            duration = float(container.duration or 0) / av.time_base
        assert abs(duration - expected_s) < 2.5, (path, duration)
        assert frames > expected_s * 10

    # Deleting the practice removes its recordings, analysis and report for good.
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="이 연습 전체 삭제").click()
    page.wait_for_url("**/practice")
    assert not any(p.exists() for p in mine)
    assert not mine[0].parent.exists()
    assert page.request.get(f"{live_server.base_url}/api/practice/sessions/{session_id}").status == 404


@pytest.mark.timeout(600)
def test_a_turned_away_face_gets_a_look_at_camera_nudge_and_a_low_eye_contact_score(live_server, launch_chromium) -> None:
    video = mediakit.face_video("away", seconds=6, fps=15, fmt="y4m")
    speech = mediakit.speech_wav(ANSWER_TEXT, words_per_minute=150, sample_rate=48000)
    page = launch_chromium(video=video, audio=speech.path).new_page(viewport={"width": 1280, "height": 900})
    email = f"away-{time.time_ns()}@example.kr"
    _new_seeker(live_server.base_url, email)
    login_in_browser(page, live_server.base_url, email, "practice-pass-1")
    session_id = _create_session_in_ui(page, live_server.base_url, answer_limit_s=60)
    _pass_device_check_and_consent(page)

    page.get_by_role("button", name="바로 답변 시작").click()
    page.wait_for_selector("#rec-indicator:not([hidden])", timeout=15000)
    nudge = page.locator("#nudge")
    nudge.wait_for(state="visible", timeout=30000)
    assert nudge.inner_text() == "카메라를 봐 주세요."
    assert nudge.get_attribute("data-kind") == "look_at_camera"
    screenshot(page, "practice-nudge-look-at-camera-ko")
    page.get_by_role("button", name="답변 마치기").click()
    page.wait_for_function("() => document.getElementById('answer-status').dataset.state === 'ready'", timeout=90000)

    page.goto(f"{live_server.base_url}/practice/{session_id}/report")
    answer = page.locator("article.answer").first
    eye = float(answer.locator('[data-measure="eye-contact"]').get_attribute("data-value"))
    assert eye <= 0.3
    gaze_score = answer.locator('[data-score="gaze"]').inner_text()
    assert re.search(r"시선 (\d+)", gaze_score) and int(re.search(r"시선 (\d+)", gaze_score).group(1)) < 50
    assert answer.locator("svg.timeline .marker-away").count() >= 1


@pytest.mark.timeout(600)
def test_closing_the_browser_mid_answer_keeps_a_playable_flagged_recording(live_server, launch_chromium) -> None:
    video = mediakit.face_video("facing", seconds=6, fps=15, fmt="y4m")
    speech = mediakit.speech_wav(ANSWER_TEXT, words_per_minute=150, sample_rate=48000)
    browser = launch_chromium(video=video, audio=speech.path)
    page = browser.new_page()
    email = f"vanish-{time.time_ns()}@example.kr"
    _new_seeker(live_server.base_url, email)
    login_in_browser(page, live_server.base_url, email, "practice-pass-1")
    session_id = _create_session_in_ui(page, live_server.base_url, answer_limit_s=60)
    _pass_device_check_and_consent(page)
    page.get_by_role("button", name="바로 답변 시작").click()
    page.wait_for_selector("#rec-indicator:not([hidden])", timeout=15000)
    time.sleep(6)
    browser.close()  # mid-answer: no stop, no goodbye

    with httpx.Client(base_url=live_server.base_url) as client:
        client.get("/login")
        login = client.post("/api/auth/login", json={"email": email, "password": "practice-pass-1"},
                            headers={"X-CSRF-Token": client.cookies["untact_csrf"]})
        assert login.status_code == 200, login.text
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            detail = client.get(f"/api/practice/sessions/{session_id}")
            assert detail.status_code == 200, detail.text
            answers = detail.json()["answers"]
            if answers and answers[0]["status"] in ("ready", "failed"):
                break
            time.sleep(1)
    assert answers[0]["status"] == "ready"
    assert answers[0]["partial"] is True and "partial_recording" in answers[0]["flags"]
    path = next((live_server.data_dir / "recordings").rglob(f"answer-{answers[0]['id']}.webm"))
    frames, rejected = mediakit.decodable_video_frames(path)
    assert 3.5 < answers[0]["duration_s"] < 9 and frames > 40 and rejected == 0, (frames, rejected)
