"""Both sides in Chromium: a seeker requests review, an admin assigns it, the consultant pins
two comments and a rubric in the workspace, and the seeker finds the comments at their moments
on the video timeline; clicking one seeks the video there."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from server.core.db import make_engine, make_sessionmaker
from tests.conftest import login_in_browser, screenshot
from tests.review.conftest import insert_ready_answer

pytestmark = [pytest.mark.browser, pytest.mark.media, pytest.mark.model]

SEEKER_PASSWORD = "review-pass-12"


def _seeker_with_recorded_session(live_server, recorded) -> tuple[str, int, int]:
    email = f"review-{uuid.uuid4().hex[:8]}@x.kr"
    with httpx.Client(base_url=live_server.base_url) as client:
        client.get("/login")
        headers = {"X-CSRF-Token": client.cookies["untact_csrf"]}
        signup = client.post(
            "/api/auth/signup",
            json={"email": email, "password": SEEKER_PASSWORD, "display_name": "한연습", "role": "seeker"},
            headers=headers,
        )
        assert signup.status_code == 201, signup.text
        created = client.post(
            "/api/practice/sessions",
            json={"source": "field", "field": "it_dev", "language": "en", "question_count": 2},
            headers=headers,
        )
        assert created.status_code == 201, created.text
        session_id = created.json()["id"]
    engine = make_engine(f"sqlite:///{live_server.data_dir / 'untact.db'}")
    try:
        answer_id, _ = insert_ready_answer(
            make_sessionmaker(engine), live_server.data_dir / "recordings", session_id, recorded
        )
    finally:
        engine.dispose()
    return email, session_id, answer_id


def _ready(page) -> None:
    """The page's module script has attached its handlers (else a click could submit natively)."""
    page.wait_for_selector("html[data-review-ready=true]", state="attached")


def _video_time(page, answer_id: int) -> float:
    return float(page.evaluate(f"document.querySelector('#answer-{answer_id} video').currentTime"))


def _wait_video_at(page, answer_id: int, seconds: float) -> None:
    page.wait_for_function(
        f"() => Math.abs(document.querySelector('#answer-{answer_id} video').currentTime - {seconds}) < 0.3",
        timeout=15000,
    )


@pytest.mark.timeout(600)
def test_seeker_requests_admin_assigns_consultant_comments_seeker_sees_and_seeks(
    live_server, launch_chromium, recorded_answer
) -> None:
    base = live_server.base_url
    email, session_id, answer_id = _seeker_with_recorded_session(live_server, recorded_answer)
    duration = recorded_answer.report["duration_s"]
    browser = launch_chromium()
    browser_pages = []

    def new_page(height: int = 900):
        page = browser.new_page(viewport={"width": 1280, "height": height})
        page.set_default_timeout(60000)  # two shared cores: be patient, assert nothing about speed
        browser_pages.append(page)
        return page

    # --- the seeker asks for review from the report page
    seeker = new_page()
    login_in_browser(seeker, base, email, SEEKER_PASSWORD)
    seeker.goto(f"{base}/practice/{session_id}/report")
    seeker.get_by_role("link", name="상담사 피드백").click()
    seeker.wait_for_url(f"**/practice/{session_id}/feedback")
    _ready(seeker)
    seeker.get_by_label("목표 직무 (선택)").fill("백엔드 개발자")
    seeker.get_by_label("상담사에게 남길 말 (선택)").fill("말하기 속도와 답변 구성이 궁금합니다.")
    with seeker.expect_navigation():
        seeker.get_by_role("button", name="피드백 요청").click()
    seeker.wait_for_selector("[data-testid=review-pending]")
    assert "상담사 배정을 기다리고 있습니다" in seeker.inner_text("[data-testid=review-pending]")

    # --- the admin assigns it to the demo consultant, seeing the load per consultant
    admin = new_page()
    login_in_browser(admin, base, "admin@demo.untact.kr", "demo-admin-1234")
    admin.get_by_role("link", name="피드백 요청함").click()
    _ready(admin)
    row = admin.locator("tr", has_text="한연습").filter(has_text="백엔드 개발자").last
    request_id = int(row.get_attribute("data-request-id"))
    consultant_value = row.locator("option", has_text="박상담").get_attribute("value")
    row.get_by_label("배정할 상담사").select_option(consultant_value)
    with admin.expect_navigation():  # the page reloads once the assignment is saved
        row.get_by_role("button", name="배정").click()
    assert "검토 중" in admin.inner_text(f"tr[data-request-id='{request_id}']")
    assert "박상담" in admin.inner_text("[data-testid=review-loads]")
    screenshot(admin, "review-admin-queue")

    # --- the consultant opens the workspace
    consultant = new_page(1000)
    dialogs = []
    consultant.on("console", lambda m: dialogs.append("console:" + m.text))
    login_in_browser(consultant, base, "consultant@demo.untact.kr", "demo-consultant-1234")
    consultant.goto(f"{base}/review")
    consultant.locator(f"tr[data-request-id='{request_id}']").get_by_role("link", name="검토하기").click()
    consultant.wait_for_url(f"**/review/{request_id}")
    _ready(consultant)
    assert "말하기 속도와 답변 구성이 궁금합니다." in consultant.inner_text(".request-info")
    article = consultant.locator(f"#answer-{answer_id}")
    consultant.wait_for_function(
        f"() => document.querySelector('#answer-{answer_id} video').readyState >= 1", timeout=20000
    )
    # Clicking a transcript word seeks the video to that word, and the word is highlighted.
    word = article.locator(".transcript .word", has_text=re.compile("deadline", re.I)).first
    word_start = float(word.get_attribute("data-seek"))
    word.click()
    _wait_video_at(consultant, answer_id, word_start)
    consultant.wait_for_selector(f"#answer-{answer_id} .transcript .word.playing")

    # First comment: typed times.
    article.get_by_label("시작(초)").fill("1.0")
    article.get_by_label("끝(초)").fill("3.0")
    article.get_by_label("분류").select_option("delivery")
    article.get_by_label("코멘트 내용").fill("첫 문장에서 '음'으로 시작하지 말고 바로 결론을 말해 보세요.")
    with consultant.expect_navigation():
        article.get_by_role("button", name="코멘트 저장").click()
    consultant.wait_for_selector(f"#answer-{answer_id} li.comment")
    _ready(consultant)
    # Second comment: start taken from the playhead, after seeking via the transcript.
    article = consultant.locator(f"#answer-{answer_id}")
    consultant.wait_for_function(
        f"() => document.querySelector('#answer-{answer_id} video').readyState >= 1", timeout=20000
    )
    article.locator(".transcript .word", has_text=re.compile("deadline", re.I)).first.click()
    _wait_video_at(consultant, answer_id, word_start)
    article.get_by_role("button", name="현재 재생 위치").first.click()
    start_value = float(article.get_by_label("시작(초)").input_value())
    assert abs(start_value - word_start) < 0.3
    article.get_by_label("끝(초)").fill(f"{start_value + 2:.1f}")
    article.get_by_label("분류").select_option("structure")
    article.get_by_label("코멘트 내용").fill("상황 다음에 본인이 한 행동을 구체적으로 말해 주세요.")
    with consultant.expect_navigation():
        article.get_by_role("button", name="코멘트 저장").click()
    consultant.wait_for_function(f"() => document.querySelectorAll('#answer-{answer_id} li.comment').length === 2")
    _ready(consultant)
    article = consultant.locator(f"#answer-{answer_id}")
    assert article.locator(".comment-marker").count() == 2

    # A verdict on an automated score, with a reason.
    verdict = article.locator("form[data-score-key=delivery]")
    verdict.get_by_label("동의 안 함").check()
    verdict.get_by_label("이유").fill("3초 침묵은 생각을 정리한 자연스러운 쉼이었습니다.")
    verdict.get_by_role("button", name="의견 저장").click()
    verdict.locator(".verdict-status", has_text="저장했습니다").wait_for()

    # Rubric, summary, next steps; submit.
    for key, value in {"delivery": "4", "content": "3", "gaze": "5", "structure": "2"}.items():
        consultant.locator(f"fieldset.rubric-row[data-criterion={key}]").get_by_label(value, exact=True).check()
    consultant.get_by_label("종합 의견", exact=True).fill("시선 처리가 좋습니다. 답변을 결론부터 말하는 연습을 해 보세요.")
    consultant.get_by_label("부족한 질문 다시 연습하기").check()
    consultant.get_by_label("자기소개서 컨설팅 받기").check()
    screenshot(consultant, "review-consultant-workspace")
    consultant.once("dialog", lambda dialog: dialog.accept())
    assert not [m for m in dialogs if "error" in m.lower()], dialogs
    with consultant.expect_navigation():
        consultant.get_by_role("button", name="피드백 보내기").click()
    consultant.wait_for_selector("[data-testid=rubric-result]")
    screenshot(consultant, "review-consultant-submitted")

    # --- the seeker is notified and reads the feedback
    seeker.goto(f"{base}/practice")
    badge = seeker.locator("[data-testid=unread-badge]")
    assert badge.inner_text().strip() == "1"
    seeker.get_by_role("link", name=re.compile("^알림")).click()
    seeker.get_by_role("link", name=re.compile("박상담 상담사의 면접 연습 피드백이 도착했습니다")).click()
    seeker.wait_for_url(f"**/practice/{session_id}/feedback")
    _ready(seeker)
    assert seeker.locator("[data-testid=unread-badge]").count() == 0
    rubric = seeker.locator("[data-testid=rubric-result]")
    assert rubric.locator("[data-criterion=gaze]").get_attribute("data-value") == "5"
    assert "자기소개서 컨설팅 받기" in seeker.inner_text("[data-testid=next-steps]")

    answer = seeker.locator(f"#answer-{answer_id}")
    comments = answer.locator("li.comment")
    assert comments.count() == 2
    starts = [float(comments.nth(i).locator("[data-seek]").get_attribute("data-seek")) for i in range(2)]
    assert starts[0] == pytest.approx(1.0, abs=0.01) and starts[1] == pytest.approx(start_value, abs=0.01)
    # Markers sit at their moments on the timeline: x ∝ start / duration on the same lane.
    lane = answer.locator("svg.comment-lane")
    track = lane.locator("rect.track")
    left, width = float(track.get_attribute("x")), float(track.get_attribute("width"))
    for i, start in enumerate(starts):
        x = float(lane.locator(".comment-marker").nth(i).locator("rect").get_attribute("x"))
        assert x == pytest.approx(left + width * start / duration, abs=1.0)
    seeker.wait_for_function(
        f"() => document.querySelector('#answer-{answer_id} video').readyState >= 1", timeout=20000
    )
    # Clicking the second comment seeks the video there and marks the comment as playing.
    comments.nth(1).locator("button.comment-seek").click()
    _wait_video_at(seeker, answer_id, starts[1])
    seeker.wait_for_selector(f"#answer-{answer_id} li.comment.active")
    screenshot(seeker, "review-seeker-seeked-to-comment")
    # Clicking the first comment's marker on the timeline seeks there too.
    lane.locator(".comment-marker").first.click()
    _wait_video_at(seeker, answer_id, starts[0])
    assert abs(_video_time(seeker, answer_id) - starts[0]) < 0.3

    # One reply per comment thread.
    first = comments.nth(0)
    first.get_by_label("답글 쓰기 (코멘트마다 한 번)").fill("네, 결론부터 말하도록 연습하겠습니다.")
    with seeker.expect_navigation():
        first.get_by_role("button", name="답글 보내기").click()
    seeker.wait_for_selector(f"#answer-{answer_id} li.comment .comment-reply")
    assert seeker.locator(f"#answer-{answer_id} li.comment").nth(0).locator("form.reply-form").count() == 0
    screenshot(seeker, "review-seeker-feedback")
