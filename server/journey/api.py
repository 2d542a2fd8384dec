"""JSON API for the journey steps: questionnaires, cover letters, counselling slots, mentoring,
hires and check-ins, and the consultant's and admin's journey views.

Roles are checked by the table in server/accounts/access.py; which objects a user may touch is
checked in server/journey/service.py (another's object answers 404).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Request, WebSocket
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.accounts.access import CurrentUser, current_user
from server.core.audit import audit_request
from server.core.deps import DbSession, SettingsDep, commit_before_response
from server.core.errors import NotFound
from server.core.limits import Id
from server.interviews.room_access import room_grant, serve_room_socket
from server.journey import service as js
from server.journey.rooms import COUNSELLING_ROOM, MENTORING_ROOM
from server.models import ConsultantAssignment, CoverLetter, Role, User

router = APIRouter(tags=["journey"], dependencies=[Depends(commit_before_response, scope="function")])
ws_router = APIRouter()


def _locale(request: Request) -> str:
    return str(getattr(request.state, "locale", "ko"))


# --------------------------------------------------------------------------- journey: questionnaires


def _result_public(row: Any) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind, "result": row.result, "created_at": row.created_at.isoformat()}


@router.post("/api/journey/diagnosis", name="journey_api_diagnosis_submit", status_code=201)
def journey_api_diagnosis_submit(user: CurrentUser, db: DbSession, data: js.AnswersIn) -> dict[str, Any]:
    return _result_public(js.submit_diagnosis(db, user, data))


@router.post("/api/journey/aptitude", name="journey_api_aptitude_submit", status_code=201)
def journey_api_aptitude_submit(user: CurrentUser, db: DbSession, data: js.AnswersIn) -> dict[str, Any]:
    return _result_public(js.submit_aptitude(db, user, data))


@router.post("/api/journey/stress", name="journey_api_stress_submit", status_code=201)
def journey_api_stress_submit(user: CurrentUser, db: DbSession, data: js.AnswersIn) -> dict[str, Any]:
    return _result_public(js.submit_stress(db, user, data))


@router.get("/api/journey/results/{kind}", name="journey_api_latest_result")
def journey_api_latest_result(kind: str, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    if kind not in ("diagnosis", "aptitude", "stress"):
        raise NotFound("result_not_found")
    row = js.latest_result(db, user.id, kind)
    if row is None:
        raise NotFound("result_not_found")
    return _result_public(row)


# --------------------------------------------------------------------------- journey: cover letters


def _letter_public(db: Session, letter: CoverLetter) -> dict[str, Any]:
    return {
        "id": letter.id,
        "title": letter.title,
        "posting_id": letter.posting_id,
        "limit_chars": letter.limit_chars,
        "versions": [
            {
                "number": v.number,
                "author_role": v.author_role,
                "text": v.text,
                "comment": v.comment,
                "feedback": v.feedback,
                "created_at": v.created_at.isoformat(),
            }
            for v in js.letter_versions(db, letter)
        ],
    }


@router.post("/api/journey/cover-letters", name="journey_api_letter_create", status_code=201)
def journey_api_letter_create(user: CurrentUser, db: DbSession, data: js.CoverLetterIn) -> dict[str, Any]:
    return _letter_public(db, js.create_cover_letter(db, user, data))


@router.get("/api/journey/cover-letters/{letter_id}", name="journey_api_letter_get")
def journey_api_letter_get(letter_id: Id, request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    letter = js.visible_letter(db, user, letter_id)
    if letter.seeker_id != user.id:
        audit_request(db, request, "cover_letter_viewed", letter_id=letter.id, seeker_id=letter.seeker_id)
    return _letter_public(db, letter)


@router.post(
    "/api/journey/cover-letters/{letter_id}/versions", name="journey_api_letter_version", status_code=201
)
def journey_api_letter_version(
    letter_id: Id, user: CurrentUser, db: DbSession, data: js.CoverLetterVersionIn
) -> dict[str, Any]:
    js.add_letter_version(db, user, letter_id, data)
    return _letter_public(db, js.visible_letter(db, user, letter_id))


# --------------------------------------------------------------------------- journey: counselling


def _slot_public(slot: Any, consultant: User | None = None) -> dict[str, Any]:
    return {
        "id": slot.id,
        "starts_at": slot.starts_at.isoformat(),
        "duration_min": slot.duration_min,
        "mode": slot.mode,
        "status": slot.status,
        "consultant": consultant.display_name if consultant else None,
        "room_ref": slot.room_ref,
    }


@router.get("/api/journey/slots", name="journey_api_slots")
def journey_api_slots(db: DbSession) -> dict[str, Any]:
    return {"slots": [_slot_public(s, u) for s, u in js.open_slots(db)]}


@router.post("/api/journey/slots", name="journey_api_slot_publish", status_code=201)
def journey_api_slot_publish(user: CurrentUser, db: DbSession, data: js.SlotIn) -> dict[str, Any]:
    return _slot_public(js.publish_slot(db, user, data), user)


@router.post("/api/journey/slots/{slot_id}/book", name="journey_api_slot_book")
def journey_api_slot_book(
    slot_id: Id, user: CurrentUser, db: DbSession, data: js.BookIn, settings: SettingsDep
) -> dict[str, Any]:
    return _slot_public(js.book_slot(db, user, slot_id, data, base_url=settings.base_url))


@router.post("/api/journey/slots/{slot_id}/cancel", name="journey_api_slot_cancel")
def journey_api_slot_cancel(slot_id: Id, user: CurrentUser, db: DbSession, settings: SettingsDep) -> dict[str, Any]:
    return _slot_public(js.cancel_booking(db, user, slot_id, base_url=settings.base_url))


@router.post("/api/journey/slots/{slot_id}/held", name="journey_api_slot_held")
def journey_api_slot_held(slot_id: Id, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    return _slot_public(js.mark_slot_held(db, user, slot_id))


# --------------------------------------------------------------------------- live rooms
# The interviews' room machinery with the journey's kinds (server/journey/rooms.py): only the
# two people of the booking or the mentoring get a token, only while the room is open.


@router.post("/api/journey/slots/{slot_id}/room-token", name="journey_api_counselling_room_token")
def journey_api_counselling_room_token(
    slot_id: Id, request: Request, user: CurrentUser, db: DbSession, settings: SettingsDep
) -> dict[str, Any]:
    return room_grant(
        db, settings.secret_key, COUNSELLING_ROOM, slot_id, user, request.app.state.node_registry
    )


@router.post("/api/journey/mentoring/{request_id}/room-token", name="journey_api_mentoring_room_token")
def journey_api_mentoring_room_token(
    request_id: Id, request: Request, user: CurrentUser, db: DbSession, settings: SettingsDep
) -> dict[str, Any]:
    return room_grant(
        db, settings.secret_key, MENTORING_ROOM, request_id, user, request.app.state.node_registry
    )


@ws_router.websocket("/ws/counselling/{slot_id}/room", name="ws_counselling_room")
async def ws_counselling_room(websocket: WebSocket, slot_id: Id) -> None:
    await serve_room_socket(websocket, COUNSELLING_ROOM, slot_id, current_user(websocket))


@ws_router.websocket("/ws/mentoring/{request_id}/room", name="ws_mentoring_room")
async def ws_mentoring_room(websocket: WebSocket, request_id: Id) -> None:
    await serve_room_socket(websocket, MENTORING_ROOM, request_id, current_user(websocket))


# --------------------------------------------------------------------------- journey: mentoring


@router.put("/api/journey/mentor-profile", name="journey_api_mentor_profile")
def journey_api_mentor_profile(user: CurrentUser, db: DbSession, data: js.MentorProfileIn) -> dict[str, Any]:
    profile = js.save_mentor_profile(db, user, data)
    return {"user_id": profile.user_id, "fields": profile.fields, "region": profile.region,
            "accepting": profile.accepting, "max_mentees": profile.max_mentees}  # fmt: skip


@router.get("/api/journey/mentors", name="journey_api_mentors")
def journey_api_mentors(request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    en = _locale(request) == "en"
    return {
        "mentors": [
            {
                "mentor_id": u.id,
                "display_name": u.display_name,
                "score": m.score_0_100,
                "reason": m.reason_en if en else m.reason_ko,
                "fields": p.fields,
                "job_title": p.job_title,
                "employer_name": p.employer_name,
            }
            for m, p, u in js.recommended_mentors(db, user)
        ]
    }


@router.post("/api/journey/mentor-requests", name="journey_api_mentor_request", status_code=201)
def journey_api_mentor_request(user: CurrentUser, db: DbSession, data: js.MentorRequestIn) -> dict[str, Any]:
    req = js.request_mentor(db, user, data)
    return {"id": req.id, "mentor_id": req.mentor_id, "status": req.status, "score": req.match_score}


@router.get("/api/journey/mentor-requests/{request_id}", name="journey_api_mentor_thread")
def journey_api_mentor_thread(request_id: Id, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    req = js.visible_request(db, user, request_id)
    return {
        "id": req.id,
        "status": req.status,
        "messages": [
            {"author": u.display_name if u else None, "body": m.body, "created_at": m.created_at.isoformat()}
            for m, u in js.thread(db, req)
        ],
    }


@router.post(
    "/api/journey/mentor-requests/{request_id}/messages", name="journey_api_mentor_message", status_code=201
)
def journey_api_mentor_message(
    request_id: Id, user: CurrentUser, db: DbSession, data: js.MessageIn
) -> dict[str, Any]:
    message = js.post_message(db, user, request_id, data)
    return {"id": message.id, "body": message.body}


@router.post("/api/journey/mentor-requests/{request_id}/status", name="journey_api_mentor_status")
def journey_api_mentor_status(
    request_id: Id, user: CurrentUser, db: DbSession, data: js.MentorStatusIn
) -> dict[str, Any]:
    req = js.set_request_status(db, user, request_id, data)
    return {"id": req.id, "status": req.status}


# --------------------------------------------------------------------------- journey: follow-up


def _hire_public(db: Session, hire: Any) -> dict[str, Any]:
    return {
        "id": hire.id,
        "company_name": hire.company_name,
        "job_title": hire.job_title,
        "hired_on": hire.hired_on.isoformat(),
        "left_on": hire.left_on.isoformat() if hire.left_on else None,
        "checkins": [
            {
                "id": c.id,
                "number": c.number,
                "months_after_hire": c.months_after_hire,
                "due_on": c.due_on.isoformat(),
                "state": state,
                "risk_level": c.risk_level,
                "flagged": c.flagged,
            }
            for c, state in js.checkin_states(db, hire)
        ],
    }


@router.post("/api/journey/hires", name="journey_api_hire_create", status_code=201)
def journey_api_hire_create(user: CurrentUser, db: DbSession, data: js.HireIn) -> dict[str, Any]:
    return _hire_public(db, js.record_hire(db, user, data))


@router.post("/api/journey/hires/{hire_id}/left", name="journey_api_hire_left")
def journey_api_hire_left(hire_id: Id, user: CurrentUser, db: DbSession, data: js.LeftIn) -> dict[str, Any]:
    return _hire_public(db, js.record_left(db, user, hire_id, data))


@router.post("/api/journey/checkins/{checkin_id}", name="journey_api_checkin_answer")
def journey_api_checkin_answer(
    checkin_id: Id, user: CurrentUser, db: DbSession, data: js.AnswersIn
) -> dict[str, Any]:
    c = js.answer_checkin(db, user, checkin_id, data)
    return {"id": c.id, "risk_level": c.risk_level, "flagged": c.flagged, "reasons": c.reasons}


# --------------------------------------------------------------------------- journey view, consultants, admin


@router.get("/api/journey", name="journey_api_mine")
def journey_api_mine(request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    return js.journey_public(js.seeker_journey(db, user.id), _locale(request))


@router.get("/api/journey/seekers", name="journey_api_assigned_seekers")
def journey_api_assigned_seekers(request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    seekers: list[tuple[User, ConsultantAssignment | None]]
    if user.role is Role.ADMIN:
        seekers = [
            (u, None) for u in db.scalars(select(User).where(User.role == Role.SEEKER).order_by(User.id))
        ]
    else:
        seekers = [(u, a) for u, a in js.assigned_seekers(db, user)]
    if seekers:
        audit_request(db, request, "journey_viewed", seeker_ids=[u.id for u, _ in seekers])
    return {
        "seekers": [
            {
                "id": u.id,
                "display_name": u.display_name,
                "centre": a.centre if a else None,
                "journey": js.journey_public(js.seeker_journey(db, u.id), _locale(request)),
            }
            for u, a in seekers
        ]
    }


@router.get("/api/journey/seekers/{seeker_id}", name="journey_api_seeker")
def journey_api_seeker(seeker_id: Id, request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    seeker = js.visible_seeker(db, user, seeker_id)
    audit_request(db, request, "journey_viewed", seeker_id=seeker.id)
    return {
        "id": seeker.id,
        "display_name": seeker.display_name,
        "journey": js.journey_public(js.seeker_journey(db, seeker.id), _locale(request)),
        "notes": [
            {
                "id": n.id,
                "body": n.body,
                "step_id": n.step_id,
                "author": a.display_name if a else None,
                "created_at": n.created_at.isoformat(),
            }
            for n, a in js.notes_for(db, seeker.id)
        ],
    }


@router.post("/api/journey/seekers/{seeker_id}/notes", name="journey_api_note_add", status_code=201)
def journey_api_note_add(seeker_id: Id, user: CurrentUser, db: DbSession, data: js.NoteIn) -> dict[str, Any]:
    note = js.add_note(db, user, seeker_id, data)
    return {"id": note.id, "body": note.body}


@router.put("/api/journey/assignments", name="journey_api_assign")
def journey_api_assign(request: Request, db: DbSession, data: js.AssignmentIn) -> dict[str, Any]:
    assignment = js.assign(db, data)
    audit_request(db, request, "consultant_assigned", seeker_id=data.seeker_id,
                  consultant_id=assignment.consultant_id if assignment else None)
    return {
        "seeker_id": data.seeker_id,
        "consultant_id": assignment.consultant_id if assignment else None,
        "centre": assignment.centre if assignment else None,
    }


@router.get("/api/journey/admin/summary", name="journey_api_admin_summary")
def journey_api_admin_summary(request: Request, db: DbSession) -> dict[str, Any]:
    summary = js.admin_summary(db)
    audit_request(db, request, "journey_summary_viewed")
    summary["retention"] = {
        centre: [asdict(r) for r in rows] for centre, rows in js.retention_by_centre(db).items()
    }
    return summary
