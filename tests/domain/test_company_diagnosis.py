"""기업 진단 scoring: each type wins when its items are agreed with, ties go to the first type,
and incomplete or odd answers are refused."""

from __future__ import annotations

import pytest

from server.domain.company_diagnosis import DIFFICULTY_TYPES, ITEMS, RECOMMENDATIONS, score_company_diagnosis
from server.domain.errors import DomainError

pytestmark = pytest.mark.unit


def _answers(**high: int) -> dict[str, int]:
    return {item.item_id: high.get(item.item_id, 1) for item in ITEMS}


@pytest.mark.parametrize(("items", "expected"), [
    (("cd1",), "wages_conditions"),
    (("cd3", "cd4"), "low_awareness"),
    (("cd5", "cd6"), "skills_shortage"),
    (("cd7", "cd8"), "location"),
    (("cd9",), "work_environment"),
])
def test_agreeing_with_a_types_items_gives_that_type(items, expected) -> None:
    result = score_company_diagnosis(_answers(**dict.fromkeys(items, 5)))
    assert result.difficulty_type == expected
    assert result.recommendations == RECOMMENDATIONS[expected]
    assert result.scores[expected] == max(result.scores.values())


def test_scores_are_means_on_zero_to_one() -> None:
    result = score_company_diagnosis(_answers(cd7=5, cd8=3))
    assert result.scores["location"] == 0.75
    assert result.scores["skills_shortage"] == 0.0
    # cd2 counts for wages and environment; cd10 for environment and wages.
    both = score_company_diagnosis(_answers(cd2=5))
    assert both.scores["wages_conditions"] == round(1 / 3, 3) and both.scores["work_environment"] == round(1 / 3, 3)


def test_a_tie_goes_to_the_first_type_listed() -> None:
    flat = score_company_diagnosis(_answers())
    assert flat.difficulty_type == DIFFICULTY_TYPES[0]
    tie = score_company_diagnosis(_answers(cd5=5, cd6=5, cd7=5, cd8=5))
    assert tie.difficulty_type == "skills_shortage"


def test_every_type_has_items_and_every_item_has_both_languages() -> None:
    assert len(ITEMS) == 10
    assert {kind for item in ITEMS for kind in item.types} == set(DIFFICULTY_TYPES)
    assert all(item.text_ko and item.text_en for item in ITEMS)


@pytest.mark.parametrize(("answers", "code"), [
    ({"cd1": 3}, "diagnosis_incomplete"),
    ({**_answers(), "cd99": 3}, "diagnosis_unknown_item"),
    ({**_answers(), "cd1": 0}, "diagnosis_out_of_scale"),
    ({**_answers(), "cd1": 6}, "diagnosis_out_of_scale"),
    ({**_answers(), "cd1": True}, "diagnosis_out_of_scale"),
])
def test_bad_answers_are_refused(answers, code) -> None:
    with pytest.raises(DomainError) as caught:
        score_company_diagnosis(answers)
    assert caught.value.code == code
