"""Matching at scale: rank 100,000 generated postings for one seeker, in memory.

Run: .venv/bin/python benchmarks/bench_matching.py [--postings 100000] [--queries 30]

Reports, in one run: featurisation and index-build time, the time to rank all
postings for one seeker (median and p95 over several seekers, top 10 with
explanations), the ratio to the 200 ms target from issue 7, and the same work
done the naive way (score_match per posting in a Python loop, measured on a
sample and extrapolated) as the baseline. The PostgreSQL-backed variant comes
with the DB layer.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from matching_dataset import generate_postings, generate_seekers

from server.domain.matching import PostingIndex, featurize_posting, featurize_seeker, score_match

TARGET_MS = 200.0


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postings", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument("--naive-sample", type=int, default=500)
    args = parser.parse_args()

    t0 = time.perf_counter()
    postings = generate_postings(args.postings)
    t1 = time.perf_counter()
    features = [featurize_posting(p) for p in postings]
    t2 = time.perf_counter()
    index = PostingIndex(features)
    t3 = time.perf_counter()
    seekers = [featurize_seeker(s) for s in generate_seekers(args.queries)]

    index.rank(seekers[0], limit=10)  # warm-up: first-touch page faults, not steady state
    rank_ms = []
    score_all_ms = []
    for seeker in seekers:
        start = time.perf_counter()
        results = index.rank(seeker, limit=10)
        rank_ms.append((time.perf_counter() - start) * 1000)
        assert len(results) == 10
        start = time.perf_counter()
        index.score_all(seeker)
        score_all_ms.append((time.perf_counter() - start) * 1000)

    profiles = generate_seekers(1)
    sample = postings[: args.naive_sample]
    start = time.perf_counter()
    for p in sample:
        score_match(profiles[0], p)
    naive_ms = (time.perf_counter() - start) * 1000 * (args.postings / len(sample))

    median = statistics.median(rank_ms)
    p95 = float(np.percentile(rank_ms, 95))
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"machine: {_cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, numpy {np.__version__}"
    )
    print(f"postings: {args.postings:,}; queries: {len(seekers)}")
    print(
        f"generate postings: {t1 - t0:.1f} s; featurise: {t2 - t1:.1f} s "
        f"({(t2 - t1) / args.postings * 1e6:.0f} µs/posting); build index: {t3 - t2:.1f} s"
    )
    print(
        f"text n-gram entries stored: {sum(len(f.text_ngrams) // 8 for f in features):,} "
        f"({sum(len(f.text_ngrams) for f in features) / 2**20:.1f} MiB as bytes)"
    )
    print(
        f"rank all postings, top 10 with explanations: median {median:.1f} ms, p95 {p95:.1f} ms, "
        f"max {max(rank_ms):.1f} ms"
    )
    print(f"scores only (no top-k, no explanations): median {statistics.median(score_all_ms):.1f} ms")
    print(f"target {TARGET_MS:.0f} ms: median is {median / TARGET_MS:.2f}x the target")
    print(
        f"naive baseline (score_match per posting in Python, extrapolated from {len(sample)}): "
        f"{naive_ms / 1000:.1f} s -> vectorised is {naive_ms / median:,.0f}x faster"
    )
    print(f"peak RSS: {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
