"""Practice JSON API and the signalling WebSocket."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request, WebSocket, WebSocketException
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from server.accounts.access import CurrentUser, current_user
from server.answers.consent import grant_consent, has_consent
from server.answers.live import serve_answer_socket
from server.answers.placement import practice_room, socket_owner
from server.answers.schemas import answer_summary
from server.answers.store import live_answers
from server.core.audit import audit_request, record_audit
from server.core.db import session_scope
from server.core.deps import DbSession, StorageDep
from server.core.errors import NotFound
from server.core.files import StoredFileResponse, private_file
from server.core.limits import Id
from server.domain.questions import JOB_FIELDS, field_display_name, list_questions, questions_from_posting
from server.models import PracticeSession, User
from server.practice.answers import PRACTICE_ANSWERS
from server.practice.service import (
    CONSENT,
    RETENTION_DAYS,
    PracticeSessionCreate,
    create_session,
    delete_answer,
    delete_session,
    owned_answer,
    owned_session,
)

log = logging.getLogger("untact.practice.api")

router = APIRouter(prefix="/api/practice", tags=["practice"])
ws_router = APIRouter()


class ConsentIn(BaseModel):
    version: str = Field(max_length=32)


class PostingQuestionsIn(BaseModel):
    title: str = Field(default="", max_length=200)
    text: str = Field(max_length=20_000)
    language: str = Field(default="ko", pattern="^(ko|en)$")
    count: int = Field(default=5, ge=1, le=10)


def session_public(session: PracticeSession) -> dict[str, Any]:
    return {
        "id": session.id,
        "title": session.title,
        "source": session.source,
        "field": session.field,
        "language": session.language,
        "status": session.status,
        "max_retakes": session.max_retakes,
        "nudges_enabled": session.nudges_enabled,
        "created_at": session.created_at.isoformat(),
        "completed_at": session.completed_at.isoformat() if session.completed_at else None,
        "questions": [
            {
                "id": q.id,
                "position": q.position,
                "text": q.text,
                "think_time_s": q.think_time_s,
                "answer_limit_s": q.answer_limit_s,
            }
            for q in session.questions
        ],
        "answers": [answer_summary(a) for a in session.answers],
    }


@router.get("/catalog", name="practice_catalog")
def practice_catalog(request: Request) -> dict[str, Any]:
    locale = request.state.locale
    fields = [{"id": f, "name": field_display_name(f, locale)} for f in JOB_FIELDS]
    questions = [{"id": q.question_id, "field": q.field, "text": q.text(locale)} for q in list_questions()]
    return {"fields": fields, "questions": questions}


@router.post("/posting-questions", name="practice_posting_preview")
def practice_posting_preview(data: PostingQuestionsIn) -> dict[str, Any]:
    questions = questions_from_posting(data.title, data.text, count=data.count)
    return {"questions": [q.text(data.language) for q in questions]}  # type: ignore[arg-type]


@router.get("/consent", name="practice_consent_status")
def practice_consent_status(user: CurrentUser, db: DbSession) -> dict[str, Any]:
    return {
        "version": CONSENT.version,
        "granted": has_consent(db, user, CONSENT),
        "retention_days": RETENTION_DAYS,
    }


@router.post("/consent", name="practice_consent_grant", status_code=201)
def practice_consent_grant(data: ConsentIn, request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    consent = grant_consent(db, user, CONSENT, data.version, request.state.locale)
    audit_request(db, request, "consent_given", purpose=consent.purpose, version=consent.version)
    return {"version": consent.version, "granted_at": consent.granted_at.isoformat()}


@router.post("/sessions", name="practice_create", status_code=201)
def practice_create(data: PracticeSessionCreate, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    session = create_session(db, user, data)
    return session_public(session)


@router.get("/sessions", name="practice_list")
def practice_list(user: CurrentUser, db: DbSession) -> list[dict[str, Any]]:
    sessions = db.scalars(
        select(PracticeSession)
        .where(PracticeSession.seeker_id == user.id)
        .order_by(PracticeSession.id.desc())
    ).all()
    return [session_public(s) for s in sessions]


@router.get("/sessions/{session_id}", name="practice_detail")
def practice_detail(session_id: Id, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    return session_public(owned_session(db, user, session_id))


@router.delete("/sessions/{session_id}", name="practice_delete", status_code=204)
def practice_delete(session_id: Id, request: Request, user: CurrentUser, db: DbSession, storage: StorageDep) -> Response:
    session = owned_session(db, user, session_id)
    delete_session(db, storage, session)
    record_audit(db, "practice_deleted", actor=user, path=request.url.path, session_id=session_id)
    return Response(status_code=204)


@router.delete("/answers/{answer_id}", name="practice_answer_delete", status_code=204)
def practice_answer_delete(
    answer_id: Id, request: Request, user: CurrentUser, db: DbSession, storage: StorageDep
) -> Response:
    delete_answer(db, storage, owned_answer(db, user, answer_id))
    record_audit(db, "practice_answer_deleted", actor=user, path=request.url.path, answer_id=answer_id)
    return Response(status_code=204)


@router.get("/answers/{answer_id}/report", name="practice_answer_report")
def practice_answer_report(answer_id: Id, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    answer = owned_answer(db, user, answer_id)
    if answer.report is None:
        raise NotFound("report_not_ready")
    return {"answer": answer_summary(answer), "question": answer.question.text, "report": answer.report}


@router.get("/answers/{answer_id}/video", name="practice_answer_video")
def practice_answer_video(
    answer_id: Id, user: CurrentUser, db: DbSession, storage: StorageDep
) -> StoredFileResponse:
    answer = owned_answer(db, user, answer_id)
    return private_file(storage, answer.recording_path)


@router.get("/progress", name="practice_progress")
def practice_progress(user: CurrentUser, db: DbSession) -> list[dict[str, Any]]:
    from server.practice.progress import progress_points

    return [p.to_dict() for p in progress_points(db, user)]


# ------------------------------------------------------------------- signalling


def _load_owned(app: Any, user: User, session_id: Id) -> PracticeSession | None:
    with session_scope(app.state.sessionmaker) as db:
        session = db.get(PracticeSession, session_id)
        if session is None or session.seeker_id != user.id:
            record_audit(
                db, "signalling_refused", actor=user, path=f"/ws/practice/{session_id}", reason="not_owner"
            )
            return None
        db.expunge(session)
        return session


@ws_router.websocket("/ws/practice/{session_id}", name="ws_practice")
async def ws_practice(websocket: WebSocket, session_id: Id) -> None:
    user = await socket_owner(websocket, practice_room(session_id), current_user(websocket))
    if user is None:  # no login cookie (a media node on another host) and no valid session token
        raise WebSocketException(code=4401)
    session = await run_in_threadpool(_load_owned, websocket.app, user, session_id)
    if session is None:
        raise WebSocketException(code=4404)
    await websocket.accept()
    await serve_answer_socket(
        websocket,
        lambda send: live_answers(
            PRACTICE_ANSWERS,
            websocket.app.state.live_services,
            scope_id=session.id,
            owner_id=user.id,
            locale=websocket.state.locale,
            nudges=session.nudges_enabled,
            send=send,
        ),
        {"type": "hello", "session_id": session.id},
    )
