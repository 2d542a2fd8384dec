"""Quiet hours: a daily window in a person's own time zone when no email or text message is
sent to them. A message that falls inside it waits until the window ends (deferred, not dropped)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
MINUTES_PER_DAY = 24 * 60


def parse_clock(value: str) -> int | None:
    """'22:00' → minutes after midnight (1320); None when it is not HH:MM on a 24-hour clock."""
    match = _CLOCK.match(value.strip())
    if match is None:
        return None
    return int(match.group(1)) * 60 + int(match.group(2))


def format_clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def in_window(minute_of_day: int, start_min: int, end_min: int) -> bool:
    """Whether a local time falls in [start, end); a window may run past midnight (22:00–08:00)."""
    if start_min == end_min:
        return False
    if start_min < end_min:
        return start_min <= minute_of_day < end_min
    return minute_of_day >= start_min or minute_of_day < end_min


def quiet_hours_end(
    now: datetime, start_min: int | None, end_min: int | None, zone: ZoneInfo
) -> datetime | None:
    """When `now` (aware) is inside the quiet hours, the moment they end (UTC); else None."""
    if start_min is None or end_min is None:
        return None
    local = now.astimezone(zone)
    minute = local.hour * 60 + local.minute
    if not in_window(minute, start_min, end_min):
        return None
    end_day = local.date() if minute < end_min else local.date() + timedelta(days=1)
    end_local = datetime.combine(end_day, time(end_min // 60, end_min % 60), tzinfo=zone)
    return end_local.astimezone(UTC)
