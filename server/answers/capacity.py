"""How many live answers this node records and analyses at once, and where live analysis runs.

The event loop receives every RTP packet of every live answer. When it does not get the CPU in
time, the kernel's socket buffer overflows, packets are lost and whole seconds of video go with
them (aiortc's jitter buffer waits for a lost packet until it is full). So:

- **Admission.** At most ``max_live_answers`` answers are recorded at once. One more gets a
  typed, retryable ``server_busy`` with ``retry_after_s`` before anything is recorded; nothing
  is accepted that the node cannot record whole.
- **Live analysis is bounded.** At most ``max_live_analyses`` answers are analysed while they
  are recorded. The others, and any answer whose live analysis falls behind (see
  ``LiveAnswers``), get no nudges and are analysed from the whole file after the answer.
- **Live analysis runs below the media path.** Its calls (``start``/``finish``/``close``) run on
  a small executor whose threads have a lower CPU priority (``nice`` 5: the loop weighs 3× one
  analysis thread); the analysis threads they
  create inherit it, so under load the kernel runs the event loop first.

One :class:`LiveCapacity` lives on ``app.state.live_capacity`` and is used on the event loop only.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

log = logging.getLogger("untact.live_capacity")

T = TypeVar("T")

ANALYSIS_NICE = 5  # CPU priority of live analysis, below the event loop's (0)


def lower_thread_priority(nice: int = ANALYSIS_NICE) -> None:
    """Lower the calling thread's CPU priority (Linux: per thread); a no-op where unsupported."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
    except (AttributeError, OSError):  # not Linux, or not allowed: run at normal priority
        log.debug("could not lower the priority of %s", threading.current_thread().name)


@dataclass(frozen=True)
class CapacitySnapshot:
    live_answers: int
    live_analyses: int
    max_live_answers: int
    max_live_analyses: int
    refused_busy: int
    degraded: int


class AnswerSlot:
    """One admitted answer; holds at most one live-analysis slot. ``release()`` is idempotent."""

    def __init__(self, capacity: LiveCapacity) -> None:
        self._capacity = capacity
        self._released = False
        self.has_analysis = False

    def take_analysis(self) -> bool:
        """Take a live-analysis slot if one is free; False means analyse the file afterwards."""
        if self.has_analysis:
            return True
        if self._released:
            return False
        if self._capacity._analyses >= self._capacity.max_live_analyses:
            return False
        self._capacity._analyses += 1
        self.has_analysis = True
        return True

    def release_analysis(self) -> None:
        if self.has_analysis:
            self.has_analysis = False
            self._capacity._analyses -= 1

    def release_recording(self) -> None:
        """The answer is recorded: the node may record another (its analysis may still run)."""
        if not self._released:
            self._released = True
            self._capacity._answers -= 1

    def release(self) -> None:
        self.release_analysis()
        self.release_recording()


class LiveCapacity:
    """Admission control and the live-analysis executor of one node. Lifecycle: ``close()``."""

    def __init__(self, *, max_live_answers: int, max_live_analyses: int, retry_after_s: int) -> None:
        self.max_live_answers = max_live_answers
        self.max_live_analyses = max_live_analyses
        self.retry_after_s = retry_after_s
        self._answers = 0
        self._analyses = 0
        self.refused_busy = 0
        self.degraded = 0
        self._executor = ThreadPoolExecutor(
            max_workers=max(2, max_live_analyses + 1),
            thread_name_prefix="live-analysis",
            initializer=lower_thread_priority,
        )
        self._closed = False

    def try_admit(self) -> AnswerSlot | None:
        """A slot for one more live answer, or None when the node is full (send ``server_busy``)."""
        if self._closed or self._answers >= self.max_live_answers:
            self.refused_busy += 1
            return None
        self._answers += 1
        return AnswerSlot(self)

    def note_degraded(self) -> None:
        self.degraded += 1

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a blocking live-analysis call on the low-priority executor."""
        if self._closed:
            return await asyncio.to_thread(fn, *args)
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def snapshot(self) -> CapacitySnapshot:
        return CapacitySnapshot(
            live_answers=self._answers,
            live_analyses=self._analyses,
            max_live_answers=self.max_live_answers,
            max_live_analyses=self.max_live_analyses,
            refused_busy=self.refused_busy,
            degraded=self.degraded,
        )

    def close(self) -> None:
        """Stop taking answers; running calls finish (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=False)
