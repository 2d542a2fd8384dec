"""Words the automatic transcript is unsure of are visibly marked on the seeker's report page in
Chromium, and the low-confidence flag reads as Korean text, not as a catalog key (issue 11)."""

from __future__ import annotations

import copy
import uuid

import httpx
import pytest

from analysis.report import LOW_CONFIDENCE_WORD_PROBABILITY
from server.core.db import make_engine, make_sessionmaker
from tests.conftest import login_in_browser, screenshot
from tests.review.conftest import RecordedAnswer, insert_ready_answer

pytestmark = [pytest.mark.browser, pytest.mark.media, pytest.mark.model]

PASSWORD = "uncertain-pass-12"


def _with_two_unsure_words(recorded: RecordedAnswer) -> tuple[RecordedAnswer, list[str]]:
    """The real report, with two of its words given a probability below the threshold (as
    Whisper gives a word it mishears) and the flag the analysis then raises."""
    report = copy.deepcopy(recorded.report)
    words = report["transcript"]["words"]
    for w in words:
        w["probability"] = max(float(w["probability"]), LOW_CONFIDENCE_WORD_PROBABILITY)
    picked = [words[3], words[7]]
    for w in picked:
        w["probability"] = 0.21
    report["flags"] = [*report["flags"], "low_transcript_confidence"]
    return RecordedAnswer(recorded.path, report), [w["word"].strip() for w in picked]


@pytest.mark.timeout(300)
def test_uncertain_words_are_marked_on_the_report_page(live_server, launch_chromium, recorded_answer) -> None:
    email = f"unsure-{uuid.uuid4().hex[:8]}@x.kr"
    with httpx.Client(base_url=live_server.base_url) as client:
        client.get("/login")
        headers = {"X-CSRF-Token": client.cookies["untact_csrf"]}
        r = client.post(
            "/api/auth/signup",
            json={"email": email, "password": PASSWORD, "display_name": "확인중", "role": "seeker"},
            headers=headers,
        )
        assert r.status_code == 201, r.text
        r = client.post(
            "/api/practice/sessions",
            json={"source": "field", "field": "it_dev", "language": "en", "question_count": 1},
            headers=headers,
        )
        assert r.status_code == 201, r.text
        session_id = r.json()["id"]
    recorded, unsure = _with_two_unsure_words(recorded_answer)
    engine = make_engine(f"sqlite:///{live_server.data_dir / 'untact.db'}")
    try:
        insert_ready_answer(make_sessionmaker(engine), live_server.data_dir / "recordings", session_id, recorded)
    finally:
        engine.dispose()

    page = launch_chromium().new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(60000)
    login_in_browser(page, live_server.base_url, email, PASSWORD)
    page.goto(f"{live_server.base_url}/practice/{session_id}/report")
    marked = page.locator(".transcript .word.uncertain")
    assert marked.count() == 2
    assert [marked.nth(i).inner_text().strip() for i in range(2)] == unsure
    for i in range(2):
        assert marked.nth(i).is_visible()
        style = marked.nth(i).evaluate("e => getComputedStyle(e).textDecorationStyle + ' ' + getComputedStyle(e).textDecorationLine")
        assert "dotted" in style and "underline" in style
        assert "신뢰도" in (marked.nth(i).get_attribute("title") or "")
    plain = page.locator(".transcript .word:not(.uncertain)").first
    assert "dotted" not in plain.evaluate("e => getComputedStyle(e).textDecorationStyle + getComputedStyle(e).textDecorationLine")
    assert page.get_by_test_id("uncertain-hint").is_visible()
    flag = page.locator('.flag[data-flag="low_transcript_confidence"]')
    assert flag.is_visible()
    text = flag.inner_text()
    assert "practice.flag" not in text and "신뢰도" in text
    screenshot(page, "report-uncertain-words")
