"""Memory probe for `benchmarks/bench_soak.py`, loaded into the *server* process only.

`bench_soak.py --probe` starts the server with this directory first on ``PYTHONPATH``, so Python
imports this module at start-up (``site`` imports ``sitecustomize``). It changes nothing in the
server until it gets SIGUSR1; then it writes one JSON line to ``$UNTACT_SOAK_PROBE_OUT`` with:

- ``rss_mb`` and glibc's ``mallinfo2()`` (``arena_mb``: heap bytes glibc took from the system in
  its arenas; ``in_use_mb``: bytes handed out and not freed; ``free_mb``: freed bytes glibc
  keeps; ``mmap_mb``: large blocks mapped directly) and the number of malloc arenas
  (``malloc_info``'s ``<heap>`` entries). A leak grows ``in_use_mb``; fragmentation grows
  ``free_mb`` with ``in_use_mb`` flat;
- if ``$UNTACT_SOAK_PROBE_TRIM`` is ``1``, ``malloc_trim(0)`` is called first and
  ``rss_before_trim_mb`` says what it gave back;
- live Python objects of the media types (peers, receivers, recorders, PyAV containers, codec
  contexts, frames) after a ``gc.collect()``, and the threads by name.
"""

from __future__ import annotations

import os

if os.environ.get("UNTACT_SOAK_PROBE_OUT"):
    import collections
    import ctypes
    import gc
    import json
    import re
    import signal
    import tempfile
    import threading
    import time

    _LIBC = ctypes.CDLL("libc.so.6")
    _WATCHED = {
        "RTCPeerConnection", "RTCRtpReceiver", "RTCRtpSender", "RTCRtpTransceiver", "RTCDtlsTransport",
        "RTCIceTransport", "RTCSctpTransport", "RemoteStreamTrack", "PeerSession", "ReceiverTap",
        "AnswerRecorder", "_WebmWriter", "_AnalysisFeed", "AudioFeed", "IncrementalAnalysis",
        "LiveAnswers", "RecordedAnswerStore", "OutputContainer", "InputContainer", "CodecContext",
        "VideoCodecContext", "AudioCodecContext", "VideoFrame", "AudioFrame", "Packet",
        "AudioResampler", "Vp8Decoder", "OpusDecoder", "FaceMesh", "SSLContext", "Connection",
    }

    class _MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
            "fordblks", "keepcost")]

    _LIBC.mallinfo2.restype = _MallInfo2
    _LIBC.fdopen.restype = ctypes.c_void_p
    _LIBC.fdopen.argtypes = [ctypes.c_int, ctypes.c_char_p]
    _LIBC.fclose.argtypes = [ctypes.c_void_p]
    _LIBC.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]

    def _rss_mb() -> float:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    def _arenas() -> int:
        with tempfile.TemporaryFile("w+b") as tmp:
            fp = _LIBC.fdopen(os.dup(tmp.fileno()), b"w")
            _LIBC.malloc_info(0, fp)
            _LIBC.fclose(fp)
            tmp.seek(0)
            return len(re.findall(rb"<heap nr=", tmp.read()))

    def _probe(_signum: int, _frame: object) -> None:
        gc.collect()
        record: dict[str, object] = {}
        if os.environ.get("UNTACT_SOAK_PROBE_TRIM") == "1":
            record["rss_before_trim_mb"] = round(_rss_mb(), 2)
            started = time.perf_counter()
            _LIBC.malloc_trim(0)
            record["trim_ms"] = round((time.perf_counter() - started) * 1000, 1)
        info = _LIBC.mallinfo2()
        counts = collections.Counter(type(o).__name__ for o in gc.get_objects() if type(o).__name__ in _WATCHED)
        record.update({
            "rss_mb": round(_rss_mb(), 2),
            "arena_mb": round(info.arena / 2**20, 2),
            "in_use_mb": round(info.uordblks / 2**20, 2),
            "free_mb": round(info.fordblks / 2**20, 2),
            "mmap_mb": round(info.hblkhd / 2**20, 2),
            "arenas": _arenas(),
            "objects": dict(sorted(counts.items())),
            "threads": dict(collections.Counter(re.sub(r"[-_ ]?[0-9a-f]{6,}|[-_ (]?\d+\)?", "", t.name)
                                                for t in threading.enumerate())),
        })
        with open(os.environ["UNTACT_SOAK_PROBE_OUT"], "a") as out:
            out.write(json.dumps(record) + "\n")

    def _safe_probe(signum: int, frame: object) -> None:
        try:  # an exception here would surface in whatever the main thread was running
            _probe(signum, frame)
        except Exception as exc:
            with open(os.environ["UNTACT_SOAK_PROBE_OUT"], "a") as out:
                out.write(json.dumps({"probe_error": repr(exc)}) + "\n")

    signal.signal(signal.SIGUSR1, _safe_probe)
