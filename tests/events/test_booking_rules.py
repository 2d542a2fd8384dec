"""The pure booking rules: slot generation, book or wait, the per-event limit, cut-off, who moves up."""

from __future__ import annotations

import datetime as dt

import pytest

from server.domain.bookings import (
    BookingFacts,
    cancellation_allowed,
    decide_booking,
    first_in_line,
    slot_times,
    waiting_rank,
)
from server.domain.errors import DomainError

pytestmark = pytest.mark.unit

NOW = dt.datetime(2026, 12, 10, 1, 0, tzinfo=dt.UTC)


def facts(**overrides: object) -> BookingFacts:
    values: dict[str, object] = {
        "now": NOW, "slot_starts_at": NOW + dt.timedelta(hours=3), "event_status": "published",
        "slot_taken": False, "seeker_holds_slot": False, "seeker_entries_in_event": 0,
        "limit_per_event": 3, "last_waiting_position": None,
    }
    values.update(overrides)
    return BookingFacts(**values)  # type: ignore[arg-type]


def test_slots_are_back_to_back_from_the_start() -> None:
    slots = slot_times(NOW, 3, 20)
    assert [(s.strftime("%H:%M"), e.strftime("%H:%M")) for s, e in slots] == [
        ("01:00", "01:20"), ("01:20", "01:40"), ("01:40", "02:00")
    ]


@pytest.mark.parametrize(("count", "minutes", "code"), [
    (0, 20, "slot_count_out_of_range"), (49, 20, "slot_count_out_of_range"),
    (3, 4, "slot_minutes_out_of_range"), (3, 241, "slot_minutes_out_of_range"),
])
def test_slot_generation_refuses_odd_sizes(count: int, minutes: int, code: str) -> None:
    with pytest.raises(DomainError) as caught:
        slot_times(NOW, count, minutes)
    assert caught.value.code == code


def test_a_free_slot_is_booked_and_a_taken_one_puts_the_seeker_in_line() -> None:
    assert decide_booking(facts()).status == "booked"
    waiting = decide_booking(facts(slot_taken=True))
    assert (waiting.status, waiting.position) == ("waiting", 1)
    behind = decide_booking(facts(slot_taken=True, last_waiting_position=4))
    assert (behind.status, behind.position) == ("waiting", 5)


@pytest.mark.parametrize(("overrides", "code"), [
    ({"event_status": "draft"}, "event_not_open"),
    ({"event_status": "closed"}, "event_not_open"),
    ({"slot_starts_at": NOW}, "event_slot_past"),
    ({"seeker_holds_slot": True}, "event_already_on_slot"),
    ({"seeker_entries_in_event": 3}, "event_booking_limit_reached"),
    ({"seeker_entries_in_event": 3, "slot_taken": True}, "event_booking_limit_reached"),  # waiting counts
])
def test_refusals(overrides: dict[str, object], code: str) -> None:
    with pytest.raises(DomainError) as caught:
        decide_booking(facts(**overrides))
    assert caught.value.code == code


def test_the_limit_allows_the_last_allowed_entry() -> None:
    assert decide_booking(facts(seeker_entries_in_event=2)).status == "booked"


def test_cancellation_up_to_the_cut_off_only() -> None:
    start = NOW + dt.timedelta(hours=1)
    hour = dt.timedelta(hours=1)
    assert cancellation_allowed(NOW, start, hour)  # exactly at the cut-off
    assert not cancellation_allowed(NOW + dt.timedelta(seconds=1), start, hour)
    assert cancellation_allowed(NOW, start, dt.timedelta(0))


def test_the_first_in_line_moves_up_and_ranks_close_up() -> None:
    assert first_in_line([]) is None
    assert first_in_line([(7, 3), (5, 2), (9, 2)]) == 5  # lowest position, then the earlier booking
    assert waiting_rank(5, [2, 5, 9]) == 2
    assert waiting_rank(2, [2]) == 1
