"""A recorded one-way interview end to end: the employer builds a question set and invites a
seeker, the seeker answers two questions in Chromium across two visits through the same recorder
as practice, submits, and the employer reviews videos, transcripts and reports and rates."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta

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


def _api_client(base_url: str, email: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=30)
    client.get("/login")
    response = client.post("/api/auth/login", json={"email": email, "password": password},
                           headers={"X-CSRF-Token": client.cookies["untact_csrf"]})
    assert response.status_code == 200, response.text
    return client


def _post(client: httpx.Client, url: str, body: dict) -> dict:
    response = client.post(url, json=body, headers={"X-CSRF-Token": client.cookies["untact_csrf"]})
    assert response.status_code in (200, 201), response.text
    return response.json()


def _device_check(page) -> None:
    page.get_by_role("button", name="카메라·마이크 켜기").click()
    page.wait_for_function("() => document.getElementById('connection-status').dataset.state === 'ok'", timeout=30000)
    page.get_by_role("button", name="다음").click()


def _answer_current_question(page, seconds: float) -> None:
    page.get_by_role("button", name="바로 답변 시작").click()
    page.wait_for_selector("#rec-indicator:not([hidden])", timeout=15000)
    time.sleep(seconds)
    page.get_by_role("button", name="답변 마치기").click()
    page.wait_for_function(
        "() => document.getElementById('answer-status').dataset.state === 'ready'", timeout=120000
    )


@pytest.mark.timeout(900)
def test_employer_set_seeker_answers_across_two_visits_employer_reviews(live_server, launch_chromium) -> None:
    base = live_server.base_url
    employer = _api_client(base, "employer@demo.untact.kr", "demo-employer-1234")
    seeker_email = f"oneway-{time.time_ns()}@example.kr"
    with httpx.Client(base_url=base) as anon:
        anon.get("/login")
        assert anon.post("/api/auth/signup", json={"email": seeker_email, "password": "oneway-pass-1",
                         "display_name": "원웨이", "role": "seeker"},
                         headers={"X-CSRF-Token": anon.cookies["untact_csrf"]}).status_code == 201
    qset = _post(employer, "/api/interviews/sets", {
        "title": "Library systems", "language": "en", "closing_message": "Thank you for your answers.",
        "questions": [
            {"text": "Tell us about a project you led.", "think_time_s": 5, "answer_limit_s": 60, "max_retakes": 0},
            {"text": "How did you plan the work?", "think_time_s": 5, "answer_limit_s": 60, "max_retakes": 0},
        ],
    })
    deadline = (datetime.now() + timedelta(days=2)).replace(microsecond=0).isoformat()
    invitation = _post(employer, "/api/interviews/invitations", {
        "seeker_email": seeker_email, "kind": "recorded", "deadline_at": deadline,
        "question_set_id": qset["id"], "title": "Backend developer",
    })
    inv_id = invitation["id"]

    video = mediakit.face_video("facing", seconds=6, fps=15, fmt="y4m")
    speech = mediakit.speech_wav(ANSWER_TEXT, words_per_minute=150, sample_rate=48000)
    browser = launch_chromium(video=video, audio=speech.path)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    login_in_browser(page, base, seeker_email, "oneway-pass-1")

    # The invitation is in the seeker's list; they accept it.
    page.get_by_role("navigation").get_by_role("link", name="면접", exact=True).click()
    row = page.locator(f'tr[data-invitation-id="{inv_id}"]')
    assert "초대됨" in row.inner_text()
    row.get_by_role("link", name="열기").click()
    page.wait_for_selector("body[data-interviews-ready]")
    page.get_by_role("button", name="수락").click()
    page.wait_for_function("() => document.getElementById('invitation-status').dataset.status === 'accepted'")

    # Visit 1: device check, the interview's own consent, then question 1 only.
    page.get_by_role("link", name="녹화 면접 답변하기").click()
    _device_check(page)
    page.get_by_label("위 내용을 이해했으며 녹화 면접의 녹화와 분석에 동의합니다.").check()
    page.get_by_role("button", name="동의하고 시작").click()
    expect(page.locator("#question-counter")).to_have_text("질문 1 / 2")
    expect(page.locator("#question-text")).to_have_text("Tell us about a project you led.")
    _answer_current_question(page, 12)
    assert page.get_by_role("button", name=re.compile("다시 답변")).is_hidden()  # no retakes on this question
    assert page.locator("#intro-video-card").count() == 0  # this set has no intro video
    expect(page.locator("#closing-message")).to_be_hidden()  # not the last question yet
    screenshot(page, "interview-oneway-answered-q1-ko")
    page.goto(f"{base}/interviews")  # the seeker stops and leaves

    # Visit 2: the answered question stays answered; the page resumes at question 2.
    page.goto(f"{base}/interviews/{inv_id}/answer")
    _device_check(page)
    expect(page.locator("#question-counter")).to_have_text("질문 2 / 2")
    expect(page.locator("#question-text")).to_have_text("How did you plan the work?")
    _answer_current_question(page, 10)
    # After the last answer the set's closing message is shown on the answer page.
    expect(page.locator("#closing-message")).to_be_visible()
    expect(page.locator("#closing-message")).to_contain_text("Thank you for your answers.")
    page.get_by_role("link", name="제출 화면으로").click()
    page.wait_for_url(f"**/interviews/{inv_id}")
    page.wait_for_selector("body[data-interviews-ready]")
    page.get_by_role("button", name="답변 제출하기").click()
    page.wait_for_function("() => document.getElementById('invitation-status').dataset.status === 'submitted'")
    assert page.get_by_text("Thank you for your answers.").is_visible()
    assert page.locator("article.answer video").count() == 2
    screenshot(page, "interview-oneway-seeker-submitted-ko")

    # A third visit cannot re-record: every question is answered and the interview is submitted.
    assert page.request.get(f"{base}/interviews/{inv_id}/answer").status == 409

    # The recordings decode with about the durations answered.
    files = sorted((live_server.data_dir / "recordings" / "interviews").rglob("*.webm"))
    mine = [f for f in files if f.parent.name == str(inv_id)]
    assert len(mine) == 2
    for path in mine:
        frames, rejected = mediakit.decodable_video_frames(path)
        assert frames > 80 and rejected == 0, (path, frames, rejected)

    # The employer reviews in the browser: videos, transcripts, AI reports, and rates.
    employer_page = launch_chromium().new_page(viewport={"width": 1280, "height": 900})
    login_in_browser(employer_page, base, "employer@demo.untact.kr", "demo-employer-1234")
    employer_page.goto(f"{base}/interviews")
    employer_page.locator(f'tr[data-invitation-id="{inv_id}"]').get_by_role("link", name="평가하기").click()
    employer_page.wait_for_selector("body[data-interviews-ready]")
    answers = employer_page.locator("article.answer")
    assert answers.count() == 2
    for i in range(2):
        article = answers.nth(i)
        src = article.locator("video").get_attribute("src")
        assert employer_page.request.get(base + src).status == 200
        assert article.locator("svg").count() >= 1  # the AI score bars
    transcript = answers.first.locator('[data-testid="transcript"]').inner_text().lower()
    assert len(EXPECTED_WORDS & set(re.findall(r"[a-z]+", transcript))) >= 3, transcript
    answers.first.get_by_label("내 점수(1–5)").select_option("4")
    answers.first.get_by_role("button", name="점수 저장").click()
    employer_page.wait_for_function(
        "() => document.querySelector('article.answer [data-testid=rating-aggregate]').textContent.includes('1명')"
    )
    assert "평균 4.0" in answers.first.locator('[data-testid="rating-aggregate"]').inner_text()
    # A comment pinned 2.5 s in; its time button seeks the video back there and plays it.
    employer_page.wait_for_function(
        "() => { const v = document.querySelector('article.answer video'); return v && v.readyState >= 1; }"
    )
    employer_page.evaluate("() => { const v = document.querySelector('article.answer video'); v.muted = true; v.currentTime = 2.5; }")
    answers.first.get_by_label("현재 재생 위치에 코멘트").fill("Clear structure here")
    answers.first.get_by_role("button", name="코멘트 추가").click()
    employer_page.wait_for_selector("article.answer [data-testid=comments] li")
    employer_page.wait_for_function(
        "() => { const v = document.querySelector('article.answer video'); return v && v.readyState >= 1; }"
    )
    employer_page.evaluate("() => { document.querySelector('article.answer video').muted = true; }")
    answers.first.locator("[data-testid=comments] li").get_by_role("button", name="0:02").click()
    employer_page.wait_for_function(
        "() => { const v = document.querySelector('article.answer video'); return v.currentTime >= 2.4 && !v.paused; }"
    )
    screenshot(employer_page, "interview-oneway-employer-review-ko")

    review = employer.get(f"/api/interviews/invitations/{inv_id}/review").json()
    assert review["invitation"]["status"] == "submitted"
    assert all(item["answer"]["report"] is not None for item in review["answers"])
    assert review["answers"][0]["ratings"]["count"] == 1
