"""Booking rules of centre events (job fairs, meeting days, standing interviews): pure, no database.

A slot holds one seeker (capacity 1). Booking a free slot books it; booking a taken slot puts the
seeker on that slot's waiting list, behind everyone already waiting. A seeker holds at most
`limit` entries (booked or waiting) per event. A booked seeker may cancel until `cutoff` before
the slot starts; the cancellation hands the slot to the first person waiting.
The service (server/events/service.py) gathers the facts under a lock and applies the decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from server.domain.errors import DomainError

__all__ = [
    "BookingDecision",
    "BookingFacts",
    "cancellation_allowed",
    "decide_booking",
    "first_in_line",
    "slot_times",
    "waiting_rank",
]

EVENT_KINDS = ("job_fair", "meeting_day", "standing_interview")
EVENT_STATUSES = ("draft", "published", "closed")
MAX_SLOTS_PER_GENERATION = 48
MIN_SLOT_MINUTES = 5
MAX_SLOT_MINUTES = 240


def slot_times(start: datetime, count: int, minutes: int) -> list[tuple[datetime, datetime]]:
    """Back-to-back slots from `start`: `count` of them, `minutes` long each."""
    if start.tzinfo is None:
        raise DomainError("slot_start_naive")
    if not 1 <= count <= MAX_SLOTS_PER_GENERATION:
        raise DomainError("slot_count_out_of_range", max=MAX_SLOTS_PER_GENERATION)
    if not MIN_SLOT_MINUTES <= minutes <= MAX_SLOT_MINUTES:
        raise DomainError("slot_minutes_out_of_range", min=MIN_SLOT_MINUTES, max=MAX_SLOT_MINUTES)
    length = timedelta(minutes=minutes)
    return [(start + i * length, start + (i + 1) * length) for i in range(count)]


@dataclass(frozen=True)
class BookingFacts:
    """What the service read (under the event's lock) about one seeker asking for one slot."""

    now: datetime
    slot_starts_at: datetime
    event_status: str
    slot_taken: bool  # someone holds the slot
    seeker_holds_slot: bool  # this seeker is already booked or waiting on it
    seeker_entries_in_event: int  # booked + waiting entries of this seeker in the event
    limit_per_event: int
    last_waiting_position: int | None  # highest position on the slot's waiting list, None if empty


@dataclass(frozen=True)
class BookingDecision:
    status: Literal["booked", "waiting"]
    position: int | None = None  # the waiting-list position stored (increasing; not the rank)


def decide_booking(facts: BookingFacts) -> BookingDecision:
    """Book, wait, or refuse with a typed reason."""
    if facts.event_status != "published":
        raise DomainError("event_not_open")
    if facts.slot_starts_at <= facts.now:
        raise DomainError("event_slot_past")
    if facts.seeker_holds_slot:
        raise DomainError("event_already_on_slot")
    if facts.seeker_entries_in_event >= facts.limit_per_event:
        raise DomainError("event_booking_limit_reached", limit=facts.limit_per_event)
    if not facts.slot_taken:
        return BookingDecision("booked")
    return BookingDecision("waiting", (facts.last_waiting_position or 0) + 1)


def cancellation_allowed(now: datetime, slot_starts_at: datetime, cutoff: timedelta) -> bool:
    """A booked seeker may cancel until `cutoff` before the start."""
    return now <= slot_starts_at - cutoff


def first_in_line(waiting: Sequence[tuple[int, int]]) -> int | None:
    """The booking id that moves up: lowest position, then the earlier id. `waiting` is (id, position)."""
    if not waiting:
        return None
    return min(waiting, key=lambda entry: (entry[1], entry[0]))[0]


def waiting_rank(position: int, positions: Sequence[int]) -> int:
    """A waiting entry's place in line as people read it (1 = next), among the positions still waiting."""
    return 1 + sum(1 for p in positions if p < position)
