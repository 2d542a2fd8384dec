"""Per-mapping memory of a process from ``/proc/<pid>/smaps``, classified, and the diff of two samples.

Used by ``benchmarks/bench_soak.py --smaps`` and by `tests/reliability/test_soak.py` (in its failure messages) (it reads the server's smaps from outside the
server, so reading allocates nothing in it). Every mapping is put in one class:

- ``heap``: the main arena's ``[heap]`` (brk);
- ``arena``: a non-main malloc arena's heap: an anonymous mapping whose start is 64 MiB aligned
  (glibc maps each arena heap at HEAP_MAX_SIZE = 64 MiB alignment; the rw part grows inside a
  reservation that is ``---p``);
- ``thread stack``: an anonymous ``rw-p`` mapping right after a small ``---p`` guard page
  (pthread stacks: the guard is the lowest page of the stack's mapping); the size is kept in the
  label (``8 MiB`` = glibc's default, ``RLIMIT_STACK``);
- ``anon N MiB``: any other anonymous mapping, by size (rounded up to a power of two MiB):
  native allocators that map memory themselves (MediaPipe/TFLite, CTranslate2, onnxruntime,
  libvpx, glibc's directly mapped large blocks, Python's arenas of 1 MiB);
- ``file <name>``: file-backed mappings by file (a shared library's data/bss grow with it);
- ``[stack]``, ``[vvar]``… kernel pseudo-mappings by name.

``diff(first, last)`` gives the Rss (and Anonymous) change per class and the mappings that grew
most (same start address in both samples) or are new.

Run on its own: ``python -m tests.reliability.smaps FIRST LAST`` (two saved smaps files).
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_HEADER = re.compile(r"^([0-9a-f]+)-([0-9a-f]+) (\S{4}) [0-9a-f]+ \S+ \d+\s*(.*)$")
_ARENA_ALIGN = 64 * 2**20
_GUARD_MAX = 1 * 2**20


@dataclass
class Mapping:
    start: int
    end: int
    perms: str
    path: str
    rss_kb: int = 0
    anon_kb: int = 0
    swap_kb: int = 0
    cls: str = ""

    @property
    def size(self) -> int:
        return self.end - self.start


def parse(text: str) -> list[Mapping]:
    maps: list[Mapping] = []
    for line in text.splitlines():
        head = _HEADER.match(line)
        if head:
            maps.append(Mapping(int(head[1], 16), int(head[2], 16), head[3], head[4].strip()))
            continue
        key, _, value = line.partition(":")
        if maps and key in ("Rss", "Anonymous", "Swap"):
            kb = int(value.split()[0])
            if key == "Rss":
                maps[-1].rss_kb = kb
            elif key == "Anonymous":
                maps[-1].anon_kb = kb
            else:
                maps[-1].swap_kb = kb
    _classify(maps)
    return maps


def _size_label(size: int) -> str:
    mib = 1
    while mib * 2**20 < size:
        mib *= 2
    return f"≤{mib} MiB"


def _classify(maps: list[Mapping]) -> None:
    for i, m in enumerate(maps):
        prev = maps[i - 1] if i else None
        if m.path == "[heap]":
            m.cls = "heap"
        elif m.path.startswith("["):
            m.cls = m.path
        elif m.path:
            m.cls = "file " + Path(m.path.split(" (deleted)")[0]).name
        elif (m.start % _ARENA_ALIGN == 0 and m.size <= _ARENA_ALIGN and (
            m.perms == "---p" or (i + 1 < len(maps) and maps[i + 1].start == m.end
                                  and maps[i + 1].perms == "---p" and not maps[i + 1].path)
            or m.size == _ARENA_ALIGN
        )) or (m.perms == "---p" and not m.path and prev is not None and prev.cls == "arena" and prev.end == m.start):
            m.cls = "arena"
        elif (m.perms.startswith("rw") and prev is not None and prev.end == m.start and prev.perms == "---p"
              and not prev.path and prev.size <= _GUARD_MAX and prev.cls != "arena"):
            m.cls = f"thread stack {round(m.size / 2**20, 2)} MiB"
            prev.cls = "thread guard"
        elif m.perms == "---p":
            m.cls = "anon ---p"
        else:
            m.cls = f"anon {_size_label(m.size)}"


def read(pid: int) -> str:
    return Path(f"/proc/{pid}/smaps").read_text()


def totals(maps: list[Mapping]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = defaultdict(lambda: {"n": 0, "rss_mb": 0.0, "anon_mb": 0.0})
    for m in maps:
        row = out[m.cls]
        row["n"] += 1
        row["rss_mb"] += m.rss_kb / 1024
        row["anon_mb"] += m.anon_kb / 1024
    return {k: {kk: round(vv, 2) for kk, vv in v.items()} for k, v in sorted(out.items())}


def coarse(maps: list[Mapping]) -> dict[str, float]:
    """Rss (MB) per kind: heap, arena, thread stacks (and how many), anon (other), file, other."""
    out: dict[str, float] = defaultdict(float)
    for m in maps:
        kind = m.cls.split(" ")[0] if m.cls.split(" ")[0] in ("heap", "arena", "anon", "file") else m.cls
        kind = "stacks" if m.cls.startswith("thread") else kind if kind in ("heap", "arena", "anon", "file") else "other"
        out[kind] += m.rss_kb / 1024
        if m.cls.startswith("thread stack"):
            out["stacks_n"] += 1
    return {k: round(v, 2) for k, v in sorted(out.items())}


def diff(first: list[Mapping], last: list[Mapping], top: int = 15) -> dict[str, Any]:
    """Rss per class first → last (only classes that changed by ≥ 0.1 MB or in count) and the
    mappings that grew most."""
    a, b = totals(first), totals(last)
    classes: dict[str, Any] = {}
    for cls in sorted(set(a) | set(b)):
        ra, rb = a.get(cls, {"n": 0, "rss_mb": 0.0, "anon_mb": 0.0}), b.get(cls, {"n": 0, "rss_mb": 0.0, "anon_mb": 0.0})
        d = round(rb["rss_mb"] - ra["rss_mb"], 2)
        if abs(d) >= 0.1 or ra["n"] != rb["n"]:
            classes[cls] = {"n": [ra["n"], rb["n"]], "rss_mb": [ra["rss_mb"], rb["rss_mb"]], "delta_mb": d}
    by_start = {m.start: m for m in first}
    changes = []
    for m in last:
        old = by_start.get(m.start)
        before = old.rss_kb if old is not None else 0
        if m.rss_kb - before:
            changes.append({"start": hex(m.start), "size_kb": m.size // 1024, "perms": m.perms, "class": m.cls,
                            "path": m.path, "rss_kb": [before, m.rss_kb], "delta_kb": m.rss_kb - before,
                            "new": old is None})
    changes.sort(key=lambda c: -c["delta_kb"])
    total = round(sum(m.rss_kb for m in last) / 1024 - sum(m.rss_kb for m in first) / 1024, 2)
    return {"rss_delta_mb": total, "mappings": [len(first), len(last)],
            "classes": dict(sorted(classes.items(), key=lambda kv: -abs(kv[1]["delta_mb"]))),
            "grew_most": changes[:top]}


if __name__ == "__main__":
    first_maps, last_maps = (parse(Path(p).read_text()) for p in sys.argv[1:3])
    print(json.dumps(diff(first_maps, last_maps), indent=1, ensure_ascii=False))
