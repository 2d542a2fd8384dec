"""Ranking metrics on a hand-made case, and the labelled-set generator's contract."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

from server.domain.evaluation import dcg_at_k, ndcg_at_k, precision_at_k

pytestmark = pytest.mark.unit

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

GRADES = {"a": 3, "b": 0, "c": 2, "d": 1, "e": 2}
RANKED = ["a", "b", "c", "d"]


def test_precision_at_k() -> None:
    assert precision_at_k(RANKED, GRADES, 2) == 0.5  # a relevant, b not
    assert precision_at_k(RANKED, GRADES, 3) == pytest.approx(2 / 3)
    assert precision_at_k(RANKED, GRADES, 5) == pytest.approx(2 / 5)  # short list: the gap counts as misses
    assert precision_at_k(RANKED, GRADES, 3, relevant_grade=1) == pytest.approx(2 / 3)


def test_dcg_and_ndcg_hand_computed() -> None:
    # DCG@3 = (2^3-1)/log2(2) + 0/log2(3) + (2^2-1)/log2(4) = 7 + 0 + 1.5
    assert dcg_at_k([3, 0, 2], 3) == pytest.approx(8.5)
    # Ideal order 3, 2, 2: 7 + 3/log2(3) + 3/2
    ideal = 7 + 3 / math.log2(3) + 1.5
    assert ndcg_at_k(RANKED, GRADES, 3) == pytest.approx(8.5 / ideal)
    assert ndcg_at_k(["a", "c", "e", "d", "b"], GRADES, 5) == pytest.approx(1.0)
    assert ndcg_at_k(["x"], {"x": 0}, 10) == 0.0


def test_labelled_set_is_big_enough_deterministic_and_graded() -> None:
    from matching_dataset import generate_labelled_set

    first = generate_labelled_set(seed=3)
    assert len(first.seekers) >= 30 and len(first.postings) >= 50
    assert first.grades == generate_labelled_set(seed=3).grades
    grades = [g for row in first.grades.values() for g in row.values()]
    assert set(grades) == {0, 1, 2, 3}


def test_true_relevance_uses_latent_attributes() -> None:
    from matching_dataset import LatentPosting, LatentSeeker, true_relevance

    from server.domain.matching import JobPosting, SeekerProfile

    seeker = LatentSeeker(SeekerProfile("s"), "it_dev", frozenset({"python", "sql"}), "seoul", 3.0)
    perfect = LatentPosting(
        JobPosting("p", "개발자", "it_dev"), frozenset({"python", "sql"}), "gyeonggi", 2.0
    )
    far = LatentPosting(JobPosting("q", "간호사", "healthcare"), frozenset({"nursing"}), "jeju", 5.0)
    # 0.40 + 0.35 + 0.15 (neighbouring region) + 0.10 = 1.0 -> 3
    assert true_relevance(seeker, perfect, noise=0.0) == 3
    # 0 + 0 + 0 + 0.10 x max(0, 1 - 2/2) = 0 -> 0
    assert true_relevance(seeker, far, noise=0.0) == 0
