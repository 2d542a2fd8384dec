"""The target groups' rules read only what a seeker told, and never guess at an edge."""

from __future__ import annotations

from datetime import date

import pytest

from server.domain.outreach import SeekerFacts, age_range_on, suggest

pytestmark = pytest.mark.unit

TODAY = date(2026, 12, 7)


def test_a_birth_year_gives_two_possible_ages() -> None:
    assert age_range_on(2000, TODAY) == (25, 26)


def test_the_edges_of_each_age_range() -> None:
    fits = lambda group, year: suggest(group, SeekerFacts(birth_year=year), TODAY) is not None  # noqa: E731
    assert fits("youth", 2010) and not fits("youth", 2011)  # 15–16 fits, 14–15 is left to staff
    assert fits("youth", 1992) and not fits("youth", 1991)  # 33–34 fits, 34–35 is left to staff
    assert fits("middle_aged", 1985) and not fits("middle_aged", 1986)  # 40–41 / 39–40
    assert fits("middle_aged", 1962) and not fits("middle_aged", 1961)  # 63–64 / 64–65
    assert fits("older", 1970) and not fits("older", 1971)  # 55–56 / 54–55
    assert fits("older", 1930)  # no upper limit


def test_nothing_told_means_nothing_suggested() -> None:
    for group in ("youth", "career_break_women", "middle_aged", "older", "disabled"):
        assert suggest(group, SeekerFacts(), TODAY) is None


def test_career_break_and_disability_only_when_the_seeker_said_so() -> None:
    assert suggest("career_break_women", SeekerFacts(career_break=True), TODAY) is not None
    assert suggest("career_break_women", SeekerFacts(career_break=False, birth_year=1985), TODAY) is None
    assert suggest("disabled", SeekerFacts(disability=True), TODAY) is not None
    assert suggest("disabled", SeekerFacts(disability=False, career_break=True), TODAY) is None
    # An age says nothing about the other groups.
    assert suggest("disabled", SeekerFacts(birth_year=1950), TODAY) is None


def test_an_unknown_group_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown target group"):
        suggest("students", SeekerFacts(birth_year=2000), TODAY)
