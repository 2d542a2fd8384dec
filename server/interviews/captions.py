"""Live captions: the candidate's speech as text for the interviewers, a few seconds behind.

The candidate's received audio (:class:`media.AudioFeed`, off the loop) goes into an
:class:`analysis.IncrementalAnalysis` that keeps no audio it has transcribed (an hour-long call
stays at a few seconds of buffer). A small loop on the event loop reads the words transcribed
since the last look and hands each new batch to ``on_words``. Nothing is stored: captions are
a live aid, not a record (recordings, with consent, are analysed after the call).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from analysis import AnalysisOptions, IncrementalAnalysis
from analysis.report import Word
from media import AudioFeed, PeerSession
from server.answers.live import LiveAnswerServices

log = logging.getLogger("untact.interviews.captions")

WordsSink = Callable[[list[Word]], Awaitable[None]]
POLL_S = 0.5
CHUNK_S = 8.0  # at most this much speech before a caption line; usually cut at a pause
MIN_CHUNK_S = 2.0


class LiveCaptions:
    """Captions of one participant's audio. ``start()`` → ``await close()`` (idempotent)."""

    def __init__(
        self, peer: PeerSession, language: str, services: LiveAnswerServices, on_words: WordsSink
    ) -> None:
        self.peer = peer
        self.language = language if language in ("ko", "en") else "ko"
        self._services = services
        self._on_words = on_words
        self._analysis: IncrementalAnalysis | None = None
        self._feed: AudioFeed | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.words_sent = 0

    async def start(self) -> None:
        if self._analysis is not None or self._closed:
            return
        options = AnalysisOptions(
            question_text="",
            language=self.language,  # type: ignore[arg-type]
            keep_fillers=False,  # captions read better without "um"
        )
        analysis = IncrementalAnalysis(
            options,
            pool=self._services.model_pool,
            chunk_s=CHUNK_S,
            min_chunk_s=MIN_CHUNK_S,
            expect_video=False,
            keep_audio=False,
        )
        await asyncio.to_thread(analysis.start)  # loads the model once per process
        if self._closed:
            await asyncio.to_thread(analysis.close)
            return
        self._analysis = analysis
        self._feed = AudioFeed(self.peer, analysis.feed_audio)
        self._feed.start()
        self._task = asyncio.ensure_future(self._relay())

    async def _relay(self) -> None:
        analysis = self._analysis
        assert analysis is not None
        while not self._closed:
            await asyncio.sleep(POLL_S)
            words = analysis.transcript_words(self.words_sent)
            if not words:
                continue
            self.words_sent += len(words)
            try:
                await self._on_words(list(words))
            except Exception:
                log.exception("caption delivery failed on %s", self.peer.peer_id)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        feed, analysis = self._feed, self._analysis
        if feed is not None:
            await asyncio.to_thread(feed.close)
        if analysis is not None:
            await asyncio.to_thread(analysis.close)
