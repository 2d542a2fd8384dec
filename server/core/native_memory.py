"""Memory an answer freed goes back to the OS (glibc): fixed malloc thresholds from start-up, and
``malloc_trim(0)`` after each answer.

Measured (docs/benchmarks.md, "Memory per answer cycle"): after a practice answer the server has
freed what the answer used (peer, recorder, decoded frames, Whisper and FaceMesh buffers): the
bytes glibc has handed out stay flat cycle after cycle (+0.01 MB per cycle), but glibc kept the
freed memory resident. Each answer runs on new threads (aiortc's decoder threads, the recorder's
writer and analysis-feed threads, the analysis' ASR and gaze threads), and a thread allocates
from one of up to 8 arenas per core. ``/proc/<pid>/smaps`` (``benchmarks/bench_soak.py --smaps``)
put all the growth in those non-main arenas' heaps (not thread stacks, not native libraries' own
mappings). Two parts:

- freed chunks inside an arena: ``malloc_trim(0)`` after each answer returns their pages
  (:func:`release_free_memory`);
- the free memory at the top of a non-main arena's heap: ``malloc_trim`` does not touch it (it
  trims only the main arena's top), and glibc gives it back only once it exceeds the trim
  threshold, which by default rises with every large block freed (up to 64 MiB). Fixing the
  thresholds (:func:`configure_allocator`, at ``untact serve`` / ``untact worker`` start) gives it
  back as soon as it exceeds 128 KiB.

Bounding the arenas instead (``MALLOC_ARENA_MAX=2``) was tried too: in the run measured the live
analyses were slower (Whisper's threads then share two arenas' locks). No-op where glibc is not
the C library.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
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

_M_TRIM_THRESHOLD = -1  # mallopt parameters (malloc.h)
_M_MMAP_THRESHOLD = -3
#: A non-main arena gives the free memory at the top of its heap back once it is this large.
TRIM_THRESHOLD = 128 * 1024
#: Blocks this large or larger are mapped on their own (and unmapped when freed). glibc's own
#: ceiling for its rising threshold (HEAP_MAX_SIZE / 2): frames and Whisper buffers stay in the
#: arenas as they do by default once warm. Fixed at glibc's starting 128 KiB instead, each of them
#: was its own mapping and, in the run measured, a live analysis missed its deadline.
MMAP_THRESHOLD = 32 * 1024 * 1024
_OWN_SETTINGS = ("glibc.malloc.trim_threshold", "glibc.malloc.mmap_threshold")
_OWN_ENV = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_")


def configure_allocator() -> bool:
    """Fix glibc's trim and mmap thresholds for this process (``mallopt``), before serving.

    By default glibc raises both thresholds as the program frees large blocks (up to a 64 MiB
    trim threshold), and a non-main arena then keeps the free memory at the top of its heap
    resident; ``malloc_trim`` does not return it (it trims only the main arena's top). Every
    answer runs on new threads that take one of the up to 16 arenas, so RSS crept up by
    0.3–0.7 MB per answer with glibc's bytes in use flat (docs/benchmarks.md, "Memory per answer
    cycle"). Fixed thresholds stop the raising: a freed top larger than ``TRIM_THRESHOLD`` goes back
    at once. Called by ``untact serve`` and ``untact worker`` before any thread starts. Left alone
    when the operator set either threshold (``GLIBC_TUNABLES`` or ``MALLOC_*_THRESHOLD_``).
    Returns whether it changed anything (False without glibc).
    """
    if _LIBC is None or not hasattr(_LIBC, "mallopt"):
        return False
    tunables = os.environ.get("GLIBC_TUNABLES", "")
    if any(name in tunables for name in _OWN_SETTINGS) or any(name in os.environ for name in _OWN_ENV):
        log.info("glibc malloc thresholds left as set in the environment")
        return False
    _LIBC.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    ok = bool(_LIBC.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(_LIBC.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    if not ok:
        log.warning("mallopt did not accept the malloc thresholds")
    return ok


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
