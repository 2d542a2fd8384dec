"""Matching on PostgreSQL: rank 100,000 stored postings for one seeker through the service path.

Run: .venv/bin/python benchmarks/bench_matching_postgres.py [--postings 100000] [--queries 30]
     [--url postgresql://postgres@127.0.0.1:5432/test]

Creates a fresh database next to the given one, applies the migrations, stores generated
postings the way the app does (PostingFeatures as JSON + the n-gram bytes), and measures in
one run:
- the request path of "recommended jobs" (`recommend_postings`: load the seeker's profile,
  check the posting-index version row, rank with the cached
  `PostingIndex`, fetch the top 10 rows with their company), p50/p95 over several seekers;
- the same ranking on an index built in memory from the same features (the baseline),
  and the ratio between the two;
- the cold path: loading all stored features from PostgreSQL and building the index, which
  happens once per process and again after a posting changes.
The database is dropped at the end, also on failure.
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import os
import platform
import resource
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import psycopg
from matching_dataset import generate_postings, generate_seekers
from sqlalchemy import insert, select

from server.careers.service import PostingIndexCache, recommend_postings
from server.core.db import make_engine, make_sessionmaker, migrate, utcnow
from server.domain.matching import (
    JobPosting,
    PostingFeatures,
    PostingIndex,
    featurize_posting,
    featurize_seeker,
)
from server.models import Company, JobPostingRow, Role, SeekerProfileRow, User

TARGET_MS = 200.0
CHUNK = 5_000


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _featurize(posting: JobPosting) -> PostingFeatures:
    return featurize_posting(posting)


def _row(posting: JobPosting, features: PostingFeatures, company_id: int) -> dict[str, object]:
    data = features.to_dict()
    ngrams = data.pop("text_ngrams")
    now = utcnow()
    return {
        "id": int(posting.posting_id),
        "company_id": company_id,
        "title": posting.title,
        "field": posting.field,
        "duties": posting.duties,
        "required_skills": list(posting.required_skills),
        "preferred_skills": list(posting.preferred_skills),
        "career_level": posting.career_level,
        "min_career_years": posting.min_career_years,
        "max_career_years": posting.max_career_years,
        "education": posting.education,
        "employment_type": posting.employment_type,
        "region": posting.region,
        "region_id": features.region_id,
        "salary_min_krw": posting.salary_min_krw_per_year,
        "salary_max_krw": posting.salary_max_krw_per_year,
        "deadline": posting.deadline,
        "openings": posting.openings,
        "status": "open",
        "features": data,
        "text_ngrams": ngrams,
        "search_terms": "",
        "created_at": now,
        "updated_at": now,
    }


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postings", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument(
        "--url",
        default=os.environ.get("UNTACT_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    args = parser.parse_args()

    name = f"untact_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(args.url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
        server_version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    base, _, _ = args.url.rpartition("/")
    engine = make_engine(f"{base}/{name}")
    try:
        migrate(engine)
        factory = make_sessionmaker(engine)

        t0 = time.perf_counter()
        postings = [
            dataclasses.replace(p, posting_id=str(i + 1))
            for i, p in enumerate(generate_postings(args.postings))
        ]
        with multiprocessing.get_context("fork").Pool(2) as pool:
            features = pool.map(_featurize, postings, chunksize=2_000)
        t1 = time.perf_counter()

        with factory() as db:
            company = Company(name="벤치마크 주식회사")
            db.add(company)
            db.flush()
            company_id = company.id
            users = []
            for i, profile in enumerate(generate_seekers(args.queries)):
                user = User(
                    email=f"bench{i}@example.kr",
                    password_hash="x",
                    role=Role.SEEKER,
                    display_name=f"구직자{i}",
                )
                db.add(user)
                db.flush()
                db.add(
                    SeekerProfileRow(
                        user_id=user.id,
                        desired_fields=list(profile.desired_fields),
                        aptitude_fields=list(profile.aptitude_fields),
                        desired_regions=list(profile.desired_regions),
                        desired_salary_krw=profile.desired_salary_krw_per_year,
                        desired_employment_types=list(profile.desired_employment_types),
                        career_years=profile.career_years,
                        education=profile.education,
                        skills=list(profile.skills),
                        certificates=list(profile.certificates),
                        career_history=profile.career_history_text,
                        cover_letter=profile.cover_letter_text,
                        discoverable=True,
                    )
                )
                users.append(user.id)
            db.commit()
        with engine.begin() as conn:
            for start in range(0, len(postings), CHUNK):
                rows = [
                    _row(p, f, company_id)
                    for p, f in zip(
                        postings[start : start + CHUNK], features[start : start + CHUNK], strict=True
                    )
                ]
                conn.execute(insert(JobPostingRow.__table__), rows)
            conn.exec_driver_sql("ANALYZE careers_postings")
            # What create_posting does per write: tell the caches that postings changed.
            conn.exec_driver_sql("UPDATE careers_posting_index_version SET version = version + 1")
        t2 = time.perf_counter()

        # Cold path: everything from PostgreSQL into a fresh index (once per process / after a change).
        cache = PostingIndexCache()
        with factory() as db:
            start = time.perf_counter()
            cache.get(db)
            cold_s = time.perf_counter() - start
            start = time.perf_counter()
            PostingIndexCache.fingerprint(db)
            fingerprint_ms = (time.perf_counter() - start) * 1000

        # The request path, warm cache, as GET /api/careers/recommendations runs it.
        service_ms: list[float] = []
        with factory() as db:
            user_rows = {u.id: u for u in db.scalars(select(User).where(User.id.in_(users)))}
            recommend_postings(db, cache, user_rows[users[0]], limit=10, record_view=False)  # warm-up
            for user_id in users:
                start = time.perf_counter()
                results = recommend_postings(db, cache, user_rows[user_id], limit=10, record_view=False)
                service_ms.append((time.perf_counter() - start) * 1000)
                assert len(results) == 10
            fingerprints = [PostingIndexCache.fingerprint(db) for _ in range(5)]

        # Baseline in the same run: the same features ranked by an index built in memory.
        index = PostingIndex(features)
        seekers = [featurize_seeker(s) for s in generate_seekers(args.queries)]
        index.rank(seekers[0], limit=10)
        memory_ms = []
        for seeker in seekers:
            start = time.perf_counter()
            index.rank(seeker, limit=10)
            memory_ms.append((time.perf_counter() - start) * 1000)

        fingerprint_samples = []
        with factory() as db:
            for _ in range(10):
                start = time.perf_counter()
                PostingIndexCache.fingerprint(db)
                fingerprint_samples.append((time.perf_counter() - start) * 1000)

        p50, p95 = statistics.median(service_ms), _percentile(service_ms, 95)
        m50, m95 = statistics.median(memory_ms), _percentile(memory_ms, 95)
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"machine: {_cpu_model()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, "
            f"Python {platform.python_version()}, numpy {np.__version__}, PostgreSQL {server_version}"
        )
        print(
            f"postings: {args.postings:,}; seekers (queries): {len(users)}; fingerprint stable: {len(set(fingerprints)) == 1}"
        )
        print(f"generate + featurise (2 processes): {t1 - t0:.1f} s; insert into PostgreSQL: {t2 - t1:.1f} s")
        print(f"cold: load stored features from PostgreSQL + build the index: {cold_s:.2f} s")
        print(
            f"fingerprint query (posting-index version row): "
            f"median {statistics.median(fingerprint_samples):.1f} ms (first {fingerprint_ms:.1f} ms)"
        )
        print(
            f"service path recommend_postings (PostgreSQL, warm index), top 10: "
            f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(service_ms):.1f} ms"
        )
        print(f"in-memory PostingIndex.rank, same features, top 10: p50 {m50:.1f} ms, p95 {m95:.1f} ms")
        print(f"ratio PostgreSQL path / in-memory: p50 {p50 / m50:.2f}x, p95 {p95 / m95:.2f}x")
        print(f"target {TARGET_MS:.0f} ms: service p95 is {p95 / TARGET_MS:.2f}x the target")
        print(f"peak RSS: {peak_mib:.0f} MiB")
    finally:
        engine.dispose()
        with psycopg.connect(args.url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
