"""Ranking metrics for the matching evaluation: precision@k and nDCG@k with graded relevance."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

__all__ = ["dcg_at_k", "ndcg_at_k", "precision_at_k"]


def precision_at_k(
    ranked_ids: Sequence[str], grades: Mapping[str, int], k: int, *, relevant_grade: int = 2
) -> float:
    """Share of the top k that have a grade >= relevant_grade. A list shorter than k counts the gap as misses."""
    if k <= 0:
        raise ValueError("k must be positive")
    hits = sum(1 for item in ranked_ids[:k] if grades.get(item, 0) >= relevant_grade)
    return hits / k


def dcg_at_k(gains_in_rank_order: Sequence[int], k: int) -> float:
    """DCG with exponential gain (2^grade - 1) and a log2(rank + 1) discount (Järvelin & Kekäläinen; Burges et al.)."""
    return sum((2**grade - 1) / math.log2(rank + 2) for rank, grade in enumerate(gains_in_rank_order[:k]))


def ndcg_at_k(ranked_ids: Sequence[str], grades: Mapping[str, int], k: int) -> float:
    """DCG of the ranking divided by the DCG of the ideal ordering of all graded items; 0 when nothing is relevant."""
    ideal = dcg_at_k(sorted(grades.values(), reverse=True), k)
    if ideal == 0:
        return 0.0
    return dcg_at_k([grades.get(item, 0) for item in ranked_ids], k) / ideal
