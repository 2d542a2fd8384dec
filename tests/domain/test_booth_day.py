"""A booth's day, pure rules: days as runs of slots, the queue closing up, who is moved by a
delay, and who gets the after-event follow-up."""

from __future__ import annotations

import datetime as dt

import pytest

from server.domain.booth_day import (
    QueueEntry,
    SlotTime,
    current_run,
    day_runs,
    follow_up_kind,
    queue_ranks,
    run_open,
    seeker_window,
    slots_to_shift,
)
from server.domain.errors import DomainError

pytestmark = pytest.mark.unit

T0 = dt.datetime(2026, 12, 10, 1, 0, tzinfo=dt.UTC)  # 10:00 in Seoul
M = dt.timedelta(minutes=1)


def slot(i: int, minutes_from_t0: int, length: int = 20) -> SlotTime:
    return SlotTime(i, T0 + minutes_from_t0 * M, length)


def test_a_day_is_a_run_of_slots_and_a_long_break_starts_the_next() -> None:
    slots = [slot(3, 40), slot(1, 0), slot(2, 20), slot(4, 24 * 60), slot(5, 24 * 60 + 20)]
    assert [[s.id for s in r] for r in day_runs(slots)] == [[1, 2, 3], [4, 5]]
    assert [s.id for s in current_run(T0 - 60 * M, slots)] == [1, 2, 3]
    assert [s.id for s in current_run(T0 + 60 * M + 59 * M, slots)] == [1, 2, 3]  # an hour's grace
    assert [s.id for s in current_run(T0 + 3 * 60 * M, slots)] == [4, 5]
    assert [s.id for s in current_run(T0 + 5 * 24 * 60 * M, slots)] == [4, 5]  # the last, afterwards
    assert current_run(T0, []) == []
    # A run across midnight in Seoul stays one day.
    late = [slot(1, 14 * 60 - 10), slot(2, 14 * 60 + 10)]  # 23:50 and 00:10
    assert len(day_runs(late)) == 1


def test_the_room_opens_an_hour_before_and_closes_an_hour_after() -> None:
    run = [slot(1, 0), slot(2, 20)]
    assert not run_open(T0 - 61 * M, run)
    assert run_open(T0 - 60 * M, run) and run_open(T0 + 100 * M, run)
    assert not run_open(T0 + 101 * M, run)
    assert not run_open(T0, [])
    assert seeker_window(T0, 20) == (T0 - 60 * M, T0 + 80 * M)


def test_the_queue_counts_only_open_interviews_before_yours() -> None:
    entries = [QueueEntry(10, T0 + 20 * M, False), QueueEntry(11, T0, True), QueueEntry(12, T0 + 40 * M, False),
               QueueEntry(9, T0 + 40 * M, False)]
    assert queue_ranks(entries) == {10: 1, 9: 2, 12: 3}
    assert queue_ranks([]) == {}


def test_running_late_moves_what_has_not_started() -> None:
    run = [slot(1, 0), slot(2, 20), slot(3, 40)]
    assert slots_to_shift(T0 + 5 * M, run, 15) == [2, 3]
    assert slots_to_shift(T0 - 5 * M, run, 15) == [1, 2, 3]
    for bad in (0, 181):
        with pytest.raises(DomainError) as info:
            slots_to_shift(T0, run, bad)
        assert info.value.code == "event_delay_out_of_range"


@pytest.mark.parametrize(
    ("facts", "kind"),
    [
        ({"shown": False, "held": False, "no_show": False, "result": None}, "no_show"),
        ({"shown": True, "held": False, "no_show": True, "result": None}, "no_show"),
        ({"shown": True, "held": False, "no_show": False, "result": None}, "no_result"),
        ({"shown": False, "held": True, "no_show": False, "result": None}, "no_result"),
        ({"shown": True, "held": True, "no_show": False, "result": "hold"}, None),
    ],
)
def test_who_gets_the_follow_up(facts: dict, kind: str | None) -> None:
    assert follow_up_kind(**facts, followed_up=False) == kind
    assert follow_up_kind(**facts, followed_up=True) is None
