"""Answer recording over a real aiortc loopback connection."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import av
import numpy as np
import pytest
from aiortc import RTCPeerConnection
from media_testkit import LoopVideoTrack, ToneAudioTrack, complete, offer_from, wait_for

from media import AnswerRecorder, PeerSession, RecordingRef

pytestmark = [pytest.mark.media, pytest.mark.timeout(60)]


class CollectingConsumer:
    """Stands in for analysis' incremental API, keeping what it was fed."""

    def __init__(self) -> None:
        self.video: list[tuple[np.ndarray, float]] = []
        self.audio: list[np.ndarray] = []
        self.sample_rates: set[int] = set()

    def feed_audio(self, samples: np.ndarray, sample_rate: int) -> None:
        self.audio.append(samples)
        self.sample_rates.add(sample_rate)

    def feed_video_frame(self, frame_bgr: np.ndarray, timestamp_s: float) -> None:
        self.video.append((frame_bgr, timestamp_s))


async def connected_pair(frames: list[np.ndarray]) -> tuple[RTCPeerConnection, PeerSession, LoopVideoTrack]:
    client = RTCPeerConnection()
    video = LoopVideoTrack(frames)
    client.addTrack(video)
    client.addTrack(ToneAudioTrack())
    peer = PeerSession(peer_id="seeker-1")
    peer.start()
    await complete(client, await peer.accept_offer(await offer_from(client)))
    await wait_for(lambda: all(t.tap.frames_seen > 5 for t in peer.tracks), what="media to flow")
    return client, peer, video


def probe(path: Path) -> dict[str, float]:
    with av.open(str(path)) as container:
        video_packets = [p for p in container.demux(video=0) if p.size]
    with av.open(str(path)) as container:
        frames = list(container.decode(video=0))
    with av.open(str(path)) as container:
        audio_frames = list(container.decode(audio=0))
    last_s = max(float(p.pts * p.time_base) for p in video_packets)
    return {
        "video_frames": len(frames),
        "first_is_key": float(video_packets[0].is_keyframe),
        "last_video_s": last_s,
        "audio_s": sum(f.samples for f in audio_frames) / 48000,
        "width": frames[0].width,
        "height": frames[0].height,
    }


async def test_records_answer_as_playable_webm_and_feeds_analysis(
    tmp_path: Path, frames_640: list[np.ndarray]
) -> None:
    client, peer, _ = await connected_pair(frames_640)
    finished: list[RecordingRef] = []
    consumer = CollectingConsumer()
    recorder = AnswerRecorder(
        peer,
        tmp_path / "answer-1.webm",
        recording_id="answer-1",
        consumer=consumer,
        on_recording_finished=finished.append,
    )
    started = time.monotonic()
    recorder.start()
    await asyncio.sleep(3.0)
    ref = await recorder.stop()
    elapsed = time.monotonic() - started  # > 3 s when the machine is busy
    assert await recorder.stop() is ref  # idempotent
    await peer.close()
    await client.close()

    assert finished == [ref]
    assert not ref.partial and ref.end_reason == "stopped"
    assert 2.5 <= ref.duration_s <= elapsed + 0.2
    info = probe(ref.path)
    assert info["first_is_key"] == 1.0
    assert (info["width"], info["height"]) == (640, 480)
    # 3 s at 30 fps; aiortc's sender paces loosely, so allow some slack.
    # 30 fps; aiortc's sender paces loosely, so allow some slack.
    assert 20 * ref.duration_s <= info["video_frames"] <= 33 * elapsed
    assert 2.3 <= info["last_video_s"] <= elapsed
    assert 2.3 <= info["audio_s"] <= elapsed + 0.1

    # ~5 sampled frames a second, BGR, in order, on the recording's clock.
    stamps = [t for _, t in consumer.video]
    assert 4 * ref.duration_s - 3 <= len(stamps) <= 5 * elapsed + 2
    assert stamps == sorted(stamps) and stamps[-1] <= ref.duration_s + 0.1
    assert consumer.video[0][0].shape == (480, 640, 3)
    assert consumer.sample_rates == {16000}
    audio = np.concatenate(consumer.audio)
    assert 2.3 * 16000 <= len(audio) <= (elapsed + 0.1) * 16000
    assert audio.dtype == np.float32 and 0.1 < float(np.abs(audio).max()) <= 1.0


async def test_recording_started_mid_stream_begins_with_a_keyframe(
    tmp_path: Path, frames_640: list[np.ndarray]
) -> None:
    # aiortc's encoder only sends key frames on request, so this needs our PLI.
    client, peer, _ = await connected_pair(frames_640)
    await asyncio.sleep(1.5)
    recorder = AnswerRecorder(peer, tmp_path / "late.webm", recording_id="late")
    started = time.monotonic()
    recorder.start()
    await asyncio.sleep(1.5)
    ref = await recorder.stop()
    elapsed = time.monotonic() - started
    await peer.close()
    await client.close()
    info = probe(ref.path)
    assert info["first_is_key"] == 1.0
    assert info["video_frames"] >= 25
    assert info["last_video_s"] <= elapsed  # nothing from before the answer started


async def test_two_answers_on_one_peer_get_their_own_files(
    tmp_path: Path, frames_640: list[np.ndarray]
) -> None:
    client, peer, _ = await connected_pair(frames_640)
    refs = []
    elapsed: list[float] = []
    for n in (1, 2):
        recorder = AnswerRecorder(peer, tmp_path / f"q{n}.webm", recording_id=f"q{n}")
        started = time.monotonic()
        recorder.start()
        await asyncio.sleep(1.0)
        refs.append(await recorder.stop())
        elapsed.append(time.monotonic() - started)
    await peer.close()
    await client.close()
    assert [r.path.name for r in refs] == ["q1.webm", "q2.webm"]
    for ref, took_s in zip(refs, elapsed, strict=True):
        info = probe(ref.path)
        assert info["first_is_key"] == 1.0 and info["video_frames"] >= 15
        assert 0.6 <= ref.duration_s <= took_s + 0.2


async def test_vanished_client_closes_recording_as_partial(
    tmp_path: Path, frames_640: list[np.ndarray]
) -> None:
    client, peer, _ = await connected_pair(frames_640)
    finished: list[RecordingRef] = []
    recorder = AnswerRecorder(
        peer, tmp_path / "cut.webm", recording_id="cut", on_recording_finished=finished.append
    )
    recorder.start()
    await asyncio.sleep(1.5)
    await client.close()  # the browser tab goes away mid-answer
    await asyncio.wait_for(peer.wait_closed(), 15)
    await wait_for(lambda: finished, what="recording to finish")
    ref = finished[0]
    assert ref.partial and ref.end_reason.startswith("peer_")
    assert await recorder.stop() is ref
    info = probe(ref.path)
    assert info["first_is_key"] == 1.0, (ref, info)
    assert info["video_frames"] >= 10 and info["last_video_s"] <= 2.0, (ref, info)


async def test_stalled_media_ends_recording_as_partial(tmp_path: Path, frames_640: list[np.ndarray]) -> None:
    # The network silently drops the peer: no BYE, no close, frames just stop.
    from media import RecorderOptions

    client, peer, _ = await connected_pair(frames_640)
    finished: list[RecordingRef] = []
    recorder = AnswerRecorder(
        peer,
        tmp_path / "stall.webm",
        recording_id="stall",
        on_recording_finished=finished.append,
        options=RecorderOptions(stall_timeout_s=1.0),
    )
    recorder.start()
    await asyncio.sleep(1.0)
    for sender in client.getSenders():
        sender._enabled = False  # aiortc: keep reading the track, send nothing
    await wait_for(lambda: finished, timeout_s=5, what="stall detection")
    assert finished[0].partial and finished[0].end_reason == "stalled"
    await peer.close()
    await client.close()
    assert probe(finished[0].path)["video_frames"] >= 15


def test_sigkill_mid_answer_leaves_a_playable_file(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "killed.webm"
    here = Path(__file__).parent
    child = subprocess.Popen(
        [sys.executable, str(here / "record_child.py"), str(out)],
        stdout=subprocess.PIPE,
        cwd=here,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(here), str(here.parent.parent)])},
    )
    try:
        assert child.stdout is not None
        deadline = time.monotonic() + 40
        line = b""
        while b"recording" not in line and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line and child.poll() is not None:
                break
        assert b"recording" in line, "child never started recording"
        time.sleep(1.0)  # about 3 s recorded by now
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    info = probe(out)
    assert info["first_is_key"] == 1.0
    # Up to about a second (one cluster) may be lost at the end.
    assert info["last_video_s"] >= 1.5
    assert info["video_frames"] >= 40
    assert info["audio_s"] >= 1.5


async def test_audio_only_answer_is_recorded(tmp_path: Path) -> None:
    # A seeker whose camera is blocked still gets a playable (audio-only) answer.
    client = RTCPeerConnection()
    client.addTrack(ToneAudioTrack())
    peer = PeerSession(peer_id="voice-only")
    peer.start()
    await complete(client, await peer.accept_offer(await offer_from(client)))
    await wait_for(lambda: peer.tracks[0].tap.frames_seen > 5, what="audio")
    recorder = AnswerRecorder(peer, tmp_path / "voice.webm", recording_id="voice")
    recorder.start()
    await asyncio.sleep(1.5)
    ref = await recorder.stop()
    await peer.close()
    await client.close()
    assert ref.video_frames == 0 and ref.audio_packets >= 60
    with av.open(str(ref.path)) as container:
        assert [s.type for s in container.streams] == ["audio"]
        seconds = sum(f.samples for f in container.decode(audio=0)) / 48000
    assert 1.2 <= seconds <= 1.8


class FlashVideoTrack(LoopVideoTrack):
    """White for the first 100 ms of every second, black otherwise."""

    def __init__(self) -> None:
        black = np.zeros((240, 320, 3), np.uint8)
        super().__init__([black, black + 255])

    async def recv(self):  # type: ignore[no-untyped-def]
        pts, time_base = await self.next_timestamp()
        t = float(pts * time_base)
        frame = av.VideoFrame.from_ndarray(
            self._frames[1 if (t % 1.0) < 0.1 else 0].to_ndarray(), format="yuv420p"
        )
        frame.pts, frame.time_base = pts, time_base
        return frame


class BeepAudioTrack(ToneAudioTrack):
    """A tone for the first 100 ms of every second, silence otherwise."""

    async def recv(self):  # type: ignore[no-untyped-def]
        frame = await super().recv()
        t = float(frame.pts * frame.time_base)
        if (t % 1.0) >= 0.1:
            silent = np.zeros_like(frame.to_ndarray())
            quiet = av.AudioFrame.from_ndarray(silent, format="s16", layout="mono")
            quiet.sample_rate, quiet.pts, quiet.time_base = frame.sample_rate, frame.pts, frame.time_base
            return quiet
        return frame


async def test_audio_and_video_stay_in_sync(tmp_path: Path) -> None:
    # Flash and beep are generated on the same clock; in the file they must line up.
    client = RTCPeerConnection()
    client.addTrack(FlashVideoTrack())
    client.addTrack(BeepAudioTrack())
    peer = PeerSession(peer_id="sync")
    peer.start()
    await complete(client, await peer.accept_offer(await offer_from(client)))
    await wait_for(lambda: all(t.tap.frames_seen > 5 for t in peer.tracks), what="media")
    recorder = AnswerRecorder(peer, tmp_path / "sync.webm", recording_id="sync")
    recorder.start()
    await asyncio.sleep(4.5)
    ref = await recorder.stop()
    await peer.close()
    await client.close()

    with av.open(str(ref.path)) as container:
        video = [
            (float(f.pts * f.time_base), float(f.to_ndarray(format="gray").mean()))
            for f in container.decode(video=0)
        ]
    with av.open(str(ref.path)) as container:
        chunks = [
            (float(f.pts * f.time_base), float(np.abs(f.to_ndarray()).mean()), f.samples / f.sample_rate)
            for f in container.decode(audio=0)
        ]
    flashes = [t for (t, v), (_, prev) in zip(video[1:], video[:-1], strict=False) if v > 128 >= prev]
    beeps = [t for (t, a, _), (_, prev, _) in zip(chunks[1:], chunks[:-1], strict=False) if a > 0.02 >= prev]
    assert len(flashes) >= 3 and len(beeps) >= 3, (flashes, beeps)
    offsets = [min(beeps, key=lambda b, f=f: abs(b - f)) - f for f in flashes]
    median = float(np.median(offsets))
    # Lip sync: audio within 100 ms of the picture (ITU-R BT.1359 detectability is about -125/+45 ms).
    assert abs(median) < 0.1, offsets
