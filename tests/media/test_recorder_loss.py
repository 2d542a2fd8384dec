"""Video lost, or read late, in the middle of an answer: the recording keeps only frames that
decode, and keeps every frame that was captured before the stop.

The video packets are built here (VP8 from aiortc's own encoder, cut into small RTP packets) and
handed to the server's real aiortc receiver, so the test decides exactly which packet is lost
and when each one is read.
"""

from __future__ import annotations

import asyncio
import random
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from aiortc import RTCPeerConnection
from aiortc.codecs.vpx import Vp8Encoder, VpxPayloadDescriptor, vp8_depayload
from aiortc.rtp import RtpPacket
from media_testkit import ToneAudioTrack, complete, offer_from, wait_for

from media import AnswerRecorder, PeerSession
from tests import mediakit

pytestmark = [pytest.mark.media, pytest.mark.timeout(90)]

CHUNK_BYTES = 300  # small RTP payloads, so every frame spans several packets


def vp8_frames(frames_bgr: list[np.ndarray], count: int, keyframes: set[int]) -> list[tuple[bytes, int]]:
    """``count`` VP8 frames (data, 90 kHz timestamp), key frames exactly at ``keyframes``."""
    encoder = Vp8Encoder()
    out = []
    for i in range(count):
        frame = av.VideoFrame.from_ndarray(frames_bgr[i % len(frames_bgr)], format="bgr24")
        frame.pts = i * 3000
        frame.time_base = Fraction(1, 90000)
        payloads, _ = encoder.encode(frame, force_keyframe=i in keyframes)
        out.append((b"".join(vp8_depayload(p) for p in payloads), i * 3000))
    return out


def rtp_packets(data: bytes, timestamp: int, first_seq: int, picture_id: int, pt: int) -> list[RtpPacket]:
    chunks = [data[i : i + CHUNK_BYTES] for i in range(0, len(data), CHUNK_BYTES)]
    packets = []
    for n, chunk in enumerate(chunks):
        descriptor = VpxPayloadDescriptor(partition_start=int(n == 0), partition_id=0, picture_id=picture_id)
        packets.append(
            RtpPacket(
                payload_type=pt,
                marker=int(n == len(chunks) - 1),
                sequence_number=(first_seq + n) & 0xFFFF,
                timestamp=timestamp,
                ssrc=0x1234ABCD,
                payload=bytes(descriptor) + chunk,
            )
        )
    return packets


async def hand_fed_peer(peer_id: str) -> tuple[RTCPeerConnection, PeerSession, Any, int]:
    """A peer whose audio is a real tone and whose video packets the test hands to the server's
    aiortc receiver itself: (client, peer, video receiver, VP8 payload type)."""
    client = RTCPeerConnection()
    client.addTransceiver("video", direction="sendonly")  # no track: the test sends its packets
    client.addTrack(ToneAudioTrack())
    peer = PeerSession(peer_id=peer_id)
    peer.start()
    await complete(client, await peer.accept_offer(await offer_from(client)))
    await wait_for(lambda: peer.track("audio").tap.frames_seen > 5, what="audio to flow")  # type: ignore[union-attr]
    video = peer.track("video")
    assert video is not None
    receiver = video.tap._receiver
    pt = next(p for p, c in receiver._RTCRtpReceiver__codecs.items() if c.name == "VP8")
    return client, peer, receiver, pt


async def test_a_lost_packet_drops_frames_up_to_the_next_key_frame_and_asks_for_one(
    tmp_path: Path, frames_640: list[np.ndarray]
) -> None:
    client, peer, receiver, pt = await hand_fed_peer("lossy")
    video = peer.track("video")
    assert video is not None
    plis: list[int] = []
    send_pli = receiver._send_rtcp_pli

    async def counting_pli(ssrc: int) -> None:
        plis.append(ssrc)
        await send_pli(ssrc)

    receiver._send_rtcp_pli = counting_pli

    # 40 good frames, then the first packet of frame 40 is lost. aiortc's jitter buffer holds
    # everything after the hole until it is full (512 packets), then hands over frame 40 without
    # its head and the frames after it, which refer to pictures the decoder never had.
    lost_at = 40
    keyframe_at = 200
    encoded = vp8_frames(frames_640, 240, keyframes={0, keyframe_at})
    recorder = AnswerRecorder(peer, tmp_path / "lossy.webm", recording_id="lossy")
    recorder.start()
    seq = random.randint(0, 0xFFFF)
    plis_before_loss = 0
    for i, (data, timestamp) in enumerate(encoded):
        packets = rtp_packets(data, timestamp, seq, picture_id=i, pt=pt)
        seq += len(packets)
        if i == lost_at:
            assert len(packets) >= 2
            plis_before_loss = len(plis)
            packets = packets[1:]
        for packet in packets:
            await receiver._handle_rtp_packet(packet, arrival_time_ms=0)
        await asyncio.sleep(1 / 30)
        if i == keyframe_at - 1:
            # By now the sender has been asked for a key frame, which frame 200 is.
            assert len(plis) > plis_before_loss
    ref = await recorder.stop()
    await peer.close()
    await client.close()

    assert ref.damaged_video_frames >= 1
    assert video.tap.incomplete_frames == 1 and video.tap.gaps >= 1
    frames, rejected = mediakit.decodable_video_frames(ref.path)
    assert rejected == 0
    with av.open(str(ref.path)) as container:
        packets_in_file = [p for p in container.demux(video=0) if p.size]
        keys = [i for i, p in enumerate(packets_in_file) if p.is_keyframe]
    assert frames == len(packets_in_file) == ref.video_frames
    # The frames before the loss (less the one aiortc threw away with the hole) and from the
    # key frame on; nothing in between.
    assert len(keys) == 2 and keys[0] == 0
    # (The last frame stays in the jitter buffer: aiortc hands a frame over when the next begins.)
    assert keys[1] >= lost_at - 2 and len(packets_in_file) - keys[1] == len(encoded) - keyframe_at - 1


async def test_media_read_late_at_both_ends_of_an_answer_is_all_kept(
    tmp_path: Path, frames_640: list[np.ndarray]
) -> None:
    """A busy server reads the first second of an answer a second late, catches up, and at the
    end reads the stop message before the last 0.6 s of media. The file's clock was fixed from
    the late first frames; every frame captured before the stop must still be kept (eight
    seekers at once on two cores used to lose the last 1.4 s of an answer this way)."""
    client, peer, receiver, pt = await hand_fed_peer("late-ends")
    fps = 30
    lag_s = 1.0
    stop_after = 120  # frames captured before the stop (4 s)
    read_after_stop = 20  # of those, read only once the stop is being handled
    encoded = vp8_frames(frames_640, stop_after + 60, keyframes={0})
    recorder = AnswerRecorder(peer, tmp_path / "late.webm", recording_id="late")
    recorder.start()
    t0 = time.monotonic()
    seq = random.randint(0, 0xFFFF)

    async def feed(i: int) -> None:
        nonlocal seq
        data, timestamp = encoded[i]
        packets = rtp_packets(data, timestamp, seq, picture_id=i, pt=pt)
        seq += len(packets)
        for packet in packets:
            await receiver._handle_rtp_packet(packet, arrival_time_ms=0)

    async def at(capture_s: float) -> None:
        await asyncio.sleep(max(0.0, t0 + capture_s - time.monotonic()))

    settle = 20  # past the recorder's half-second settle window, all read a second late
    for i in range(stop_after - read_after_stop):
        if i < settle:
            await at(lag_s + i / fps)
        elif time.monotonic() - t0 < i / fps:
            await at(i / fps)
        await feed(i)  # (after the lag: read as fast as it comes until caught up)
    await at(stop_after / fps)
    stopping = asyncio.ensure_future(recorder.stop())
    await asyncio.sleep(0)
    for i in range(stop_after - read_after_stop, stop_after):
        await feed(i)  # captured before the stop, read after it
    for i in range(stop_after, len(encoded)):  # the client goes on sending after the stop
        if stopping.done():
            break
        await at(i / fps)
        await feed(i)
    ref = await stopping
    await peer.close()
    await client.close()

    frames, rejected = mediakit.decodable_video_frames(ref.path)
    assert rejected == 0 and frames == ref.video_frames
    # Every frame captured before the stop, less the one aiortc's jitter buffer still held; and
    # the drain ended on media captured after the stop, not on its time limit.
    assert stop_after - 1 <= ref.video_frames <= stop_after + 3, ref
    assert recorder._drained.is_set()
