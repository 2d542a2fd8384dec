"""Money as people type it in Korean forms: "3,600", "3600만원", "3,600만 원", "3.6천만", "1억 2천만".

A plain number in a form field is read in 만원 (10,000 won), the unit every salary field on the
site is labelled with; a unit written after it wins ("36,000,000원" is won, "1억" is 100,000,000).
Anything else is refused with a typed error, so nothing a person typed is silently dropped.
"""

from __future__ import annotations

import re

from server.domain.errors import DomainError

__all__ = ["MAX_KRW", "parse_krw_amount"]

MAX_KRW = 2_000_000_000

_UNITS_KRW = {"억": 100_000_000, "천만": 10_000_000, "백만": 1_000_000, "만": 10_000}
_NUMBER = r"\d+(?:\.\d+)?"
# One amount is one or more "<number><unit>" terms ("1억 2천만"), or one bare number, then an
# optional 원 ("3600만원", "36,000,000원").
_TERM = re.compile(rf"({_NUMBER})\s*(억|천만|백만|만)?")
_WHOLE = re.compile(rf"^(?:{_NUMBER}\s*(?:억|천만|백만|만)?\s*)+(?:원)?$")


def _invalid(raw: str) -> DomainError:
    return DomainError("invalid_money", raw=raw)


def parse_krw_amount(value: str | int | float | None) -> int | None:
    """The amount in won, or None when the field was left empty.

    JSON numbers are already won (the API's unit); strings are read as a person types them.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise _invalid(str(value))
    if isinstance(value, int | float):
        if value != value or value < 0 or value > MAX_KRW or value != int(value):  # NaN, range, fraction
            raise _invalid(str(value))
        return int(value)
    raw = value.strip()
    if not raw:
        return None
    compact = raw.replace(",", "").replace(" ", "")
    if not _WHOLE.match(compact):
        raise _invalid(raw)
    terms = _TERM.findall(compact.removesuffix("원"))
    has_units = any(unit for _, unit in terms)
    if len(terms) > 1 and not has_units:
        raise _invalid(raw)
    if not has_units:
        number = float(terms[0][0])
        # A bare number is in 만원, unless it says 원 ("36,000,000원").
        total = number if compact.endswith("원") else number * 10_000
    else:
        if any(not unit for _, unit in terms):
            # "1억 2000" is 1억 2000만 to most people and 100,002,000 to arithmetic: ask instead.
            raise _invalid(raw)
        total = sum(float(number_text) * _UNITS_KRW[unit] for number_text, unit in terms)
    if total > MAX_KRW or total != round(total):
        raise _invalid(raw)
    return round(total)
