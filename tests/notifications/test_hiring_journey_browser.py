"""The hiring journey in Chromium, on the real server (`untact serve`) pointed at the test SMTP
server (issue 13): the employer invites a recommended seeker to a live interview from the talent
card (no email typed); the invitation email arrives with its calendar entry; the seeker follows
its link and accepts; the card sits under 면접 예정 in the pipeline; both meet in the room; the
employer records 합격; and the seeker's applications page says so in plain words."""

from __future__ import annotations

import re
import uuid
from html import unescape

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from tests.careers.test_browser_journey import _log_in
from tests.conftest import screenshot
from tests.liveserver import free_port, start_live_server, stop_live_server
from tests.notifications.conftest import parts
from tests.room_views import frames_from, shows_test_card

pytestmark = [pytest.mark.browser, pytest.mark.media]


@pytest.fixture
def base(tmp_path, smtp_server):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_live_server(tmp_path / "live", {
        "UNTACT_SMTP_HOST": "127.0.0.1",
        "UNTACT_SMTP_PORT": str(smtp_server.port),
        "UNTACT_SMTP_FROM": "언택트 <no-reply@untact.test>",
        "UNTACT_SMTP_STARTTLS": "false",
        "UNTACT_PUBLIC_BASE_URL": url,
    }, port=port)
    yield url
    stop_live_server(server)


@pytest.mark.timeout(400)
def test_talent_card_invite_email_accept_pipeline_room_decision_and_the_seekers_status(
    base, smtp_server, launch_chromium
) -> None:
    browser = launch_chromium()
    tag = uuid.uuid4().hex[:6]
    name = f"박파이프{tag[:2]}"

    # A seeker with a public profile that fits the posting below.
    seeker = browser.new_page(locale="ko-KR", viewport={"width": 1280, "height": 900})
    seeker.goto(base + "/signup")
    seeker.get_by_label("구직자").check()
    seeker.get_by_label("이름").fill(name)
    seeker_email = f"pipeline-{tag}@example.kr"
    seeker.get_by_label("이메일").fill(seeker_email)
    seeker.get_by_label("비밀번호").fill("pipeline-password-1")
    seeker.get_by_role("button", name="가입하기").click()
    seeker.wait_for_url("**/dashboard")
    seeker.goto(base + "/profile")
    seeker.get_by_label("경영·사무").check()
    seeker.get_by_label("서울").check()
    seeker.get_by_label("보유 기술").fill(f"엑셀, 워드, 회계{tag}")
    seeker.get_by_label("경력 사항").fill("세무 사무소에서 2년 동안 장부 정리와 자료 입력을 했습니다.")
    seeker.get_by_label("기업이 내 프로필을 찾고 지원을 제안할 수 있도록 공개합니다.").check()
    seeker.get_by_test_id("save-profile").click()
    seeker.wait_for_url("**/recommendations")

    # The employer publishes a posting; its page lists recommended talent.
    employer = browser.new_page(locale="ko-KR", viewport={"width": 1280, "height": 900})
    _log_in(employer, base, "employer@demo.untact.kr", "demo-employer-1234")
    employer.goto(base + "/employer/postings/new")
    title = f"회계 사무 보조 {tag}"
    employer.get_by_label("공고 제목").fill(title)
    employer.get_by_label("직무 분야").select_option("office_admin")
    employer.get_by_label("지역").fill("서울 중구")
    employer.get_by_label("학력").select_option("high_school")
    employer.get_by_label("담당 업무").fill("장부 정리와 엑셀 자료 입력, 전화 응대를 맡습니다.")
    employer.get_by_label("필수 기술").fill(f"엑셀, 회계{tag}")
    employer.get_by_role("button", name="등록").click()
    employer.wait_for_url(re.compile(r".*/employer/postings/\d+$"))
    posting_id = int(employer.url.rstrip("/").rsplit("/", 1)[-1])

    # Before anyone contacts them, the seeker sits under 추천 in the posting's pipeline.
    employer.goto(f"{base}/employer/postings/{posting_id}/pipeline")
    recommended = employer.get_by_test_id("stage-recommended").locator("[data-testid=pipeline-card]", has_text=name)
    assert recommended.count() == 1
    screenshot(employer, "pipeline-0-recommended-desktop")
    employer.goto(f"{base}/employer/postings/{posting_id}")

    # 면접 초대 on the talent card: live, a time, a message; no email field anywhere.
    card = employer.get_by_test_id("talent").locator("li.talent-item", has_text=name)
    assert card.count() == 1
    invite = card.get_by_test_id("interview-invite")
    invite.locator("summary", has_text="면접 초대").click()
    assert invite.locator("input[type=email]").count() == 0 and invite.get_by_label("지원자에게 보내는 메시지 (지원자에게 보입니다)").is_visible()
    invite.get_by_label("화상 면접 (실시간)").check()
    invite.get_by_label("면접 일시").fill("2030-03-05T14:00")
    invite.get_by_label("지원자에게 보내는 메시지 (지원자에게 보입니다)").fill("화상으로 뵙겠습니다.")
    employer.set_viewport_size({"width": 390, "height": 844})  # the form fits a phone too
    invite.scroll_into_view_if_needed()
    assert employer.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
    screenshot(employer, "pipeline-talent-card-invite-phone")
    invite.get_by_role("button", name="초대 보내기").click()
    employer.wait_for_function(
        "(n) => [...document.querySelectorAll('li.talent-item')].some(li => li.textContent.includes(n)"
        " && li.textContent.includes('면접 예정'))",
        arg=name,
    )

    employer.set_viewport_size({"width": 1280, "height": 900})

    # The invitation reaches the seeker by email, with a calendar entry and a link to it.
    [mail] = smtp_server.wait_for(1, to=seeker_email, timeout_s=30)
    assert mail["Subject"] == "[언택트] 한빛소프트(데모) 화상 면접 초대 · 2030년 3월 5일 (화) 오후 2:00"
    [ics] = [a for a in parts(mail)["attachments"] if a.get_content_type() == "text/calendar"]
    assert str(Calendar.from_ical(ics.get_content())["METHOD"]) == "REQUEST"
    assert "화상으로 뵙겠습니다." in parts(mail)["text"]
    [link] = [unescape(h) for h in re.findall(r'href="([^"]+)" data-testid="email-action"', parts(mail)["html"])]
    invitation_id = int(re.fullmatch(rf"{re.escape(base)}/interviews/(\d+)", link).group(1))  # type: ignore[union-attr]

    # The seeker's applications page says the same in plain words; the email's link opens the
    # invitation, and they accept.
    seeker.goto(base + "/applications")
    row = seeker.get_by_test_id("applications").locator("tr", has_text=title)
    assert row.get_by_test_id("application-status").inner_text() == "면접 예정: 2030년 3월 5일 (화) 오후 2:00"
    seeker.goto(link)
    assert "화상으로 뵙겠습니다." in seeker.content()
    seeker.get_by_role("button", name="수락").click()
    seeker.wait_for_function("() => !!document.querySelector('a[href$=\"/room\"]')")

    # The employer's pipeline shows the card under 면접 예정, once.
    employer.goto(f"{base}/employer/postings/{posting_id}/pipeline")
    scheduled = employer.get_by_test_id("stage-interview_scheduled").locator("[data-testid=pipeline-card]", has_text=name)
    assert scheduled.count() == 1
    assert employer.locator("[data-testid=pipeline-card]", has_text=name).count() == 1
    assert "화상 면접 2030년 3월 5일 (화) 오후 2:00" in scheduled.inner_text()
    assert scheduled.get_by_role("link", name="면접·평가표 보기").is_visible()
    screenshot(employer, "pipeline-1-interview-scheduled-desktop")

    # The interview itself: the employer opens the room, admits the seeker from the lobby, and
    # each sees the other's camera; then both leave.
    room_url = f"{base}/interviews/{invitation_id}/room"
    employer.goto(room_url)
    employer.wait_for_selector("body[data-room-ready]")
    employer.get_by_role("button", name="카메라·마이크 켜고 입장").click()
    expect(employer.locator("#room-state")).to_have_attribute("data-state", "in_room")
    seeker.goto(room_url)
    seeker.wait_for_selector("body[data-room-ready]")
    seeker.get_by_role("button", name="카메라·마이크 켜고 입장").click()
    expect(seeker.locator("#room-state")).to_have_attribute("data-state", "lobby")
    employer.locator("#lobby-list li", has_text=name).get_by_role("button", name="입장 허가").click()
    expect(seeker.locator("#room-state")).to_have_attribute("data-state", "in_room")
    # The other person's camera decodes and shows Chromium's fake test card (green, not black).
    for page, other in ((employer, "candidate"), (seeker, "interviewer")):
        frames_from(page, role=other)
        shows_test_card(page)
    expect(employer.locator(".tile.remote:not([hidden]) .name")).to_have_text(name)
    screenshot(employer, "pipeline-1b-room-employer")
    for page in (seeker, employer):
        page.get_by_role("button", name="나가기").click()
        expect(page.locator("#controls")).to_be_hidden()
    employer.goto(f"{base}/employer/postings/{posting_id}/pipeline")
    scheduled = employer.get_by_test_id("stage-interview_scheduled").locator("[data-testid=pipeline-card]", has_text=name)
    assert scheduled.count() == 1

    # The employer records 합격, with an internal note kept to the company.
    scheduled.get_by_test_id("internal-notes").locator("summary").click()
    scheduled.get_by_label("메모 내용").fill(f"실무 경험 좋음 {tag}")
    scheduled.get_by_role("button", name="메모 저장").click()
    employer.wait_for_function("(t) => document.body.textContent.includes(t)", arg=f"실무 경험 좋음 {tag}")
    scheduled = employer.get_by_test_id("stage-interview_scheduled").locator("[data-testid=pipeline-card]", has_text=name)
    scheduled.get_by_label("결과").select_option("pass")
    scheduled.get_by_role("button", name="결과 기록").click()
    employer.wait_for_function(
        "(n) => [...document.querySelectorAll('[data-testid=stage-result] [data-testid=pipeline-card]')]"
        ".some(c => c.textContent.includes(n) && c.textContent.includes('합격'))",
        arg=name,
    )
    result = employer.get_by_test_id("stage-result").locator("[data-testid=pipeline-card]", has_text=name)
    assert result.get_by_test_id("outcome").inner_text() == "합격"
    assert result.get_by_role("button", name="입사 확정").is_visible()
    screenshot(employer, "pipeline-2-result-desktop")

    # The card's name opens the seeker's profile as the employer sees it, with the stage per posting.
    result.get_by_role("link", name=name).first.click()
    employer.wait_for_url(re.compile(r".*/employer/seekers/\d+$"))
    stages = employer.get_by_test_id("seeker-stages").locator("tr", has_text=title).inner_text()
    assert "결과 · 합격" in stages and "실시간 화상 면접" in stages
    assert "pipeline-" not in employer.get_by_test_id("seeker-profile").inner_text()  # no email shown
    screenshot(employer, "pipeline-5-seeker-profile-desktop")
    employer.goto(f"{base}/employer/postings/{posting_id}/pipeline")
    employer.set_viewport_size({"width": 390, "height": 844})
    employer.reload()
    employer.wait_for_selector("[data-testid=stage-result]")
    overflow = employer.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the phone"
    screenshot(employer, "pipeline-3-result-phone")

    # The seeker reads the result in plain words, and never the internal note.
    seeker.goto(base + "/applications")
    row = seeker.get_by_test_id("applications").locator("tr", has_text=title)
    assert row.get_by_test_id("application-status").inner_text() == "결과 안내: 합격"
    assert f"실무 경험 좋음 {tag}" not in seeker.content()
    seeker.set_viewport_size({"width": 390, "height": 844})
    screenshot(seeker, "pipeline-4-seeker-applications-phone")
