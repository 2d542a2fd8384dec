"""Calendar files (RFC 5545) with the `icalendar` package: the one builder for the .ics sent
with an interview invitation email and the .ics a person downloads from the interview page.

A calendar keeps one entry per UID; a newer SEQUENCE for the same UID replaces the entry
(a new time, a cancellation) instead of adding a second one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from icalendar import Alarm, Calendar, Event, vCalAddress, vText

from server.core.db import utcnow

PRODID = "-//Untact//Interviews//KO"
Method = Literal["REQUEST", "PUBLISH", "CANCEL"]


@dataclass(frozen=True)
class CalendarEntry:
    uid: str
    sequence: int
    start: datetime
    end: datetime
    summary: str
    description: str
    url: str
    organizer_email: str = ""
    organizer_name: str = ""
    attendee_email: str = ""
    attendee_name: str = ""
    cancelled: bool = False
    last_modified: datetime | None = None
    alarm_before_min: int = 30


def _address(email: str, name: str, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["cn"] = vText(name)
    for key, value in params.items():
        address.params[key.replace("_", "-")] = vText(value)
    return address


def calendar_file(entry: CalendarEntry, *, method: Method) -> str:
    """The calendar as text with CRLF line ends, lines folded at 75 octets."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    event = Event()
    event.add("uid", entry.uid)
    event.add("sequence", entry.sequence)
    event.add("dtstamp", utcnow())
    event.add("dtstart", entry.start)
    event.add("dtend", entry.end)
    event.add("summary", entry.summary)
    event.add("description", entry.description)
    event.add("url", entry.url)
    if entry.last_modified is not None:
        event.add("last-modified", entry.last_modified)
    event.add("status", "CANCELLED" if entry.cancelled or method == "CANCEL" else "CONFIRMED")
    if entry.organizer_email:
        event.add("organizer", _address(entry.organizer_email, entry.organizer_name))
    if entry.attendee_email:
        # RSVP=FALSE: the answer is given in Untact (accept / ask for another time), not by mail.
        event.add(
            "attendee",
            _address(
                entry.attendee_email, entry.attendee_name,
                role="REQ-PARTICIPANT", partstat="NEEDS-ACTION", rsvp="FALSE",
            ),
        )
    if not entry.cancelled and entry.alarm_before_min > 0:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", timedelta(minutes=-entry.alarm_before_min))
        alarm.add("description", entry.summary)
        event.add_component(alarm)
    calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")
