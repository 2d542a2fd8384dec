"""A real headless Chromium sends its fake camera to our peer, which records it."""

from __future__ import annotations

import asyncio
import functools
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import av
import pytest
from media_testkit import wait_for

from media import AnswerRecorder, PeerSession

pytestmark = [
    pytest.mark.media,
    pytest.mark.browser,
    pytest.mark.asyncio,
    pytest.mark.timeout(120),
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium"),
]

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]

PAGE = """<!doctype html><meta charset="utf-8"><title>media test</title>
<video id="me" autoplay muted playsinline></video>
<script>
window.candidates = [];
window.nudges = [];
window.startCall = async () => {
  const stream = await navigator.mediaDevices.getUserMedia(
    {video: {width: 640, height: 480, frameRate: 30}, audio: true});
  document.getElementById("me").srcObject = stream;
  const pc = new RTCPeerConnection({iceServers: []});
  window.pc = pc;
  stream.getTracks().forEach((t) => pc.addTrack(t, stream));
  const channel = pc.createDataChannel("nudges");
  channel.onmessage = (e) => window.nudges.push(JSON.parse(e.data));
  pc.onicecandidate = (e) => { if (e.candidate) window.candidates.push(e.candidate.toJSON()); };
  await pc.setLocalDescription(await pc.createOffer());
  return pc.localDescription.sdp;
};
window.acceptAnswer = async (sdp) => { await window.pc.setRemoteDescription({type: "answer", sdp}); };
// Live room: publish the camera and offer receive-only slots for the others.
window.joinRoom = async (slots) => {
  const stream = await navigator.mediaDevices.getUserMedia({video: {width: 320, height: 240}, audio: true});
  const pc = new RTCPeerConnection({iceServers: [], bundlePolicy: "max-bundle"});
  window.pc = pc;
  stream.getTracks().forEach((t) => pc.addTrack(t, stream));
  for (let i = 0; i < slots; i++) {
    pc.addTransceiver("video", {direction: "recvonly"});
    pc.addTransceiver("audio", {direction: "recvonly"});
  }
  pc.ontrack = (e) => {
    if (e.track.kind !== "video") return;
    const v = document.createElement("video");
    v.autoplay = true; v.muted = true; v.playsInline = true; v.dataset.mid = e.transceiver.mid;
    v.srcObject = new MediaStream([e.track]);
    document.body.appendChild(v);
  };
  pc.onicecandidate = (e) => { if (e.candidate) window.candidates.push(e.candidate.toJSON()); };
  await pc.setLocalDescription(await pc.createOffer());
  return pc.localDescription.sdp;
};
window.framesDecodedByMid = async () => {
  const out = {};
  const stats = await window.pc.getStats();
  stats.forEach((s) => { if (s.type === "inbound-rtp" && s.kind === "video") out[s.mid] = s.framesDecoded; });
  return out;
};
</script>"""


@pytest.fixture
def page_url(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "call.html").write_text(PAGE, encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a: None  # type: ignore[assignment]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/call.html"
    server.shutdown()
    server.server_close()


@pytest.fixture
def fake_camera(tmp_path: Path) -> Path:
    from tests import mediakit

    return mediakit.face_video("facing", seconds=2.0, fps=30, size=(640, 480), fmt="y4m")


async def test_chromium_camera_is_recorded_to_playable_webm(
    tmp_path: Path, page_url: str, fake_camera: Path
) -> None:
    from playwright.async_api import async_playwright

    peer = PeerSession(peer_id="chromium")
    peer.start()
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[*CHROMIUM_FLAGS, f"--use-file-for-fake-video-capture={fake_camera}"],
        )
        try:
            page = await browser.new_page()
            await page.goto(page_url)
            offer = await page.evaluate("window.startCall()")
            answer = await peer.accept_offer(offer)
            await page.evaluate("(sdp) => window.acceptAnswer(sdp)", answer)

            # Trickle the browser's candidates as a signalling socket would.
            sent = 0

            async def trickle() -> None:
                nonlocal sent
                candidates = await page.evaluate("window.candidates")
                for candidate in candidates[sent:]:
                    await peer.add_remote_candidate(candidate)
                sent = len(candidates)

            for _ in range(100):
                await trickle()
                if peer.state == "connected":
                    break
                await asyncio.sleep(0.1)
            assert peer.state == "connected", f"ICE did not connect ({sent} candidates)"
            await wait_for(lambda: all(t.tap.frames_seen > 10 for t in peer.tracks), 15, "browser media")

            recorder = AnswerRecorder(peer, tmp_path / "browser.webm", recording_id="browser-1")
            started = time.monotonic()
            recorder.start()
            await asyncio.sleep(3.0)
            ref = await recorder.stop()
            elapsed = time.monotonic() - started

            await wait_for(lambda: peer.send_json({"type": "nudge", "code": "slow_down"}), 5, "channel")
            await page.wait_for_function("() => window.nudges.length > 0", timeout=5000)
            assert await page.evaluate("window.nudges[0].code") == "slow_down"
        finally:
            await browser.close()
            await peer.close()

    assert not ref.partial
    assert 2.5 <= ref.duration_s <= elapsed + 0.2
    with av.open(str(ref.path)) as container:
        frames = list(container.decode(video=0))
    with av.open(str(ref.path)) as container:
        audio_s = sum(f.samples for f in container.decode(audio=0)) / 48000
    assert len(frames) >= 45  # Chromium may lower the frame rate under load
    assert frames[0].key_frame
    assert (frames[0].width, frames[0].height) == (640, 480)
    assert audio_s >= 2.3


async def test_two_chromium_participants_see_each_other_through_the_room(
    tmp_path: Path, page_url: str, fake_camera: Path
) -> None:
    from playwright.async_api import async_playwright

    from media import Room

    room = Room("browser-room")
    room.start()
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[*CHROMIUM_FLAGS, f"--use-file-for-fake-video-capture={fake_camera}"],
        )
        try:
            pages = {}
            for name in ("employer", "seeker"):
                page = await browser.new_page()
                await page.goto(page_url)
                offer = await page.evaluate("window.joinRoom(1)")
                answer = await room.join(name, PeerSession(peer_id=name, decode_video=False), offer)
                await page.evaluate("(sdp) => window.acceptAnswer(sdp)", answer)
                for candidate in await page.evaluate("window.candidates"):
                    await room._participants[name].peer.add_remote_candidate(candidate)
                pages[name] = page

            for name, page in pages.items():
                other = "seeker" if name == "employer" else "employer"
                mid = next(a.mid for a in room.assignments(name) if a.kind == "video")
                assert next(a.publisher_id for a in room.assignments(name) if a.kind == "video") == other
                await page.wait_for_function(
                    "async (mid) => ((await window.framesDecodedByMid())[mid] || 0) > 30",
                    arg=mid,
                    timeout=20000,
                )
            await pages["seeker"].screenshot(path=str(tmp_path / "room-seeker.png"))
            quality = await room.connection_quality("seeker")
            assert quality.participant_id == "seeker"
        finally:
            await browser.close()
            await room.close()


async def test_closing_the_browser_mid_answer_leaves_a_partial_playable_recording(
    tmp_path: Path, page_url: str, fake_camera: Path
) -> None:
    from playwright.async_api import async_playwright

    from media import RecordingRef

    peer = PeerSession(peer_id="leaver")
    peer.start()
    finished: list[RecordingRef] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[*CHROMIUM_FLAGS, f"--use-file-for-fake-video-capture={fake_camera}"],
        )
        try:
            page = await browser.new_page()
            await page.goto(page_url)
            answer = await peer.accept_offer(await page.evaluate("window.startCall()"))
            await page.evaluate("(sdp) => window.acceptAnswer(sdp)", answer)
            for candidate in await page.evaluate("window.candidates"):
                await peer.add_remote_candidate(candidate)
            await wait_for(lambda: all(t.tap.frames_seen > 10 for t in peer.tracks), 20, "browser media")
            recorder = AnswerRecorder(
                peer, tmp_path / "left.webm", recording_id="left", on_recording_finished=finished.append
            )
            started = time.monotonic()
            recorder.start()
            await asyncio.sleep(2.0)
            elapsed = time.monotonic() - started
        finally:
            await browser.close()  # the seeker closes the browser mid-answer
        # A killed browser sends no BYE: the recorder's 6 s stall watchdog ends it.
        await wait_for(lambda: finished, 20, "the recording to end on its own")
    await peer.close()
    ref = finished[0]
    assert ref.partial and ref.end_reason != "stopped"
    assert 1.5 <= ref.duration_s <= elapsed + 1.0  # + frames in flight while closing
    with av.open(str(ref.path)) as container:
        frames = list(container.decode(video=0))
    assert frames[0].key_frame and len(frames) >= 30


async def test_recorded_answer_plays_and_seeks_in_chromium(
    tmp_path: Path, page_url: str, frames_640: list
) -> None:
    """The report page plays each answer and jumps to markers: the WebM must be seekable."""
    from aiortc import RTCPeerConnection
    from media_testkit import LoopVideoTrack, ToneAudioTrack, complete, offer_from
    from playwright.async_api import async_playwright

    client = RTCPeerConnection()
    client.addTrack(LoopVideoTrack(frames_640))
    client.addTrack(ToneAudioTrack())
    peer = PeerSession(peer_id="playback")
    peer.start()
    await complete(client, await peer.accept_offer(await offer_from(client)))
    await wait_for(lambda: all(t.tap.frames_seen > 5 for t in peer.tracks), 15, "media")
    recorder = AnswerRecorder(peer, tmp_path / "answer.webm", recording_id="playback")
    recorder.start()
    await asyncio.sleep(3.0)
    ref = await recorder.stop()
    await peer.close()
    await client.close()

    # A blob URL, because this tiny test server has no HTTP Range support (the app's must).
    (tmp_path / "play.html").write_text(
        '<video id="v" muted preload="auto"></video><script>'
        'fetch("answer.webm").then((r) => r.blob()).then((b) => {'
        'document.getElementById("v").src = URL.createObjectURL(b); });</script>'
    )
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        try:
            page = await browser.new_page()
            await page.goto(page_url.replace("call.html", "play.html"))
            await page.wait_for_function("() => document.getElementById('v').readyState >= 1", timeout=10000)
            duration = await page.evaluate("document.getElementById('v').duration")
            assert abs(duration - ref.duration_s) < 0.5, (duration, ref)
            await page.evaluate("document.getElementById('v').currentTime = 2.0")
            await page.wait_for_function(
                "(() => { const v = document.getElementById('v'); return !v.seeking && v.readyState >= 2; })()",
                timeout=10000,
            )
            state = await page.evaluate(
                "(() => { const v = document.getElementById('v');"
                " return [v.currentTime, v.videoWidth, v.error && v.error.code]; })()"
            )
            assert abs(state[0] - 2.0) < 0.1 and state[1] == 640 and state[2] is None, state
        finally:
            await browser.close()
