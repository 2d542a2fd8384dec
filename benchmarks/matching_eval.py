"""Evaluate matching against a keyword-overlap baseline on two labelled sets.

- **generated**: `matching_dataset.generate_labelled_set` (labels from latent attributes), seeds 0..N-1;
- **hand-written**: `data/matching_handwritten.json`, Korean postings and free-text profiles written
  by hand with graded judgements (see the file's `_comment`).

Each set is evaluated as written (desired fields given) and with the seekers' desired fields (and
aptitude fields) removed, which is how many people fill in a profile. Methods, in one run:
keyword overlap (baseline), the Untact matcher with field inference off ("before": the matcher
as it was, which without a field lets the region lead) and on ("after", the default), text-only
and skills-only ablations, and the oracle.

Run: .venv/bin/python benchmarks/matching_eval.py [--seeds 5]
Prints nDCG@5 (the headline figure), precision@5 (relevant = grade >= 2) and nDCG@10 per case and
method, with the ratio to the baseline, as Markdown tables for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matching_dataset import generate_labelled_set

from server.domain.evaluation import ndcg_at_k, precision_at_k
from server.domain.matching import (
    JobPosting,
    MatchWeights,
    PostingIndex,
    SeekerProfile,
    featurize_seeker,
)
from server.domain.text import content_words

HANDWRITTEN_PATH = Path(__file__).resolve().parent / "data" / "matching_handwritten.json"
BASELINE = "keyword overlap (baseline)"
BEFORE = "Untact, field inference off (before)"
AFTER = "Untact (after)"


@dataclass(frozen=True)
class EvalSet:
    name: str
    seekers: tuple[SeekerProfile, ...]
    postings: tuple[JobPosting, ...]
    grades: dict[str, dict[str, int]]  # seeker -> posting -> grade; missing = 0

    def without_desired_fields(self) -> EvalSet:
        seekers = tuple(replace(s, desired_fields=(), aptitude_fields=()) for s in self.seekers)
        return EvalSet(self.name + ", no desired field", seekers, self.postings, self.grades)


def generated_set(seed: int) -> EvalSet:
    data = generate_labelled_set(seed=seed)
    return EvalSet(
        f"generated (seed {seed})",
        tuple(s.profile for s in data.seekers),
        tuple(p.posting for p in data.postings),
        data.grades,
    )


def handwritten_set(path: Path = HANDWRITTEN_PATH) -> EvalSet:
    raw = json.loads(path.read_text(encoding="utf-8"))
    postings = tuple(
        JobPosting(
            posting_id=p["id"],
            title=p["title"],
            field=p["field"],
            duties=p["duties"],
            required_skills=tuple(p["required_skills"]),
            preferred_skills=tuple(p["preferred_skills"]),
            career_level=p["career_level"],
            min_career_years=float(p["min_career_years"]),
            education=p["education"],
            employment_type=p.get("employment_type", "full_time"),
            region=p["region"],
            salary_min_krw_per_year=p.get("salary_min"),
            salary_max_krw_per_year=p.get("salary_max"),
        )
        for p in raw["postings"]
    )
    seekers = tuple(
        SeekerProfile(
            seeker_id=s["id"],
            desired_fields=tuple(s["desired_fields"]),
            desired_regions=tuple(s["desired_regions"]),
            career_years=float(s["career_years"]),
            education=s["education"],
            skills=tuple(s["skills"]),
            certificates=tuple(s["certificates"]),
            career_history_text=s["career_history"],
        )
        for s in raw["seekers"]
    )
    ids = {p.posting_id for p in postings}
    grades = {s.seeker_id: {pid: 0 for pid in ids} | raw["judgements"].get(s.seeker_id, {}) for s in seekers}
    return EvalSet("hand-written", seekers, postings, grades)


def _seeker_words(s: SeekerProfile) -> set[str]:
    return set(
        content_words(" ".join([*s.skills, *s.certificates, s.career_history_text, s.cover_letter_text]))
    )


def _posting_words(p: JobPosting) -> set[str]:
    return set(content_words(" ".join([p.title, p.duties, *p.required_skills, *p.preferred_skills])))


def keyword_overlap_ranking(seeker: SeekerProfile, postings: tuple[JobPosting, ...]) -> list[str]:
    """Baseline: Jaccard overlap of the raw keyword sets (same tokeniser, no synonyms, no structure)."""
    words = _seeker_words(seeker)

    def score(p: JobPosting) -> float:
        other = _posting_words(p)
        union = words | other
        return len(words & other) / len(union) if union else 0.0

    return [p.posting_id for p in sorted(postings, key=lambda p: (-round(score(p), 6), p.posting_id))]


Binder = Callable[[EvalSet], Callable[[SeekerProfile], list[str]]]


def matcher_ranking(weights: MatchWeights) -> Binder:
    def bind(data: EvalSet) -> Callable[[SeekerProfile], list[str]]:
        index = PostingIndex.from_postings(list(data.postings))
        return lambda s: [r.posting_id for r in index.rank(featurize_seeker(s), weights, limit=len(index))]

    return bind


_ONLY = dict.fromkeys(
    ("skills", "field", "text", "region", "career", "education", "salary", "employment_type", "practice"), 0.0
)
METHODS: dict[str, Binder] = {
    BASELINE: lambda data: lambda s: keyword_overlap_ranking(s, data.postings),
    BEFORE: matcher_ranking(MatchWeights(infer_missing_field=False)),
    AFTER: matcher_ranking(MatchWeights()),
    "ablation: text similarity only": matcher_ranking(MatchWeights(**{**_ONLY, "text": 1.0})),
    "ablation: normalised skills only": matcher_ranking(MatchWeights(**{**_ONLY, "skills": 1.0})),
    # The best any ranking can do: sort by the labels themselves (ties by id).
    "oracle (sorted by the labels)": lambda data: (
        lambda s: sorted(data.grades[s.seeker_id], key=lambda pid: (-data.grades[s.seeker_id][pid], pid))
    ),
}


@dataclass(frozen=True)
class Scores:
    ndcg5: float
    p5: float
    ndcg10: float


def evaluate(data: EvalSet, rank: Callable[[SeekerProfile], list[str]]) -> Scores:
    n5, p5, n10 = [], [], []
    for seeker in data.seekers:
        ranked = rank(seeker)
        grades = data.grades[seeker.seeker_id]
        n5.append(ndcg_at_k(ranked, grades, 5))
        p5.append(precision_at_k(ranked, grades, 5))
        n10.append(ndcg_at_k(ranked, grades, 10))
    return Scores(statistics.fmean(n5), statistics.fmean(p5), statistics.fmean(n10))


def _mean(values: list[Scores]) -> Scores:
    return Scores(*(statistics.fmean(getattr(v, f) for v in values) for f in ("ndcg5", "p5", "ndcg10")))


def run_cases(seeds: int = 5, methods: dict[str, Binder] | None = None) -> dict[str, dict[str, Scores]]:
    """case -> method -> scores (generated cases are means over seeds 0..seeds-1)."""
    methods = methods or METHODS
    results: dict[str, dict[str, Scores]] = {}
    generated = [generated_set(seed) for seed in range(seeds)]
    for with_fields in (True, False):
        sets = generated if with_fields else [g.without_desired_fields() for g in generated]
        label = f"generated, {'desired fields given' if with_fields else 'no desired field'} ({seeds} seeds)"
        results[label] = {m: _mean([evaluate(d, bind(d)) for d in sets]) for m, bind in methods.items()}
    results.update(handwritten_cases(methods))
    return results


def handwritten_cases(methods: dict[str, Binder] | None = None) -> dict[str, dict[str, Scores]]:
    methods = methods or METHODS
    hand = handwritten_set()
    out: dict[str, dict[str, Scores]] = {}
    for data, label in ((hand, "hand-written, desired fields given"),
                        (hand.without_desired_fields(), "hand-written, no desired field")):  # fmt: skip
        out[label] = {m: evaluate(data, bind(data)) for m, bind in methods.items()}
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    hand = handwritten_set()
    print(f"generated: 30 seekers x 50 postings per seed; hand-written: {len(hand.seekers)} seekers x "
          f"{len(hand.postings)} postings\n")  # fmt: skip
    for case, by_method in run_cases(args.seeds).items():
        base = by_method[BASELINE]
        print(f"**{case}**\n")
        print("| method | nDCG@5 | ratio to baseline | precision@5 | nDCG@10 |")
        print("|---|---|---|---|---|")
        for name, s in by_method.items():
            print(f"| {name} | {s.ndcg5:.3f} | {s.ndcg5 / base.ndcg5:.2f}x | {s.p5:.3f} | {s.ndcg10:.3f} |")
        print()


if __name__ == "__main__":
    main()
