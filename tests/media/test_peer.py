"""PeerSession lifecycle, signalling errors and the nudge data channel."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiortc import RTCPeerConnection
from media_testkit import LoopVideoTrack, ToneAudioTrack, complete, offer_from, synthetic_frames, wait_for

from media import MediaError, PeerSession

pytestmark = [pytest.mark.media, pytest.mark.asyncio, pytest.mark.timeout(60)]


@pytest.mark.parametrize(
    ("sdp", "code"),
    [
        ("", "bad_sdp"),
        ("this is not sdp", "bad_sdp"),
        ("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", "bad_sdp"),
        ("v=0\r\n" + "a=x\r\n" * 20000, "sdp_too_large"),
    ],
)
async def test_bad_offer_gives_typed_error_and_peer_stays_usable(sdp: str, code: str) -> None:
    peer = PeerSession(peer_id="p")
    peer.start()
    with pytest.raises(MediaError) as info:
        await peer.accept_offer(sdp)
    assert info.value.code == code and info.value.message
    # A good offer still works on a fresh session after the failure.
    await peer.close()
    client = RTCPeerConnection()
    client.addTrack(ToneAudioTrack())
    fresh = PeerSession(peer_id="p2")
    fresh.start()
    answer = await fresh.accept_offer(await offer_from(client))
    assert "a=rtpmap" in answer and "opus" in answer.lower()
    await fresh.close()
    await client.close()


async def test_offer_without_vp8_is_refused_with_no_common_codec() -> None:
    client = RTCPeerConnection()
    transceiver = client.addTransceiver(LoopVideoTrack(synthetic_frames(2, (64, 48))))
    from aiortc import RTCRtpSender

    h264 = [c for c in RTCRtpSender.getCapabilities("video").codecs if c.mimeType == "video/H264"]
    transceiver.setCodecPreferences(h264)
    peer = PeerSession(peer_id="p")
    peer.start()
    with pytest.raises(MediaError) as info:
        await peer.accept_offer(await offer_from(client))
    assert info.value.code == "no_common_codec"
    await peer.close()
    await client.close()


async def test_candidates_are_checked() -> None:
    peer = PeerSession(peer_id="p")
    peer.start()
    good = {
        "candidate": "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host",
        "sdpMid": "0",
        "sdpMLineIndex": 0,
    }
    with pytest.raises(MediaError) as early:
        await peer.add_remote_candidate(good)
    assert early.value.code == "bad_state" and early.value.retryable

    client = RTCPeerConnection()
    client.addTrack(ToneAudioTrack())
    await complete(client, await peer.accept_offer(await offer_from(client)))
    for bad in (
        {"candidate": "candidate:garbage", "sdpMid": "0", "sdpMLineIndex": 0},
        {"candidate": 42},
        {"candidate": good["candidate"], "sdpMid": 0},
        {"candidate": good["candidate"], "sdpMLineIndex": "zero"},
        "not an object",
    ):
        with pytest.raises(MediaError) as info:
            await peer.add_remote_candidate(bad)  # type: ignore[arg-type]
        assert info.value.code == "bad_candidate"
    await peer.add_remote_candidate(good)
    await peer.add_remote_candidate({"candidate": "", "sdpMid": "0"})  # end of candidates
    await peer.add_remote_candidate(None)
    await peer.close()
    await client.close()


async def test_close_is_idempotent_and_notifies_once() -> None:
    client = RTCPeerConnection()
    client.addTrack(LoopVideoTrack(synthetic_frames(5, (160, 120))))
    peer = PeerSession(peer_id="p")
    reasons: list[str] = []
    peer.add_close_listener(reasons.append)
    peer.start()
    await complete(client, await peer.accept_offer(await offer_from(client)))
    await wait_for(lambda: peer.state == "connected", what="connection")
    await asyncio.gather(peer.close(), peer.close())
    await peer.close()
    assert reasons == ["requested"]
    assert peer.state == "closed"
    with pytest.raises(MediaError) as info:
        await peer.accept_offer("v=0")
    assert info.value.code == "peer_closed"
    await client.close()


async def test_remote_close_closes_the_session() -> None:
    client = RTCPeerConnection()
    client.addTrack(ToneAudioTrack())
    peer = PeerSession(peer_id="p")
    reasons: list[str] = []
    peer.add_close_listener(reasons.append)
    peer.start()
    await complete(client, await peer.accept_offer(await offer_from(client)))
    await wait_for(lambda: peer.state == "connected", what="connection")
    await client.close()
    await asyncio.wait_for(peer.wait_closed(), 15)
    assert reasons == ["connection_closed"]


async def test_nudges_travel_over_the_data_channel() -> None:
    client = RTCPeerConnection()
    client.addTrack(ToneAudioTrack())
    channel = client.createDataChannel("nudges")
    got_client: list[dict[str, object]] = []
    channel.on("message", lambda m: got_client.append(json.loads(m)))
    got_server: list[dict[str, object]] = []
    peer = PeerSession(peer_id="p", on_message=got_server.append)
    peer.start()
    await complete(client, await peer.accept_offer(await offer_from(client)))
    await wait_for(lambda: channel.readyState == "open", what="data channel")
    await wait_for(
        lambda: peer.send_json({"type": "nudge", "code": "look_at_camera", "text": "카메라를 봐 주세요"})
    )
    channel.send("{not json")
    channel.send(json.dumps({"type": "ack"}))
    await wait_for(lambda: got_client and got_server, what="messages both ways")
    assert got_client == [{"type": "nudge", "code": "look_at_camera", "text": "카메라를 봐 주세요"}]
    assert got_server == [{"type": "ack"}]
    await peer.close()
    assert peer.send_json({"type": "late"}) is False
    await client.close()


async def test_session_closes_when_media_stops_without_goodbye() -> None:
    client = RTCPeerConnection()
    client.addTrack(LoopVideoTrack(synthetic_frames(2, (160, 120))))
    client.addTrack(ToneAudioTrack())
    peer = PeerSession(peer_id="p", media_timeout_s=1.0)
    reasons: list[str] = []
    peer.add_close_listener(reasons.append)
    peer.start()
    await complete(client, await peer.accept_offer(await offer_from(client)))
    await wait_for(lambda: all(t.tap.frames_seen > 3 for t in peer.tracks), what="media")
    await asyncio.sleep(1.5)
    assert not peer.is_closed  # flowing media keeps it open
    for sender in client.getSenders():
        sender._enabled = False  # like a crashed tab: packets just stop
    await asyncio.wait_for(peer.wait_closed(), 10)
    assert reasons == ["media_timeout"]
    await client.close()


async def test_ice_sockets_get_a_receive_buffer_for_seconds_of_media() -> None:
    # A busy event loop must not turn into dropped audio: the kernel keeps what arrives meanwhile.
    import socket

    from media.peer import UDP_RECEIVE_BUFFER_BYTES

    with open("/proc/sys/net/core/rmem_max") as f:  # noqa: ASYNC230 (procfs, instant)
        rmem_max = int(f.read())

    client = RTCPeerConnection()
    client.addTrack(ToneAudioTrack())
    peer = PeerSession(peer_id="buffers")
    peer.start()
    await complete(client, await peer.accept_offer(await offer_from(client)))
    sizes = [
        protocol.transport.get_extra_info("socket").getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
        for transceiver in peer._pc.getTransceivers()  # type: ignore[union-attr]
        for protocol in transceiver.receiver.transport.transport._connection._protocols
    ]
    await peer.close()
    await client.close()
    assert sizes and all(size >= min(UDP_RECEIVE_BUFFER_BYTES, rmem_max) for size in sizes), (sizes, rmem_max)
