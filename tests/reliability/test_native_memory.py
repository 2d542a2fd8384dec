"""glibc's fixed malloc thresholds (`server/core/native_memory.configure_allocator`, what `untact serve`
and `untact worker` call first): memory a thread frees at the top of its arena goes back to the OS.

Each case runs in a fresh interpreter (mallopt changes the whole process): a new thread (so it gets
a non-main arena, as an answer's decoder, recorder and analysis threads do) touches 6 MiB in
256 KiB blocks and frees them all; the test reads how much of it stayed resident.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent

_SCRIPT = r"""
import ctypes, os, sys, threading
from server.core import native_memory

if sys.argv[1] == "fixed":
    assert native_memory.configure_allocator()
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
page = os.sysconf("SC_PAGE_SIZE")

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * page

def touch(size):
    block = libc.malloc(size)
    ctypes.memset(block, 1, size)
    return block

kept = []

def work():
    # A large block freed once (a decoded frame, a Whisper buffer) raises glibc's dynamic thresholds
    # (mmap 4 MiB, trim 8 MiB) unless they are fixed.
    libc.free(touch(4 << 20))
    before = rss()
    blocks = [touch(256 << 10) for _ in range(24)]
    for block in reversed(blocks):
        libc.free(block)
    kept.append(rss() - before)

thread = threading.Thread(target=work)
thread.start()
thread.join()
print(kept[0] / 2**20)
"""


def _kept_mb(mode: str, **env: str) -> float:
    clean = {k: v for k, v in os.environ.items() if k != "GLIBC_TUNABLES" and not k.startswith("MALLOC_")}
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT, mode], cwd=ROOT, env={**clean, **env},
        capture_output=True, text=True, check=True, timeout=60,
    )
    return float(out.stdout.strip())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_fixed_thresholds_give_a_threads_freed_arena_top_back() -> None:
    default = _kept_mb("default")
    fixed = _kept_mb("fixed")
    assert default >= 4.0, f"glibc's default kept only {default:.1f} MiB: the case no longer shows the problem"
    assert fixed <= 1.0, f"{fixed:.1f} MiB of 6 MiB freed stayed resident with fixed thresholds"


def test_thresholds_the_operator_set_are_left_alone() -> None:
    script = "from server.core import native_memory; print(native_memory.configure_allocator())"
    for env in ({"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=1048576"}, {"MALLOC_MMAP_THRESHOLD_": "262144"}):
        clean = {k: v for k, v in os.environ.items() if k != "GLIBC_TUNABLES" and not k.startswith("MALLOC_")}
        out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**clean, **env},
                             capture_output=True, text=True, check=True, timeout=60)
        assert out.stdout.strip() == "False", (env, out.stdout, out.stderr)
