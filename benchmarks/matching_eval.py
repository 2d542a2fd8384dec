"""Evaluate matching against a keyword-overlap baseline on the generated labelled set.

Run: .venv/bin/python benchmarks/matching_eval.py [--seeds 5]
Prints precision@5 (relevant = grade >= 2) and nDCG@10 per method, mean and
standard deviation over seeds, as a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matching_dataset import LabelledSet, generate_labelled_set

from server.domain.evaluation import ndcg_at_k, precision_at_k
from server.domain.matching import (
    JobPosting,
    MatchWeights,
    PostingIndex,
    SeekerProfile,
    featurize_seeker,
)
from server.domain.text import content_words

Ranker = Callable[[SeekerProfile, list[JobPosting]], list[str]]


def _seeker_words(s: SeekerProfile) -> set[str]:
    return set(
        content_words(" ".join([*s.skills, *s.certificates, s.career_history_text, s.cover_letter_text]))
    )


def _posting_words(p: JobPosting) -> set[str]:
    return set(content_words(" ".join([p.title, p.duties, *p.required_skills, *p.preferred_skills])))


def keyword_overlap_ranking(seeker: SeekerProfile, postings: list[JobPosting]) -> list[str]:
    """Baseline: Jaccard overlap of the raw keyword sets (same tokeniser, no synonyms, no structure)."""
    words = _seeker_words(seeker)

    def score(p: JobPosting) -> float:
        other = _posting_words(p)
        union = words | other
        return len(words & other) / len(union) if union else 0.0

    return [p.posting_id for p in sorted(postings, key=lambda p: (-round(score(p), 6), p.posting_id))]


def matcher_ranking(weights: MatchWeights) -> Callable[[LabelledSet], Callable[[SeekerProfile], list[str]]]:
    def bind(data: LabelledSet) -> Callable[[SeekerProfile], list[str]]:
        index = PostingIndex.from_postings([p.posting for p in data.postings])
        return lambda s: [r.posting_id for r in index.rank(featurize_seeker(s), weights, limit=len(index))]

    return bind


def _sd(values: list[float]) -> float:
    return statistics.stdev(values) if len(values) > 1 else 0.0


def evaluate(data: LabelledSet, rank: Callable[[SeekerProfile], list[str]]) -> tuple[float, float]:
    p5, n10 = [], []
    for seeker in data.seekers:
        ranked = rank(seeker.profile)
        grades = data.grades[seeker.profile.seeker_id]
        p5.append(precision_at_k(ranked, grades, 5))
        n10.append(ndcg_at_k(ranked, grades, 10))
    return statistics.fmean(p5), statistics.fmean(n10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    only = {
        name: 0.0
        for name in (
            "skills",
            "field",
            "text",
            "region",
            "career",
            "education",
            "salary",
            "employment_type",
            "practice",
        )
    }
    methods: dict[str, Callable[[LabelledSet], Callable[[SeekerProfile], list[str]]]] = {
        "keyword overlap (baseline)": lambda data: (
            lambda s: keyword_overlap_ranking(s, [p.posting for p in data.postings])
        ),
        "Untact matcher (default weights)": matcher_ranking(MatchWeights()),
        "ablation: text similarity only": matcher_ranking(MatchWeights(**{**only, "text": 1.0})),
        "ablation: normalised skills only": matcher_ranking(MatchWeights(**{**only, "skills": 1.0})),
    }
    # The best any ranking can do: sort by the labels themselves (ties by id).
    methods["oracle (sorted by the labels)"] = lambda data: (
        lambda s: sorted(data.grades[s.seeker_id], key=lambda pid: (-data.grades[s.seeker_id][pid], pid))
    )
    results: dict[str, list[tuple[float, float]]] = {m: [] for m in methods}
    for seed in range(args.seeds):
        data = generate_labelled_set(seed=seed)
        for name, bind in methods.items():
            results[name].append(evaluate(data, bind(data)))
    baseline = results["keyword overlap (baseline)"]
    print(f"{len(data.seekers)} seekers x {len(data.postings)} postings, seeds 0..{args.seeds - 1}\n")
    print("| method | precision@5 | nDCG@10 | P@5 ratio to baseline | nDCG@10 ratio to baseline |")
    print("|---|---|---|---|---|")
    for name, values in results.items():
        p5 = [v[0] for v in values]
        n10 = [v[1] for v in values]
        print(
            f"| {name} | {statistics.fmean(p5):.3f} ± {_sd(p5):.3f} | {statistics.fmean(n10):.3f} ± {_sd(n10):.3f} "
            f"| {statistics.fmean(p5) / statistics.fmean(v[0] for v in baseline):.2f}x "
            f"| {statistics.fmean(n10) / statistics.fmean(v[1] for v in baseline):.2f}x |"
        )
    first = results["Untact matcher (default weights)"][0]
    print(
        f"\nseed 0 only: matcher P@5 {first[0]:.3f}, nDCG@10 {first[1]:.3f}; baseline P@5 {baseline[0][0]:.3f}, nDCG@10 {baseline[0][1]:.3f}"
    )


if __name__ == "__main__":
    main()
