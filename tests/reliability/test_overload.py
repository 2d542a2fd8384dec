"""Overload: 8 seekers start a practice answer at the same moment on this 2-core machine.

Every answer the node accepts is recorded whole: no hole in its video or audio timestamps
beyond one frame, every video packet decodes, not flagged partial, and a report follows. The
answers it cannot take get a typed, retryable `server_busy` with a wait before anything is
recorded, and one of them, asked again once the others are done, is accepted. Nothing here
depends on how fast the machine is: only on what the recordings hold and which messages came.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from tests.liveserver import start_live_server, stop_live_server
from tests.reliability.live_seeker import Seeker, answer_media, answer_once, check_recording, recording_path

pytestmark = [pytest.mark.media, pytest.mark.model, pytest.mark.timeout(900)]

SEEKERS = 8
ANSWER_S = 15.0
FRAME_S = 1 / 15
IN_FLIGHT_FRAMES = 3  # aiortc's jitter buffer holds the last frame until the next begins


def test_eight_simultaneous_answers_are_recorded_whole_or_told_to_wait(tmp_path: Path) -> None:
    media = answer_media(ANSWER_S)
    server = start_live_server(tmp_path / "server")
    try:
        seekers = [Seeker(server.base_url) for _ in range(SEEKERS)]

        async def everyone() -> list:  # type: ignore[type-arg]
            go = asyncio.Event()
            connected: list[int] = []
            tasks = [
                asyncio.ensure_future(answer_once(s, media, ANSWER_S, go=go, connected_peers=connected))
                for s in seekers
            ]
            deadline = time.monotonic() + 180
            while len(connected) < SEEKERS and not any(t.done() for t in tasks):
                assert time.monotonic() < deadline, "the seekers' peers did not connect"
                await asyncio.sleep(0.2)
            go.set()
            return list(await asyncio.gather(*tasks))

        outcomes = asyncio.run(everyone())
        accepted = [o for o in outcomes if o.accepted]
        refused = [o for o in outcomes if not o.accepted]
        assert accepted, outcomes
        assert len(accepted) + len(refused) == SEEKERS
        for outcome in refused:
            busy = outcome.busy
            assert busy is not None, outcome  # refused only for being busy, with a typed message
            assert busy["code"] == "server_busy" and busy["retryable"] is True
            assert isinstance(busy["retry_after_s"], int) and busy["retry_after_s"] > 0
            assert busy["message"]
        for seeker, outcome in zip(seekers, outcomes, strict=True):
            if not outcome.accepted:
                continue
            assert outcome.answer_id is not None and outcome.stopped is not None
            assert outcome.stopped["partial"] is False, outcome
            check = check_recording(recording_path(server.data_dir, outcome.answer_id))
            # Recorded whole: nothing lost inside (the media timestamps have no hole wider than a
            # frame), every frame decodes, and it holds every frame the client sent from its
            # first key frame of the answer to the stop. (A client starved of CPU sends less
            # than the answer's length: that is not the server's loss, so the comparison is with
            # what it sent.)
            assert check.lost_video_s <= 2 * FRAME_S and check.lost_audio_s <= 0.04, (outcome.answer_id, check)
            assert check.rejected_packets == 0 and check.decoded_frames == check.video_packets, check
            assert check.video_packets >= outcome.client_sent_frames - IN_FLIGHT_FRAMES, (check, outcome)
            assert check.video_span_s >= (check.video_packets - 1) * FRAME_S - 0.01, check
            # Analysed live (report on the socket) or, past the live-analysis slots, from the file.
            assert outcome.report_ready or outcome.analysis_delayed, outcome
            assert seeker.wait_analysed(outcome.session_id, outcome.answer_id)["status"] == "ready", outcome

        if refused:
            # Told to wait, asked again: now there is room.
            retry_seeker = seekers[outcomes.index(refused[0])]
            again = asyncio.run(answer_once(retry_seeker, media, 3.0))
            assert again.accepted and (again.report_ready or again.analysis_delayed), again
            assert again.answer_id is not None
            check = check_recording(recording_path(server.data_dir, again.answer_id))
            assert check.rejected_packets == 0 and check.lost_video_s <= 2 * FRAME_S
        for seeker in seekers:
            seeker.close()
    finally:
        stop_live_server(server)


def test_capacity_counts_answers_and_live_analyses_and_releases_each_once() -> None:
    from server.answers.capacity import LiveCapacity

    capacity = LiveCapacity(max_live_answers=2, max_live_analyses=1, retry_after_s=7)
    try:
        first, second = capacity.try_admit(), capacity.try_admit()
        assert first is not None and second is not None
        assert capacity.try_admit() is None  # full: the caller sends server_busy
        assert first.take_analysis() is True and second.take_analysis() is False
        first.release_recording()  # recorded; its analysis still runs
        third = capacity.try_admit()
        assert third is not None and third.take_analysis() is False
        first.release()
        first.release()  # idempotent: counts never go below what is really in use
        assert third.take_analysis() is True
        second.release()
        third.release()
        snap = capacity.snapshot()
        assert (snap.live_answers, snap.live_analyses, snap.refused_busy) == (0, 0, 1)
    finally:
        capacity.close()


@pytest.mark.browser
@pytest.mark.timeout(600)
def test_the_practice_page_shows_the_wait_and_starts_the_answer_once_there_is_room(
    tmp_path: Path, launch_chromium
) -> None:  # type: ignore[no-untyped-def]
    import threading

    from tests import mediakit
    from tests.conftest import login_in_browser
    from tests.practice.test_practice_browser import (
        _create_session_in_ui,
        _new_seeker,
        _pass_device_check_and_consent,
    )

    server = start_live_server(
        tmp_path / "server", extra_env={"UNTACT_MAX_LIVE_ANSWERS": "1", "UNTACT_LIVE_BUSY_RETRY_S": "2"}
    )
    occupant = Seeker(server.base_url)
    hold = threading.Event()
    occupied: list[object] = []

    def occupy() -> None:
        occupied.append(asyncio.run(answer_once(occupant, answer_media(4.0), 0, hold=hold, wait_report=False)))

    media = answer_media(4.0)
    worker = threading.Thread(target=occupy, daemon=True)
    try:
        worker.start()
        deadline = time.monotonic() + 60
        while server.data_dir.joinpath("recordings").exists() is False or not list(
            server.data_dir.joinpath("recordings").rglob("*.webm")
        ):
            assert time.monotonic() < deadline and worker.is_alive(), "the first answer did not start"
            time.sleep(0.2)
        video = mediakit.face_video("facing", seconds=6, fps=15, fmt="y4m")
        browser = launch_chromium(video=video, audio=media[1])
        page = browser.new_page()
        email = f"busy-{time.time_ns()}@example.kr"
        _new_seeker(server.base_url, email)
        login_in_browser(page, server.base_url, email, "practice-pass-1")
        _create_session_in_ui(page, server.base_url, answer_limit_s=60)
        _pass_device_check_and_consent(page)
        page.get_by_role("button", name="바로 답변 시작").click()
        # The node is full: the page says so in Korean, with the wait, and does not record.
        page.wait_for_function(
            "() => document.getElementById('answer-status').dataset.state === 'waiting'", timeout=30000
        )
        assert "지금 답변하는 사람이 많습니다" in page.locator("#answer-status").inner_text()
        assert page.locator("#rec-indicator").is_hidden()
        hold.set()  # the other answer ends; the page's next try gets the room
        page.wait_for_selector("#rec-indicator:not([hidden])", timeout=60000)
        time.sleep(3)
        page.get_by_role("button", name="답변 마치기").click()
        page.wait_for_function(
            "() => ['ready', 'analyzing', 'delayed'].includes(document.getElementById('answer-status').dataset.state)",
            timeout=60000,
        )
        worker.join(60)
        assert occupied and getattr(occupied[0], "accepted", False)
        recordings = sorted(server.data_dir.joinpath("recordings").rglob("*.webm"))
        assert len(recordings) == 2  # the refused try left no file and no answer behind
        for path in recordings:
            frames, rejected = mediakit.decodable_video_frames(path)
            assert frames > 20 and rejected == 0, (path, frames, rejected)
    finally:
        hold.set()
        occupant.close()
        stop_live_server(server)
