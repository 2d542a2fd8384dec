"""Child process for the crash test: records a loopback stream until killed.

Usage: python record_child.py OUT.webm — prints ``recording`` once the
recorder has been running for 2 s, then keeps recording until SIGKILL.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from aiortc import RTCPeerConnection
from media_testkit import LoopVideoTrack, ToneAudioTrack, complete, offer_from, synthetic_frames, wait_for

from media import AnswerRecorder, PeerSession


async def main(path: Path) -> None:
    client = RTCPeerConnection()
    client.addTrack(LoopVideoTrack(synthetic_frames(30, (320, 240))))
    client.addTrack(ToneAudioTrack())
    peer = PeerSession(peer_id="child")
    peer.start()
    await complete(client, await peer.accept_offer(await offer_from(client)))
    await wait_for(lambda: all(t.tap.frames_seen > 5 for t in peer.tracks), what="media")
    recorder = AnswerRecorder(peer, path, recording_id="crash")
    recorder.start()
    await asyncio.sleep(2.0)
    print("recording", flush=True)
    await asyncio.sleep(3600)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
