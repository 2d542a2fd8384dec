"""JSON API of centre events. Roles are in server/accounts/access.py; which event, booth or
booking a user may touch is checked in server/events/service.py."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request

from server.accounts.access import CurrentUser
from server.careers.views import index_cache
from server.core.config import Settings
from server.core.deps import DbSession, SettingsDep, StorageDep, commit_before_response
from server.core.errors import Conflict, NotFound
from server.core.files import StoredFileResponse, private_file
from server.core.limits import Id
from server.domain.errors import DomainError
from server.events import day
from server.events import service as es
from server.interviews import intro_video
from server.models import EventBooth, InterviewQuestionSet

router = APIRouter(tags=["events"], dependencies=[Depends(commit_before_response, scope="function")])


def booking_rules(settings: Settings) -> es.BookingRules:
    return es.BookingRules(
        limit_per_event=settings.event_bookings_per_seeker,
        cancel_cutoff=dt.timedelta(minutes=settings.event_cancel_cutoff_min),
        base_url=settings.base_url,
    )


@router.get("/api/events", name="events_api_list")
def events_api_list(user: CurrentUser, db: DbSession) -> dict[str, Any]:
    return {"events": [es.event_public(e) for e in es.visible_events(db, user)]}


@router.post("/api/events", name="events_api_create", status_code=201)
def events_api_create(user: CurrentUser, db: DbSession, data: es.EventIn) -> dict[str, Any]:
    return es.event_public(es.create_event(db, user, data))


@router.get("/api/events/company-options", name="events_api_company_options")
def events_api_company_options(db: DbSession) -> dict[str, Any]:
    return {"companies": es.company_options(db)}


@router.get("/api/events/{event_id}", name="events_api_get")
def events_api_get(event_id: Id, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    event = es.visible_event(db, user, event_id)
    return {**es.event_public(event), "booths": [es.booth_public(v) for v in es.booth_views(db, event, user)]}


@router.put("/api/events/{event_id}", name="events_api_update")
def events_api_update(event_id: Id, db: DbSession, data: es.EventIn) -> dict[str, Any]:
    return es.event_public(es.update_event(db, event_id, data))


@router.post("/api/events/{event_id}/booths", name="events_api_booth_add", status_code=201)
def events_api_booth_add(event_id: Id, db: DbSession, data: es.BoothIn) -> dict[str, Any]:
    booth = es.add_booth(db, event_id, data)
    return {"id": booth.id, "event_id": booth.event_id, "company_id": booth.company_id}


@router.delete("/api/events/booths/{booth_id}", name="events_api_booth_delete", status_code=204)
def events_api_booth_delete(booth_id: Id, db: DbSession) -> None:
    es.delete_booth(db, booth_id)


@router.post("/api/events/booths/{booth_id}/slots", name="events_api_slots_generate", status_code=201)
def events_api_slots_generate(booth_id: Id, db: DbSession, data: es.SlotsIn) -> dict[str, Any]:
    slots = es.generate_slots(db, booth_id, data)
    return {"slots": [{"id": s.id, "starts_at": s.starts_at.isoformat(), "duration_min": s.duration_min} for s in slots]}


@router.get("/api/events/booths/{booth_id}/bookings", name="events_api_booth_bookings")
def events_api_booth_bookings(booth_id: Id, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    booth = es.booth_for(db, user, booth_id)
    event = es.visible_event(db, user, booth.event_id)
    views = es.booth_views(db, event, user, only_booth=booth.id)
    return {"event": es.event_public(event), "booth": es.booth_public(views[0])}


@router.get("/api/events/booths/{booth_id}/intro-video", name="events_api_booth_intro_video")
def events_api_booth_intro_video(
    booth_id: Id, user: CurrentUser, db: DbSession, storage: StorageDep
) -> StoredFileResponse:
    """The company's intro video, for everyone who can see the event (the booth links the set)."""
    booth = db.get(EventBooth, booth_id)
    if booth is None:
        raise NotFound("event_booth_not_found")
    es.visible_event(db, user, booth.event_id)
    qset = db.get(InterviewQuestionSet, booth.question_set_id) if booth.question_set_id else None
    stored = qset.intro_video_path if qset else None
    media_type = intro_video.MEDIA_TYPES.get(Path(stored or "").suffix, "application/octet-stream")
    return private_file(storage, stored, media_type=media_type, not_found="intro_video_not_found")


@router.post("/api/events/slots/{slot_id}/book", name="events_api_book", status_code=201)
def events_api_book(slot_id: Id, request: Request, user: CurrentUser, db: DbSession, settings: SettingsDep) -> dict[str, Any]:
    try:
        booking = es.book_slot(db, index_cache(request), user, slot_id, booking_rules(settings))
    except DomainError as exc:
        raise Conflict(exc.code, limit=settings.event_bookings_per_seeker) from exc
    return es.booking_public(booking, db)


@router.post("/api/events/bookings/{booking_id}/cancel", name="events_api_booking_cancel")
def events_api_booking_cancel(
    booking_id: Id, user: CurrentUser, db: DbSession, settings: SettingsDep
) -> dict[str, Any]:
    result = es.cancel_booking(db, user, booking_id, booking_rules(settings))
    return {
        **es.booking_public(result.booking, db),
        "promoted_booking_id": result.promoted.id if result.promoted else None,
    }


@router.get("/api/events/{event_id}/figures", name="events_api_figures")
def events_api_figures(event_id: Id, db: DbSession) -> dict[str, Any]:
    total, by_booth = es.event_figures(db, event_id)
    day_total, booth_day = day.day_figures(db, event_id)  # on the day: shows, held, results, hires
    return {
        "total": total.as_dict(),
        "booths": {str(k): v.as_dict() for k, v in by_booth.items()},
        "day": {"total": day_total, "booths": {str(k): v for k, v in booth_day.items()}},
    }
