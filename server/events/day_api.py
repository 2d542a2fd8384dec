"""On the day and after a centre event: the booth's live room (page, token, socket), its queue,
the host's outcomes, results and running late, a seeker's place in the queue, and the staff's
follow-up. Roles are in server/accounts/access.py; objects are checked in server/events/day.py
and server/events/booth_room.py."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request, WebSocket
from fastapi.responses import Response

from server.accounts.access import CurrentUser, current_user
from server.careers.views import html_errors, page
from server.core.audit import audit_request
from server.core.db import utcnow
from server.core.deps import DbSession, SettingsDep, commit_before_response
from server.core.errors import NotFound
from server.core.i18n import translate
from server.core.limits import Id
from server.core.templating import format_when, js_messages, viewer_zone
from server.events import day
from server.events import service as es
from server.events.booth_room import BOOTH_ROOM
from server.interviews.room_access import room_grant, serve_room_socket
from server.models import Company, EventBooth

router = APIRouter(tags=["events"], dependencies=[Depends(commit_before_response, scope="function")])
ws_router = APIRouter()


# --------------------------------------------------------------------------- the room


@router.post("/api/events/booths/{booth_id}/room-token", name="events_api_booth_room_token")
def events_api_booth_room_token(booth_id: Id, request: Request, user: CurrentUser, db: DbSession, settings: SettingsDep) -> dict[str, Any]:
    grant = room_grant(db, settings.secret_key, BOOTH_ROOM, booth_id, user)
    if grant["role"] == "guest":
        day.mark_shown(db, user, booth_id)  # entering the booth's room is showing up
    elif grant["role"] == "companion":
        audit_request(db, request, "booth_companion_joined", booth_id=booth_id)
    return grant


@ws_router.websocket("/ws/events/booths/{booth_id}/room", name="ws_event_booth_room")
async def ws_event_booth_room(websocket: WebSocket, booth_id: Id) -> None:
    await serve_room_socket(websocket, BOOTH_ROOM, booth_id, current_user(websocket))


@router.get("/events/booths/{booth_id}/room", name="events_booth_room_page")
@html_errors
def events_booth_room_page(booth_id: Id, request: Request, user: CurrentUser, db: DbSession) -> Response:
    booth = db.get(EventBooth, booth_id)
    if booth is None:
        raise NotFound("event_booth_not_found")
    now = utcnow()
    locale = request.state.locale
    event = es.visible_event(db, user, booth.event_id)
    company = db.get(Company, booth.company_id)
    host = day.is_host(user, booth)
    seat = "host" if host else None
    state, window_text = "open", ""
    mine = None
    if not host and day.may_accompany(db, user, booth, now):
        seat = "companion"
    elif not host:
        mine = day.my_turn(db, user, booth.id, now)  # 404 unless booked at this booth
        seat = "guest"
        turn = day.my_turn_public(mine, now)
        if not turn["room_open"]:
            zone = viewer_zone(user)
            state = "not_yet" if now < mine.slot.starts_at else "closed"
            key = "booth_room.opens_at" if state == "not_yet" else "booth_room.closed"
            window_text = translate(locale, key, opens_at=format_when(
                day.seeker_window(mine.slot.starts_at, mine.slot.duration_min)[0].astimezone(zone), locale))
    elif not day.host_room_open(db, booth.id, now):
        state, window_text = "closed", translate(locale, "booth_room.host_not_today")
    messages = json.loads(js_messages(locale, "room.", "devices.", "signalling.", "booth_room."))
    messages["room.waiting"] = translate(locale, "booth_room.waiting")
    messages["room.state_in_room"] = translate(locale, "booth_room.state_in_room")
    name = company.name if company else ""
    room = {
        "kind": "booth", "state": state, "window_text": window_text, "recordable": False,
        "heading": translate(locale, "booth_room.heading", company=name),
        "when": event.title,
    }
    return page(request, "events_booth_room.html", {
        "invitation": None, "room": room, "booth": booth, "event": event, "seat": seat,
        "is_interviewer": host, "is_candidate": False, "room_recordable": False,
        "config": {
            "token_url": f"/api/events/booths/{booth.id}/room-token", "interviewer": host, "slots": 3,
            "screen_slots": 1, "booth_id": booth.id, "seat": seat, "recordable": False, "zone": str(viewer_zone(user)),
        },
        "messages_json": json.dumps(messages, ensure_ascii=False).replace("</", "<\\/"),
    })


# --------------------------------------------------------------------------- the queue and the host's moves


@router.get("/api/events/booths/{booth_id}/queue", name="events_api_booth_queue")
def events_api_booth_queue(booth_id: Id, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    booth, items = day.host_queue(db, user, booth_id)
    return {"booth_id": booth.id, "queue": day.queue_public(items)}


@router.get("/api/events/booths/{booth_id}/my-turn", name="events_api_booth_my_turn")
def events_api_booth_my_turn(booth_id: Id, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    now = utcnow()
    return day.my_turn_public(day.my_turn(db, user, booth_id, now), now)


@router.post("/api/events/bookings/{booking_id}/outcome", name="events_api_booking_outcome")
def events_api_booking_outcome(booking_id: Id, user: CurrentUser, db: DbSession, data: day.OutcomeIn) -> dict[str, Any]:
    row = day.record_outcome(db, user, booking_id, data)
    return {"booking_id": booking_id, "held": row.held_at is not None, "no_show": row.no_show_at is not None,
            "result": row.result}


@router.post("/api/events/bookings/{booking_id}/result", name="events_api_booking_result")
def events_api_booking_result(booking_id: Id, user: CurrentUser, db: DbSession, data: day.ResultIn) -> dict[str, Any]:
    row = day.record_result(db, user, booking_id, data)
    return {"booking_id": booking_id, "result": row.result}


@router.post("/api/events/booths/{booth_id}/delay", name="events_api_booth_delay")
def events_api_booth_delay(booth_id: Id, user: CurrentUser, db: DbSession, data: day.DelayIn) -> dict[str, Any]:
    moved = day.run_late(db, user, booth_id, data)
    return {"moved": [{"id": s.id, "starts_at": s.starts_at.isoformat(), "delay_min": s.delay_min} for s in moved]}


# --------------------------------------------------------------------------- after the event


@router.post("/api/events/{event_id}/follow-up", name="events_api_follow_up")
def events_api_follow_up(event_id: Id, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    sent = day.follow_up(db, user, event_id)
    return {"no_show": sent.no_show, "no_result": sent.no_result}

