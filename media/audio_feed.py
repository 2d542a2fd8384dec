"""A peer's received audio as 16 kHz mono float32, handed to a callback off the event loop.

Used for live captions: the callback transcribes, which must never run on the loop. The peer's
decoded frames are queued on the loop (cheap), converted at the edge by
:class:`~media.frames.AudioConverter` and passed on by one worker thread.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from .frames import AudioConverter
from .peer import PeerSession

logger = logging.getLogger("untact.media.audio_feed")

AudioSink = Callable[[np.ndarray, int], None]
_STOP = object()


class AudioFeed:
    """Feeds ``on_audio(samples, sample_rate_hz)`` with everything ``peer`` receives as audio.

    Lifecycle: ``start()`` → ``close()`` (idempotent; blocks until the worker thread is done, so
    call it from a thread, e.g. ``asyncio.to_thread``). If the sink falls behind by more than
    ``max_queued`` frames (20 ms each), new frames are dropped and counted in ``dropped``.
    """

    def __init__(self, peer: PeerSession, on_audio: AudioSink, *, max_queued: int = 500) -> None:
        self.peer = peer
        self._on_audio = on_audio
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max_queued)
        self._thread = threading.Thread(target=self._run, name=f"audio-feed-{peer.peer_id}", daemon=True)
        self._started = False
        self._closed = False
        self.dropped = 0
        self.fed_s = 0.0

    def start(self) -> None:
        if self._started or self._closed:
            return
        self._started = True
        self._thread.start()
        self.peer.add_frame_listener(self)

    def on_decoded_frame(self, kind: str, frame: Any) -> None:
        if kind != "audio" or self._closed:
            return
        try:
            self._queue.put_nowait(frame)
        except queue.Full:
            self.dropped += 1

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.peer.remove_frame_listener(self)
        if self._started:
            self._queue.put(_STOP)
            self._thread.join(timeout=30)

    def _run(self) -> None:
        converter = AudioConverter()
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            try:
                chunk = converter.convert(item)
                if chunk is not None:
                    self._on_audio(chunk.samples, chunk.sample_rate_hz)
                    self.fed_s += chunk.duration_s
            except Exception:
                logger.exception("audio sink failed on peer %s", self.peer.peer_id)
