"""Pages of centre events: the list, an event with its booths (seekers book, cancel and see their
place on a waiting list), the staff editor with the figures, and an employer's booth with its
bookings. Forms post JSON to server/events/api.py through web/static/js/careers_forms.js."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from server.accounts.access import CurrentUser
from server.careers.views import html_errors, page
from server.core.deps import DbSession, SettingsDep
from server.core.limits import Id
from server.domain.bookings import EVENT_KINDS, EVENT_STATUSES
from server.events import day
from server.events import service as es
from server.models import Role

router = APIRouter()


def _choices() -> dict[str, Any]:
    return {"kinds": EVENT_KINDS, "statuses": EVENT_STATUSES}


@router.get("/events", name="events_list_page")
@html_errors
def events_list_page(request: Request, user: CurrentUser, db: DbSession) -> Response:
    booths = es.employer_booths(db, user) if user.role is Role.EMPLOYER else []
    return page(request, "events_list.html", {
        "events": es.visible_events(db, user), "staff": es.is_staff(user), "my_booths": booths,
    })


@router.get("/events/new", name="events_new_page")
@html_errors
def events_new_page(request: Request) -> Response:
    return page(request, "events_edit.html", {"event": None, **_choices()})


@router.get("/events/{event_id}", name="events_event_page")
@html_errors
def events_event_page(event_id: Id, request: Request, user: CurrentUser, db: DbSession, settings: SettingsDep) -> Response:
    event = es.visible_event(db, user, event_id)
    seeker = user.role is Role.SEEKER
    booths = es.booth_views(db, event, user)
    my_booth = next(
        (b for b in booths if user.company_id and b.company.id == user.company_id), None
    ) if user.role is Role.EMPLOYER else None
    return page(request, "events_event.html", {
        "event": event,
        "booths": booths,
        "has_entries": any(s.mine for b in booths for s in b.slots),
        "seeker": seeker,
        "staff": es.is_staff(user),
        "my_booth": my_booth,
        "limit": settings.event_bookings_per_seeker,
        "cutoff_min": settings.event_cancel_cutoff_min,
    })


@router.get("/events/{event_id}/edit", name="events_edit_page")
@html_errors
def events_edit_page(event_id: Id, request: Request, user: CurrentUser, db: DbSession) -> Response:
    event = es.visible_event(db, user, event_id)
    total, by_booth = es.event_figures(db, event.id)
    day_total, booth_day = day.day_figures(db, event.id)
    return page(request, "events_edit.html", {
        "event": event, **_choices(),
        "booths": es.booth_views(db, event, user),
        "companies": es.company_options(db),
        "figures": total, "booth_figures": by_booth,
        "day_keys": day.DAY_KEYS, "day_total": day_total, "booth_day": booth_day,
    })


@router.get("/events/booths/{booth_id}", name="events_booth_page")
@html_errors
def events_booth_page(booth_id: Id, request: Request, user: CurrentUser, db: DbSession) -> Response:
    booth = es.booth_for(db, user, booth_id)
    event = es.visible_event(db, user, booth.event_id)
    view = es.booth_views(db, event, user, only_booth=booth.id)[0]
    _total, by_booth = es.event_figures(db, event.id)
    _day_total, booth_day = day.day_figures(db, event.id)
    return page(request, "events_booth.html", {
        "event": event, "view": view, "figures": by_booth.get(booth.id),
        "day_keys": day.DAY_KEYS, "day": booth_day.get(booth.id), "room_path": day.booth_room_path(booth.id),
    })
