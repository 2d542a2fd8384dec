"""A booth's day at a centre event (issue 15): back-to-back live interviews in one room, pure rules.

A booth's day is a run of its slots with no long break between them (`DAY_BREAK`; days of a
multi-day fair are separate runs, and a run past midnight stays one). The day's queue is the run's
booked slots in time order. An interview is open until the host finishes it (held) or marks the
seeker absent (no-show); a seeker's place in the queue counts only the open ones before theirs,
so it closes up as the host finishes the one before (1 = it is your turn). Running late moves
every slot of the run that has not started yet. After the event, staff follow up once with each
no-show and each seeker who got no result.
The service (server/events/day.py) reads the facts and applies these decisions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from server.domain.errors import DomainError

__all__ = [
    "RESULTS",
    "QueueEntry",
    "SlotTime",
    "current_run",
    "day_runs",
    "follow_up_kind",
    "queue_ranks",
    "run_open",
    "seeker_window",
    "slots_to_shift",
]

RESULTS = ("pass", "hold", "fail")  # 합격 / 보류 / 불합격
MAX_DELAY_MIN = 180
OPENS_BEFORE = dt.timedelta(minutes=60)  # a seeker may wait in the lobby an hour before their slot
GRACE_AFTER = dt.timedelta(minutes=60)  # and until an hour past its planned end


DAY_BREAK = dt.timedelta(hours=6)  # a longer gap between two slots starts another day


@dataclass(frozen=True)
class SlotTime:
    id: int
    starts_at: dt.datetime
    duration_min: int

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.duration_min)


def day_runs(slots: Sequence[SlotTime]) -> list[list[SlotTime]]:
    """The booth's slots in time order, split into days where a break is longer than DAY_BREAK."""
    runs: list[list[SlotTime]] = []
    for slot in sorted(slots, key=lambda s: (s.starts_at, s.id)):
        if runs and slot.starts_at - max(s.ends_at for s in runs[-1]) <= DAY_BREAK:
            runs[-1].append(slot)
        else:
            runs.append([slot])
    return runs


def current_run(now: dt.datetime, slots: Sequence[SlotTime]) -> list[SlotTime]:
    """The day the booth's room and queue are about: the first run not yet over (its last slot's
    end plus GRACE_AFTER), else the last run; empty without slots."""
    runs = day_runs(slots)
    return next((r for r in runs if max(s.ends_at for s in r) + GRACE_AFTER >= now), runs[-1] if runs else [])


def run_open(now: dt.datetime, run: Sequence[SlotTime]) -> bool:
    """Whether the host's room is open: from OPENS_BEFORE the run's first slot to GRACE_AFTER its last."""
    if not run:
        return False
    return min(s.starts_at for s in run) - OPENS_BEFORE <= now <= max(s.ends_at for s in run) + GRACE_AFTER


@dataclass(frozen=True)
class QueueEntry:
    booking_id: int
    starts_at: dt.datetime
    finished: bool  # held or marked no-show


def queue_ranks(entries: Sequence[QueueEntry]) -> dict[int, int]:
    """Each open interview's place in the day's queue (1 = next), by slot time then booking id."""
    open_entries = sorted((e for e in entries if not e.finished), key=lambda e: (e.starts_at, e.booking_id))
    return {e.booking_id: rank for rank, e in enumerate(open_entries, start=1)}


def seeker_window(starts_at: dt.datetime, duration_min: int) -> tuple[dt.datetime, dt.datetime]:
    """When a booked seeker may be in the booth's room (its lobby) for their slot."""
    return starts_at - OPENS_BEFORE, starts_at + dt.timedelta(minutes=duration_min) + GRACE_AFTER


def slots_to_shift(now: dt.datetime, run: Sequence[SlotTime], minutes: int) -> list[int]:
    """Running late by `minutes`: the slots of the day's run that have not started yet."""
    if not 1 <= minutes <= MAX_DELAY_MIN:
        raise DomainError("event_delay_out_of_range", max=MAX_DELAY_MIN)
    return [s.id for s in run if s.starts_at >= now]


FollowUp = Literal["no_show", "no_result"]


def follow_up_kind(
    *, shown: bool, held: bool, no_show: bool, result: str | None, followed_up: bool
) -> FollowUp | None:
    """Who gets the after-event message, once: a no-show (marked, or never came and never
    interviewed), or someone interviewed (or who came) without a result."""
    if followed_up:
        return None
    if no_show or (not shown and not held):
        return "no_show"
    if result is None:
        return "no_result"
    return None
