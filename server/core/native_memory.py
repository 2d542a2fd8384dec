"""Memory an answer freed goes back to the OS: ``malloc_trim(0)`` after each answer (glibc).

Measured (docs/benchmarks.md, "Memory per answer cycle"): after a practice answer the server has
freed what the answer used (peer, recorder, decoded frames, Whisper and FaceMesh buffers): the
bytes glibc has handed out stay flat cycle after cycle (+0.01 MB per cycle), but glibc keeps the
freed memory in its arenas: a peer + recorder grew RSS by 1.0 MB per answer, 0.16 MB (levelling
off) with the trim below. Each answer runs on new threads (aiortc's decoder threads, the
recorder's writer and analysis-feed threads), a thread allocates from one of up to 8 arenas per
core, and glibc gives a non-main arena's memory back only from the
top of its heap, so the freed memory stays resident. ``malloc_trim(0)`` returns the free pages of
every arena (the trimmed memory is free, nothing refers to it).

Bounding the arenas instead (``MALLOC_ARENA_MAX=2``) was tried too: in the run measured the live
analyses were slower (Whisper's threads then share two arenas' locks), and an earlier in-process
aiortc peer + recorder pair grew as much with it as without (docs/benchmarks.md). With live
analysis the server still grows ~0.7 MB per answer that glibc does not count (still open).
No-op where glibc is not the C library.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import time

log = logging.getLogger("untact.native_memory")


def _glibc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        return libc
    except (OSError, AttributeError):  # not glibc
        return None


_LIBC = _glibc()


def release_free_memory() -> float | None:
    """Give the free pages of every arena back to the OS (``malloc_trim(0)``).

    Blocks for a few milliseconds (it walks every arena): call it off the event loop. Returns the
    seconds it took, or None without glibc.
    """
    if _LIBC is None:
        return None
    started = time.perf_counter()
    _LIBC.malloc_trim(0)
    took = time.perf_counter() - started
    log.debug("malloc_trim took %.1f ms", took * 1000)
    return took
