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
            # Recorded whole: nothing lost inside, every frame decodes, and it spans the answer
            # (less the wait for the first key frame and the last frame still in flight).
            assert check.lost_video_s <= 2 * FRAME_S and check.lost_audio_s <= 0.04, (outcome.answer_id, check)
            assert check.rejected_packets == 0 and check.decoded_frames == check.video_packets, check
            assert check.video_span_s >= outcome.stopped["duration_s"] - 1.0, (check, outcome.stopped)
            assert outcome.stopped["duration_s"] >= ANSWER_S - 1.0, outcome.stopped
            assert outcome.report_ready, outcome
            assert seeker.answer_summary(outcome.session_id, outcome.answer_id)["status"] == "ready"

        if refused:
            # Told to wait, asked again: now there is room.
            retry_seeker = seekers[outcomes.index(refused[0])]
            again = asyncio.run(answer_once(retry_seeker, media, 3.0))
            assert again.accepted and again.report_ready, again
            assert again.answer_id is not None
            check = check_recording(recording_path(server.data_dir, again.answer_id))
            assert check.rejected_packets == 0 and check.lost_video_s <= 2 * FRAME_S
        for seeker in seekers:
            seeker.close()
    finally:
        stop_live_server(server)
