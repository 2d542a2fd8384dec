"""The matching evaluation (benchmarks/matching_eval.py) as a test: Untact beats keyword overlap by
at least 1.1x nDCG@5 on the generated and the hand-written set, with and without desired fields.

Pure Python and deterministic (fixed seeds, no model)."""

from __future__ import annotations

import pytest

from benchmarks import matching_eval

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def cases() -> dict[str, dict[str, matching_eval.Scores]]:
    methods = {name: matching_eval.METHODS[name] for name in (matching_eval.BASELINE, matching_eval.AFTER)}
    return matching_eval.run_cases(seeds=3, methods=methods)


def test_untact_beats_keyword_overlap_by_a_tenth_in_all_four_cases(cases) -> None:  # type: ignore[no-untyped-def]
    assert len(cases) == 4
    assert sum("hand-written" in c for c in cases) == 2 and sum("no desired field" in c for c in cases) == 2
    for case, by_method in cases.items():
        ratio = by_method[matching_eval.AFTER].ndcg5 / by_method[matching_eval.BASELINE].ndcg5
        print(f"{case}: nDCG@5 {by_method[matching_eval.AFTER].ndcg5:.3f}, {ratio:.2f}x keyword overlap")
        assert ratio >= 1.1, (case, ratio)


def test_hand_written_set_is_complete() -> None:
    data = matching_eval.handwritten_set()
    assert len(data.seekers) >= 20 and len(data.postings) >= 50
    ids = {p.posting_id for p in data.postings}
    for seeker in data.seekers:
        grades = data.grades[seeker.seeker_id]
        assert set(grades) == ids and max(grades.values()) >= 2  # every seeker has a good fit
        assert seeker.desired_fields  # the "no desired field" case removes them
