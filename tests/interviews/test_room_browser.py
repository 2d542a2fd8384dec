"""A live interview room with two Chromium browsers (employer and seeker, each with its own fake
camera): lobby and admission, each side decodes the other's video, chat, screen sharing, live
captions and recording only after the seeker's consent (recordings are playable files); a third
browser without a valid token is refused."""

from __future__ import annotations

import time

import httpx
import pytest
from playwright.sync_api import expect

from tests import mediakit
from tests.conftest import login_in_browser, screenshot
from tests.room_views import frames_from, shows_test_card

pytestmark = [pytest.mark.browser, pytest.mark.media]

KOREAN_SPEECH = "안녕하세요. 저는 데이터 분석 업무를 오 년 동안 했습니다. 고객 데이터를 정리하고 보고서를 만들었습니다."


def _client(base_url: str, email: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=30)
    client.get("/login")
    assert client.post("/api/auth/login", json={"email": email, "password": password},
                       headers={"X-CSRF-Token": client.cookies["untact_csrf"]}).status_code == 200
    return client


def _post(client: httpx.Client, url: str, body: dict | None = None) -> dict:
    response = client.post(url, json=body, headers={"X-CSRF-Token": client.cookies["untact_csrf"]})
    assert response.status_code in (200, 201), response.text
    return response.json()


@pytest.mark.timeout(600)
def test_two_browsers_meet_in_a_room_with_lobby_chat_and_consented_recording(live_server, launch_chromium) -> None:
    base = live_server.base_url
    seeker_email = f"room-{time.time_ns()}@example.kr"
    with httpx.Client(base_url=base) as anon:
        anon.get("/login")
        assert anon.post("/api/auth/signup", json={"email": seeker_email, "password": "room-pass-12",
                         "display_name": "박지원", "role": "seeker"},
                         headers={"X-CSRF-Token": anon.cookies["untact_csrf"]}).status_code == 201
    employer = _client(base, "employer@demo.untact.kr", "demo-employer-1234")
    invitation = _post(employer, "/api/interviews/invitations", {
        "seeker_email": seeker_email, "kind": "live", "scheduled_at": "2030-05-01T10:00:00", "title": "데이터 분석가"})
    seeker = _client(base, seeker_email, "room-pass-12")
    _post(seeker, f"/api/interviews/invitations/{invitation['id']}/respond", {"action": "accept"})
    room_url = f"{base}/interviews/{invitation['id']}/room"

    employer_page = launch_chromium(video=mediakit.face_video("facing", seconds=4, fmt="y4m")).new_page(
        viewport={"width": 1280, "height": 900})
    # The seeker speaks Korean (espeak's Korean voice is poor: captions are checked for Hangul
    # text arriving, not for accuracy).
    speech = mediakit.speech_wav(KOREAN_SPEECH, voice="ko", words_per_minute=140)
    seeker_page = launch_chromium(video=mediakit.face_video("away", seconds=4, fmt="y4m"), audio=speech.path).new_page(
        viewport={"width": 1280, "height": 900})
    login_in_browser(employer_page, base, "employer@demo.untact.kr", "demo-employer-1234")
    login_in_browser(seeker_page, base, seeker_email, "room-pass-12")

    employer_page.goto(room_url)
    employer_page.wait_for_selector("body[data-room-ready]")
    employer_page.get_by_role("button", name="카메라·마이크 켜고 입장").click()
    expect(employer_page.locator("#room-state")).to_have_attribute("data-state", "in_room")

    # The seeker waits in the lobby (no consent yet); the interviewer sees them and lets them in.
    seeker_page.goto(room_url)
    seeker_page.wait_for_selector("body[data-room-ready]")
    seeker_page.get_by_role("button", name="카메라·마이크 켜고 입장").click()
    expect(seeker_page.locator("#room-state")).to_have_attribute("data-state", "lobby")
    expect(seeker_page.locator("#lobby-status")).to_contain_text("대기실에서 기다리는 중")
    waiting = employer_page.locator("#lobby-list li", has_text="박지원")
    expect(waiting).to_contain_text("녹화 동의 안 함")
    waiting.get_by_role("button", name="입장 허가").click()
    expect(seeker_page.locator("#room-state")).to_have_attribute("data-state", "in_room")
    expect(employer_page.locator("#lobby-list")).to_contain_text("기다리는 사람이 없습니다")

    # Each side decodes the other's camera, forwarded by the server.
    frames_from(employer_page, role="candidate")
    frames_from(seeker_page, role="interviewer")
    expect(employer_page.locator(".tile.remote:not([hidden]) .name")).to_have_text("박지원")

    # Chat both ways.
    seeker_page.get_by_label("메시지").fill("안녕하세요, 잘 들립니다.")
    seeker_page.get_by_role("button", name="보내기").click()
    expect(employer_page.locator("#chat-log")).to_contain_text("박지원: 안녕하세요, 잘 들립니다.")
    employer_page.get_by_label("메시지").fill("반갑습니다. 시작하겠습니다.")
    employer_page.get_by_role("button", name="보내기").click()
    expect(seeker_page.locator("#chat-log")).to_contain_text("반갑습니다. 시작하겠습니다.")

    # The seeker shares their screen (Chromium's fake capture); the interviewer decodes it in a
    # wide tile of its own, next to the seeker's camera. Stopping gives the slot back.
    seeker_page.get_by_role("button", name="화면 공유").click()
    expect(seeker_page.locator("#tile-screen-local")).to_be_visible()
    screen_tile = employer_page.locator('.tile.remote.screen-share:not([hidden])')
    expect(screen_tile.locator(".name")).to_have_text("박지원님의 화면")
    frames_from(employer_page, at_least=10, source="screen")
    expect(employer_page.locator(".tile.remote:not([hidden])")).to_have_count(2)
    # What arrives is the shared screen itself: Chromium's fake capture is a green test card.
    shows_test_card(employer_page, ".tile.remote.screen-share:not([hidden]) video", size=(160, 90))
    screenshot(employer_page, "interview-room-screen-share-ko")
    screenshot(seeker_page, "interview-room-screen-share-seeker-ko")
    seeker_page.get_by_role("button", name="화면 공유 중지").click()
    expect(screen_tile).to_have_count(0)
    expect(employer_page.locator(".tile.remote:not([hidden])")).to_have_count(1)

    # Captions need the seeker's consent first.
    employer_page.get_by_role("button", name="자막 켜기").click()
    expect(employer_page.locator("#room-error")).to_contain_text("동의한 경우에만")

    # Recording is refused until the seeker consents; then both see the indicator.
    employer_page.get_by_role("button", name="녹화 시작").click()
    expect(employer_page.locator("#room-error")).to_contain_text("동의")
    assert employer_page.locator("#rec-indicator").is_hidden()
    seeker_page.get_by_label("면접 녹화와 실시간 자막에 동의합니다(선택)").check()
    seeker_page.wait_for_function("() => window.roomState.consent === true")

    # Live captions: the seeker is told, and the interviewer reads Hangul a few seconds behind.
    employer_page.get_by_role("button", name="자막 켜기").click()
    expect(seeker_page.locator("#captions-notice")).to_be_visible()
    expect(employer_page.get_by_role("button", name="자막 끄기")).to_be_visible()
    employer_page.wait_for_function(
        """() => [...document.querySelectorAll("#captions-log li")].some((li) => /[가-힣]/.test(li.textContent))""",
        timeout=90000)
    assert seeker_page.locator("#captions-log").count() == 0  # the candidate gets no transcript
    employer_page.get_by_role("button", name="녹화 시작").click()
    expect(employer_page.locator("#rec-indicator")).to_be_visible()
    expect(seeker_page.locator("#rec-indicator")).to_be_visible()

    # The interviewer's private notes save while the call runs.
    employer_page.get_by_role("textbox", name="비공개 메모").fill("데이터 파이프라인 경험이 구체적임")
    expect(employer_page.locator("#scorecard-saved")).to_contain_text("저장됨")
    time.sleep(4)  # a few seconds of recording, and a quality report
    expect(employer_page.locator(".tile.remote:not([hidden]) .quality")).not_to_have_attribute("data-level", "unknown")
    screenshot(employer_page, "interview-room-employer-ko")
    employer_page.get_by_role("button", name="자막 끄기").click()
    expect(seeker_page.locator("#captions-notice")).to_be_hidden()
    screenshot(seeker_page, "interview-room-seeker-ko")
    employer_page.get_by_role("button", name="녹화 중지").click()
    expect(seeker_page.locator("#rec-indicator")).to_be_hidden()

    # A third browser: no valid token for this room means no entry (the socket is refused).
    stranger_email = f"stranger-{time.time_ns()}@example.kr"
    with httpx.Client(base_url=base) as anon:
        anon.get("/login")
        anon.post("/api/auth/signup", json={"email": stranger_email, "password": "room-pass-12",
                  "display_name": "낯선사람", "role": "seeker"}, headers={"X-CSRF-Token": anon.cookies["untact_csrf"]})
    other = _post(employer, "/api/interviews/invitations", {
        "seeker_email": stranger_email, "kind": "live", "scheduled_at": "2030-05-02T10:00:00"})
    stranger = _client(base, stranger_email, "room-pass-12")
    _post(stranger, f"/api/interviews/invitations/{other['id']}/respond", {"action": "accept"})
    third = launch_chromium().new_page()
    login_in_browser(third, base, stranger_email, "room-pass-12")
    third.goto(f"{base}/interviews/{other['id']}/room")  # their own room's page, to get a same-origin context
    own_token = third.evaluate(
        f"""async () => (await (await fetch("/api/interviews/invitations/{other['id']}/room-token", {{method: "POST",
             headers: {{"X-CSRF-Token": document.querySelector('meta[name=csrf-token]').content}}}})).json()).token""")
    outcomes = third.evaluate(
        """async ([roomId, token]) => {
          const attempt = (query) => new Promise((resolve) => {
            const ws = new WebSocket(`ws://${location.host}/ws/interviews/${roomId}/room${query}`);
            ws.onmessage = () => resolve("got a message");
            ws.onclose = (e) => resolve(`closed ${e.code}`);
          });
          return [await attempt(""), await attempt(`?token=${encodeURIComponent(token)}`)];
        }""",
        [invitation["id"], own_token],
    )
    assert outcomes == ["closed 1006", "closed 1006"]  # refused during the handshake: never opened
    assert third.request.get(room_url).status == 404
    expect(employer_page.locator("#lobby-list")).to_contain_text("기다리는 사람이 없습니다")

    # The recordings: one file per participant, reopened with PyAV.
    files = sorted((live_server.data_dir / "recordings" / "interviews").rglob("room-*.webm"))
    mine = [f for f in files if f.parent.name == str(invitation["id"])]
    assert len(mine) == 2, files
    for path in mine:
        frames, rejected = mediakit.decodable_video_frames(path)
        assert frames > 30 and rejected == 0, (path, frames, rejected)

    seeker_page.get_by_role("button", name="나가기").click()
    expect(employer_page.locator(".tile.remote:not([hidden])")).to_have_count(0)
