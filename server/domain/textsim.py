"""Offline text similarity: hashed character n-grams with TF-IDF and cosine.

Character 2- and 3-grams of content words (Korean noun lemmas from analysis.morph,
compounds split; Latin words as written) tolerate spelling variation, and hashing into a fixed space means a posting's
features can be computed once, stored as bytes by the DB layer and combined
with corpus IDF later without a shared vocabulary.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from server.domain.text import content_words

__all__ = [
    "MAX_NGRAMS_PER_DOCUMENT",
    "NGRAM_BUCKETS",
    "SparseRows",
    "build_tfidf_rows",
    "compute_idf",
    "decode_ngram_counts",
    "encode_ngram_counts",
    "text_ngram_counts",
    "tfidf_query_vector",
]

NGRAM_BUCKETS = 1 << 18
# Keeping only the most frequent n-grams bounds the work per posting, which is
# what makes ranking 100,000 postings cheap; short postings are unaffected.
MAX_NGRAMS_PER_DOCUMENT = 160
_NGRAM_SIZES = (2, 3)


@lru_cache(maxsize=1 << 20)
def _bucket(ngram: str) -> int:
    # crc32, not hash(): Python's str hash changes between processes, stored features must not.
    return zlib.crc32(ngram.encode("utf-8")) % NGRAM_BUCKETS


def text_ngram_counts(text: str, extra_terms: Iterable[str] = ()) -> dict[int, int]:
    """Hashed n-gram counts of a document, capped to the most frequent MAX_NGRAMS_PER_DOCUMENT."""
    counts: Counter[int] = Counter()
    for word in [*content_words(text), *extra_terms]:
        padded = f" {word} "
        for n in _NGRAM_SIZES:
            for i in range(len(padded) - n + 1):
                counts[_bucket(padded[i : i + n])] += 1
    if len(counts) > MAX_NGRAMS_PER_DOCUMENT:
        kept = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_NGRAMS_PER_DOCUMENT]
        return dict(kept)
    return dict(counts)


def encode_ngram_counts(counts: dict[int, int]) -> bytes:
    """Compact storable form: little-endian int32 (bucket, count) pairs sorted by bucket."""
    pairs = np.array(sorted(counts.items()), dtype="<i4").reshape(-1, 2)
    return pairs.tobytes()


def decode_ngram_counts(blob: bytes) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    pairs = np.frombuffer(blob, dtype="<i4").reshape(-1, 2)
    return pairs[:, 0].astype(np.int32), pairs[:, 1].astype(np.int32)


def compute_idf(documents: Sequence[bytes]) -> npt.NDArray[np.float32]:
    """Smoothed IDF, log((1 + N) / (1 + df)) + 1, over encoded documents."""
    df = np.zeros(NGRAM_BUCKETS, dtype=np.int64)
    for blob in documents:
        buckets, _ = decode_ngram_counts(blob)
        df[buckets] += 1
    n = len(documents)
    return (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)


class SparseRows:
    """A minimal CSR matrix (numpy only: scipy is not a runtime dependency) with a fast mat-vec.

    Every row has at least one stored entry (padding with a zero), so
    `np.add.reduceat` over row starts is exact.
    """

    def __init__(
        self, indptr: npt.NDArray[np.int64], cols: npt.NDArray[np.int32], data: npt.NDArray[np.float32]
    ):
        self.indptr = indptr
        self.cols = cols
        self.data = data
        self.n_rows = len(indptr) - 1

    @classmethod
    def from_rows(cls, rows: Sequence[tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]]) -> SparseRows:
        lengths = np.array([max(1, len(c)) for c, _ in rows], dtype=np.int64)
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        total = int(indptr[-1])
        cols = np.zeros(total, dtype=np.int32)
        data = np.zeros(total, dtype=np.float32)
        for i, (c, d) in enumerate(rows):
            if len(c):
                start = indptr[i]
                cols[start : start + len(c)] = c
                data[start : start + len(c)] = d
        return cls(indptr, cols, data)

    def dot(self, vector: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        if self.n_rows == 0:
            return np.zeros(0, dtype=np.float32)
        products = self.data * vector[self.cols]
        return np.add.reduceat(products, self.indptr[:-1]).astype(np.float32)

    def row(self, i: int) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
        start, end = self.indptr[i], self.indptr[i + 1]
        return self.cols[start:end], self.data[start:end]


def _tfidf_weights(
    buckets: npt.NDArray[np.int32], counts: npt.NDArray[np.int32], idf: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    weights = (1.0 + np.log(counts.astype(np.float32))) * idf[buckets]
    norm = float(np.sqrt(np.dot(weights, weights)))
    return (weights / norm).astype(np.float32) if norm > 0 else weights.astype(np.float32)


def build_tfidf_rows(documents: Sequence[bytes], idf: npt.NDArray[np.float32]) -> SparseRows:
    """L2-normalised, sublinear-TF x IDF rows for encoded documents."""
    rows = []
    for blob in documents:
        buckets, counts = decode_ngram_counts(blob)
        rows.append((buckets, _tfidf_weights(buckets, counts, idf)))
    return SparseRows.from_rows(rows)


def tfidf_query_vector(blob: bytes, idf: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Dense query vector (NGRAM_BUCKETS floats) so the mat-vec is a gather, not a sparse join."""
    buckets, counts = decode_ngram_counts(blob)
    vector = np.zeros(NGRAM_BUCKETS, dtype=np.float32)
    if len(buckets):
        vector[buckets] = _tfidf_weights(buckets, counts, idf)
    return vector
