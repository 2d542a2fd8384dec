"""SFU rooms: forwarding between aiortc clients without transcoding."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import numpy as np
import pytest
from aiortc import RTCBundlePolicy, RTCConfiguration, RTCPeerConnection
from media_testkit import LoopVideoTrack, ToneAudioTrack, complete, offer_from, wait_for

from media import MediaError, PeerSession, Room, RoomOptions, SlotAssignment

pytestmark = [pytest.mark.media, pytest.mark.asyncio, pytest.mark.timeout(90)]

# Each participant sends a solid colour so receivers can tell who they see.
COLOURS = {"employer": (255, 0, 0), "seeker": (0, 255, 0), "panel": (0, 0, 255)}


@dataclass
class Client:
    name: str
    pc: RTCPeerConnection
    frames_by_mid: dict[str, int] = field(default_factory=dict)
    colour_by_mid: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def consume(self, track: object, mid: str) -> None:
        while True:
            try:
                frame = await track.recv()  # type: ignore[attr-defined]
            except Exception:
                return
            self.frames_by_mid[mid] = self.frames_by_mid.get(mid, 0) + 1
            if track.kind == "video":  # type: ignore[attr-defined]
                bgr = frame.to_ndarray(format="bgr24")
                self.colour_by_mid[mid] = tuple(round(c / 255) * 255 for c in bgr.mean(axis=(0, 1)))  # type: ignore[assignment]


def solid(colour: tuple[int, int, int]) -> list[np.ndarray]:
    img = np.zeros((240, 320, 3), np.uint8)
    img[:] = colour
    return [img]


async def join(room: Room, name: str, slots: int) -> Client:
    # aiortc's own "balanced" bundling breaks with two audio m-lines; browsers bundle.
    pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
    client = Client(name, pc)
    pc.addTrack(LoopVideoTrack(solid(COLOURS[name])))
    pc.addTrack(ToneAudioTrack())
    for _ in range(slots):
        pc.addTransceiver("video", direction="recvonly")
        pc.addTransceiver("audio", direction="recvonly")

    @pc.on("track")
    def on_track(track: object) -> None:
        mid = next(t.mid for t in pc.getTransceivers() if t.receiver.track is track)
        client.tasks.append(asyncio.ensure_future(client.consume(track, mid)))

    peer = PeerSession(peer_id=name, decode_video=False)
    answer = await room.join(name, peer, await offer_from(pc))
    await complete(pc, answer)
    return client


def video_mids(room: Room, subscriber: str) -> dict[str | None, str]:
    return {a.publisher_id: a.mid for a in room.assignments(subscriber) if a.kind == "video"}


async def test_three_way_room_forwards_each_camera_to_the_others() -> None:
    assignments: list[SlotAssignment] = []
    room = Room("room-1", options=RoomOptions(max_participants=3), on_assignment=assignments.append)
    room.start()
    clients = [await join(room, name, slots=2) for name in COLOURS]

    def everyone_sees_everyone() -> bool:
        for client in clients:
            mids = video_mids(room, client.name)
            for other in COLOURS:
                if other != client.name and client.frames_by_mid.get(mids.get(other, "?"), 0) < 20:
                    return False
        return True

    await wait_for(everyone_sees_everyone, 30, "forwarded video at every participant")
    for client in clients:
        mids = video_mids(room, client.name)
        assert client.name not in mids  # nobody gets their own camera back
        for other in COLOURS:
            if other != client.name:
                assert client.colour_by_mid[mids[other]] == COLOURS[other], (client.name, other)
        audio = [a for a in room.assignments(client.name) if a.kind == "audio"]
        assert {a.publisher_id for a in audio} == set(COLOURS) - {client.name}
        assert all(client.frames_by_mid.get(a.mid, 0) > 20 for a in audio)
    assert len(assignments) >= 12  # 3 subscribers x 2 publishers x (audio + video)

    quality = await room.connection_quality("seeker")
    assert quality.level == "unknown"  # no interval yet
    for _ in range(3):  # RTT needs an RTCP SR/RR round trip (sent every 0.5-1.5 s)
        await asyncio.sleep(1.0)
        quality = await room.connection_quality("seeker")
        if quality.rtt_ms is not None:
            break
    # One event loop runs all four endpoints here, so RTT is only checked for sanity.
    assert quality.level in ("good", "fair", "poor")
    # RTT needs an RTCP receiver report that echoes our latest sender report;
    # aiortc does not always produce one within the test, so None is allowed.
    assert quality.rtt_ms is None or 0 < quality.rtt_ms < 5000
    assert quality.inbound_loss_ratio < 0.05
    assert quality.inbound_bitrate_kbps > 20 and quality.outbound_bitrate_kbps > 20

    extra = RTCPeerConnection()
    extra.addTrack(ToneAudioTrack())
    with pytest.raises(MediaError) as full:
        await room.join("extra", PeerSession(peer_id="extra"), await offer_from(extra))
    assert full.value.code == "room_full"
    await extra.close()

    await room.close()
    await room.close()
    for client in clients:
        await client.pc.close()


async def test_mute_stops_forwarding_and_leave_frees_the_slot() -> None:
    room = Room("room-2")
    room.start()
    employer = await join(room, "employer", slots=1)
    seeker = await join(room, "seeker", slots=1)
    await wait_for(lambda: sum(seeker.frames_by_mid.values()) > 40, 20, "seeker receives employer")
    mid = video_mids(room, "seeker")["employer"]

    room.set_muted("employer", "camera", True)
    await asyncio.sleep(0.5)
    before = seeker.frames_by_mid[mid]
    await asyncio.sleep(1.0)
    assert seeker.frames_by_mid[mid] - before <= 2
    room.set_muted("employer", "camera", False)
    await wait_for(lambda: seeker.frames_by_mid[mid] > before + 15, 10, "video after unmute")
    assert seeker.colour_by_mid[mid] == COLOURS["employer"]

    left: list[tuple[str, str]] = []
    room._on_left = lambda pid, reason: left.append((pid, reason))
    await employer.pc.close()  # the employer's browser vanishes
    await wait_for(lambda: left, 15, "room to notice the vanished peer")
    assert left[0][0] == "employer" and left[0][1].startswith("peer_")
    assert room.participant_ids == ("seeker",)
    assert all(a.publisher_id is None for a in room.assignments("seeker"))
    await room.close()
    await seeker.pc.close()


async def test_screen_share_is_another_forwarded_video_and_room_peers_can_be_recorded(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from media import AnswerRecorder

    room = Room("room-3")
    room.start()

    async def join_with_screen(name: str, screen: tuple[int, int, int]) -> tuple[RTCPeerConnection, PeerSession]:
        # A second sent video after the camera is the screen share (the browser reserves it at
        # join and fills it with replaceTrack; here it sends from the start).
        pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        pc.addTrack(LoopVideoTrack(solid(COLOURS[name])))
        pc.addTrack(LoopVideoTrack(solid(screen)))
        peer = PeerSession(peer_id=name, decode_video=False)
        await complete(pc, await room.join(name, peer, await offer_from(pc)))
        return pc, peer

    pc, employer_peer = await join_with_screen("employer", (255, 255, 255))
    seeker = await join(room, "seeker", slots=3)  # cameras of two others and one screen
    # Until the employer shares, the screen takes no slot: only the camera is forwarded.
    assert {a.source for a in room.assignments("seeker") if a.publisher_id == "employer"} == {"camera"}
    assert room.screen_sharer is None
    room.set_muted("employer", "screen", False)
    assert room.screen_sharer == "employer"
    mids = {a.source: a.mid for a in room.assignments("seeker") if a.publisher_id == "employer" and a.kind == "video"}
    assert set(mids) == {"camera", "screen"}
    await wait_for(
        lambda: all(seeker.frames_by_mid.get(m, 0) > 15 for m in mids.values()), 20, "camera and screen"
    )
    assert seeker.colour_by_mid[mids["camera"]] == COLOURS["employer"]
    assert seeker.colour_by_mid[mids["screen"]] == (255, 255, 255)

    # One share at a time; a participant who joined without a screen m-line cannot share.
    with pytest.raises(MediaError) as no_track:
        room.set_muted("seeker", "screen", False)
    assert no_track.value.code == "no_screen_track"
    panel_pc, _panel_peer = await join_with_screen("panel", (0, 255, 255))
    with pytest.raises(MediaError) as busy:
        room.set_muted("panel", "screen", False)
    assert busy.value.code == "screen_busy"
    # Stopping gives the slot back, and then the panel's share takes it.
    room.set_muted("employer", "screen", True)
    assert room.screen_sharer is None
    assert next(a for a in room.assignments("seeker") if a.mid == mids["screen"]).publisher_id is None
    room.set_muted("panel", "screen", False)
    panel_screen = next(a for a in room.assignments("seeker") if a.source == "screen")
    assert panel_screen.publisher_id == "panel"
    await wait_for(lambda: seeker.colour_by_mid.get(panel_screen.mid) == (0, 255, 255), 20, "the panel's screen")
    await panel_pc.close()

    recorder = AnswerRecorder(employer_peer, tmp_path / "live.webm", recording_id="live-employer")
    recorder.start()
    await asyncio.sleep(1.5)
    ref = await recorder.stop()
    assert ref.video_frames >= 25 and not ref.partial
    forwarded_before = room.forwarding_counts("seeker")[mids["camera"]]
    await asyncio.sleep(0.5)
    assert room.forwarding_counts("seeker")[mids["camera"]] > forwarded_before  # forwarding continues
    await room.close()
    await pc.close()
    await seeker.pc.close()


async def test_forwarding_drops_a_damaged_frame_and_what_refers_to_it_until_the_next_key_frame(
    frames_640: list[np.ndarray],
) -> None:
    """The room forwards whole frames, not packets: a frame that lost packets (or a delta frame
    after lost frames) would reach the subscriber's decoder as garbage. It and its dependants are
    dropped, a key frame is asked for, and forwarding resumes from it; what is forwarded decodes."""
    import av

    from media.room import ForwardingTrack
    from media.tap import EncodedFrame
    from tests.media.test_recorder_loss import vp8_frames

    encoded = vp8_frames(frames_640, 16, keyframes={0, 6, 12})
    requests: list[int] = []

    class Publisher:  # the publishing participant's receiver tap: only its PLI matters here
        def request_keyframe(self) -> None:
            requests.append(len(requests))

    track = ForwardingTrack("video", max_queued=64)
    track.set_source(Publisher())  # type: ignore[arg-type]

    def frame(i: int, *, complete: bool = True, follows_gap: bool = False) -> EncodedFrame:
        data, timestamp = encoded[i]
        if not complete:
            data = data[: len(data) // 2]  # the tail packets never came
        return EncodedFrame("video", "VP8", data, timestamp, 90000, 0.0, complete=complete, follows_gap=follows_gap)

    for i in range(16):
        asked_before = len(requests)
        if i == 3:
            track.push(frame(i, complete=False))  # packets lost inside frame 3
            assert len(requests) > asked_before
        elif i == 9:
            track.push(frame(i, follows_gap=True))  # frame 8's packets never arrived at all
            assert len(requests) > asked_before
        else:
            track.push(frame(i))
    forwarded = [await track.recv() for _ in range(10)]
    assert [bytes(p) for p in forwarded] == [encoded[i][0] for i in (0, 1, 2, 6, 7, 8, 12, 13, 14, 15)]
    assert track.frames_damaged == 2 and track.frames_forwarded == 10
    decoder = av.CodecContext.create("vp8", "r")
    decoded = [f for packet in forwarded for f in decoder.decode(packet)]
    assert len(decoded) == 10  # every forwarded frame decodes
    track.stop()
