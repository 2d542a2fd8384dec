"""Money fields read what people type ("3,600", "3600만원", "1억 2천만") or refuse it with a reason."""

from __future__ import annotations

import pytest

from server.domain.errors import DomainError
from server.domain.money import parse_krw_amount

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("typed", "won"),
    [
        ("3,600", 36_000_000),  # a bare number is in 만원, as the fields are labelled
        ("3600", 36_000_000),
        ("3,600만원", 36_000_000),
        ("3600만 원", 36_000_000),
        ("3.6천만", 36_000_000),
        ("1억 2천만", 120_000_000),
        ("36,000,000원", 36_000_000),  # 원 written out: the number is won
        (" 250 ", 2_500_000),
        (36_000_000, 36_000_000),  # the JSON API sends won
        ("", None),
        (None, None),
    ],
)
def test_amounts_as_people_type_them(typed: str | int | None, won: int | None) -> None:
    assert parse_krw_amount(typed) == won


@pytest.mark.parametrize(
    "typed", ["abc", "3,600달러", "-5", "1억 2000", "1.23456만", "99999999만원", True, -1, 1.5, float("nan")]
)
def test_what_cannot_be_read_is_refused_not_dropped(typed: object) -> None:
    with pytest.raises(DomainError) as caught:
        parse_krw_amount(typed)  # type: ignore[arg-type]
    assert caught.value.code == "invalid_money"
