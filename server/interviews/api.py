"""Employer interviews: JSON API for invitations, question sets, one-way answers and reviews,
and the one-way answering WebSocket (the same signalling as practice)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
from fastapi import APIRouter, Request, WebSocket, WebSocketException
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from server.accounts.access import CurrentUser, current_user
from server.answers.consent import grant_consent, has_consent
from server.answers.live import serve_answer_socket
from server.answers.placement import oneway_room, socket_owner
from server.answers.schemas import answer_summary
from server.answers.store import live_answers
from server.core.audit import audit_request, record_audit
from server.core.db import get_or_404, session_scope
from server.core.deps import DbSession, SettingsDep, StorageDep
from server.core.errors import AppError, NotFound
from server.core.files import StoredFileResponse, private_file
from server.core.limits import Id
from server.interviews import intro_video, service
from server.interviews.oneway import INTERVIEW_ANSWERS
from server.interviews.room_access import room_grant, serve_room_socket
from server.interviews.room_kinds import INTERVIEW_ROOM
from server.models.accounts import Role, User
from server.models.interviews import (
    ExplanationRequest,
    InterviewAnswer,
    InterviewInvitation,
    InterviewQuestionSet,
    RoomRecording,
)

router = APIRouter(prefix="/api/interviews", tags=["interviews"])
ws_router = APIRouter()


class ConsentIn(BaseModel):
    version: str = Field(max_length=32)


# ------------------------------------------------------------------ shapes


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def intro_video_url(question_set: InterviewQuestionSet) -> str | None:
    if not question_set.intro_video_path:
        return None
    # The file name changes with every upload, so a replaced video is never served from cache.
    version = Path(question_set.intro_video_path).stem.rsplit("-", 1)[-1]
    return f"/api/interviews/sets/{question_set.id}/intro-video?v={version}"


def question_set_public(question_set: InterviewQuestionSet) -> dict[str, Any]:
    return {
        "id": question_set.id,
        "title": question_set.title,
        "language": question_set.language,
        "intro_message": question_set.intro_message,
        "intro_video_url": intro_video_url(question_set),
        "closing_message": question_set.closing_message,
        "questions": [
            {
                "id": q.id,
                "position": q.position,
                "text": q.text,
                "think_time_s": q.think_time_s,
                "answer_limit_s": q.answer_limit_s,
                "max_retakes": q.max_retakes,
            }
            for q in question_set.questions
        ],
    }


def answer_public(answer: InterviewAnswer, *, with_report: bool = False) -> dict[str, Any]:
    data = answer_summary(answer)
    data["video_url"] = f"/api/interviews/answers/{answer.id}/video" if answer.recording_path else None
    if with_report:
        data["report"] = answer.report
        transcript: dict[str, Any] = dict((answer.report or {}).get("transcript") or {})  # type: ignore[call-overload]
        data["transcript"] = transcript.get("text")
    return data


def invitation_public(db: Any, invitation: InterviewInvitation, viewer: User) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": invitation.id,
        "kind": invitation.kind,
        "title": invitation.title,
        "company": invitation.company.name,
        "posting_id": invitation.posting_id,
        "message": invitation.message,
        "status": invitation.status,
        "decision": invitation.decision,
        "scheduled_at": _iso(invitation.scheduled_at),
        "duration_min": invitation.duration_min,
        "deadline_at": _iso(invitation.deadline_at),
        "time_zone": invitation.time_zone,
        "seeker_note": invitation.seeker_note,
        "companion_requested": invitation.companion_requested,
        "calendar_url": f"/api/interviews/invitations/{invitation.id}/calendar.ics",
        "history": [
            {
                "at": _iso(e.at),
                "actor": e.actor_name,
                "from": e.from_status,
                "to": e.to_status,
                "note": service.event_note_for(e, invitation, viewer),
            }
            for e in invitation.events
        ],
    }
    if invitation.question_set is not None:
        data["question_set"] = question_set_public(invitation.question_set)
    if viewer.role is Role.EMPLOYER:
        data["seeker"] = {"id": invitation.seeker.id, "name": invitation.seeker.display_name, "email": invitation.seeker.email}
    else:
        # The seeker sees their own answers (latest attempt per question) but never notes or scorecards.
        latest = service.latest_answers(invitation)
        data["answers"] = [answer_public(a, with_report=True) for a in latest.values()]
        requests = service.explanation_requests(db, [a.id for a in latest.values()])
        data["explanation_requests"] = [_explanation_public(r) for r in requests]
    return data


def _explanation_public(request: ExplanationRequest) -> dict[str, Any]:
    return {
        "id": request.id,
        "answer_id": request.answer_id,
        "kind": request.kind,
        "message": request.message,
        "status": request.status,
        "response": request.response,
        "created_at": _iso(request.created_at),
        "responded_at": _iso(request.responded_at),
    }


def review_public(db: Any, invitation: InterviewInvitation, reviewer: User) -> dict[str, Any]:
    """Everything an employer reviews: each latest answer with video, transcript, report (AI
    scores as aids), every reviewer's independent rating and its aggregate, and comments."""
    latest = service.latest_answers(invitation)
    answers: list[dict[str, Any]] = []
    questions = invitation.question_set.questions if invitation.question_set else []
    for question in questions:
        answer = latest.get(question.id)
        if answer is None:
            answers.append({"question": question.text, "question_id": question.id, "answer": None})
            continue
        ratings = service.answer_ratings(db, answer.id)
        mine = next((r for r in ratings if r.reviewer_id == reviewer.id), None)
        answers.append(
            {
                "question": question.text,
                "question_id": question.id,
                "answer": answer_public(answer, with_report=True),
                "my_rating": {"score": mine.score, "comment": mine.comment} if mine else None,
                "ratings": service.aggregate([r.score for r in ratings]),
                "comments": [
                    {"id": c.id, "at_s": c.at_s, "text": c.text, "author": c.author_name}
                    for c in service.answer_comments(db, answer.id)
                ],
            }
        )
    requests = service.explanation_requests(db, [a.id for a in latest.values()])
    rated = [
        item["ratings"]["mean"] for item in answers if item.get("ratings") and item["ratings"]["mean"] is not None
    ]
    return {
        "invitation": invitation_public(db, invitation, reviewer),
        "answers": answers,
        "overall_rating": round(sum(rated) / len(rated), 2) if rated else None,
        "scorecard_summary": service.scorecard_summary(db, invitation),
        "explanation_requests": [_explanation_public(r) for r in requests],
        "ai_scores_note": "aid_only",
    }


# ------------------------------------------------------------------ consent


@router.get("/consent", name="interviews_consent_status")
def interviews_consent_status(user: CurrentUser, db: DbSession) -> dict[str, Any]:
    return {
        "version": service.CONSENT.version,
        "granted": has_consent(db, user, service.CONSENT),
        "retention_days": service.RETENTION_DAYS,
    }


@router.post("/consent", name="interviews_consent_grant", status_code=201)
def interviews_consent_grant(data: ConsentIn, request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    consent = grant_consent(db, user, service.CONSENT, data.version, request.state.locale)
    audit_request(db, request, "consent_given", purpose=consent.purpose, version=consent.version)
    return {"version": consent.version, "granted_at": consent.granted_at.isoformat()}


# ------------------------------------------------------------------ question sets


@router.get("/sets", name="interviews_sets_list")
def interviews_sets_list(user: CurrentUser, db: DbSession) -> list[dict[str, Any]]:
    company_id = service.employer_company_id(user)
    sets = db.scalars(
        select(InterviewQuestionSet)
        .where(InterviewQuestionSet.company_id == company_id)
        .order_by(InterviewQuestionSet.id.desc())
    ).all()
    return [question_set_public(s) for s in sets]


@router.post("/sets", name="interviews_set_create", status_code=201)
def interviews_set_create(data: service.QuestionSetCreate, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    return question_set_public(service.create_question_set(db, user, data))


@router.get("/sets/{set_id}", name="interviews_set_get")
def interviews_set_get(set_id: Id, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    return question_set_public(service.company_question_set(db, user, set_id))


# ------------------------------------------------------------------ intro videos


@router.put("/sets/{set_id}/intro-video", name="interviews_set_intro_upload")
async def interviews_set_intro_upload(
    set_id: Id, request: Request, user: CurrentUser, db: DbSession, settings: SettingsDep, storage: StorageDep
) -> dict[str, Any]:
    """Attach or replace the set's intro video. The body is the video file itself
    (`Content-Type: video/*`), streamed to disk; see `server/interviews/intro_video.py`."""
    question_set = await run_in_threadpool(service.company_question_set, db, user, set_id)
    content_type = request.headers.get("content-type", "").lower()
    if not content_type.startswith(intro_video.ACCEPTED_CONTENT_TYPES):
        raise AppError("unsupported_media_type", status_code=415)
    max_mb = settings.max_intro_video_mb
    max_bytes = max_mb * 1024 * 1024
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise intro_video.too_large(max_mb)
    directory = intro_video.intro_dir(settings.recordings_dir, question_set.company_id)
    tmp = await intro_video.receive_upload(request.stream(), directory, max_bytes, max_mb)
    try:
        info = await run_in_threadpool(intro_video.inspect_intro_video, tmp)
        final = await run_in_threadpool(intro_video.place_intro_video, tmp, question_set.id, info.extension)
    except BaseException:
        await anyio.Path(tmp).unlink(missing_ok=True)
        raise
    key = storage.key_of(final)
    try:
        await run_in_threadpool(storage.commit, key)  # stored (uploaded) before the set points at it
        old, public = await run_in_threadpool(
            _switch_intro_video, db, user, question_set, key, info, request.url.path
        )
    except BaseException:
        await run_in_threadpool(storage.delete, key)  # the set still points at the previous video
        raise
    if old is not None:
        await run_in_threadpool(storage.delete, old)
    return {
        **public,
        "intro_video": {"duration_s": info.duration_s, "width": info.width_px, "height": info.height_px},
    }


def _switch_intro_video(
    db: Any,
    user: User,
    question_set: InterviewQuestionSet,
    key: str,
    info: intro_video.IntroVideoInfo,
    url_path: str,
) -> tuple[str | None, dict[str, Any]]:
    """Point the set at the new file and commit; returns the previous file, to be removed."""
    db.refresh(question_set)
    old = question_set.intro_video_path
    question_set.intro_video_path = key
    record_audit(
        db,
        "interview_intro_video_set",
        actor=user,
        path=url_path,
        set_id=question_set.id,
        duration_s=info.duration_s,
        replaced=old is not None,
    )
    db.commit()
    return (old if old != key else None), question_set_public(question_set)


@router.delete("/sets/{set_id}/intro-video", name="interviews_set_intro_delete")
def interviews_set_intro_delete(
    set_id: Id, request: Request, user: CurrentUser, db: DbSession, storage: StorageDep
) -> dict[str, Any]:
    question_set = service.company_question_set(db, user, set_id)
    old = question_set.intro_video_path
    if old is not None:
        question_set.intro_video_path = None
        record_audit(db, "interview_intro_video_removed", actor=user, path=request.url.path, set_id=set_id)
        db.commit()
        storage.delete(old)
    return question_set_public(question_set)


@router.get("/sets/{set_id}/intro-video", name="interviews_set_intro_video")
def interviews_set_intro_video(
    set_id: Id, user: CurrentUser, db: DbSession, storage: StorageDep
) -> StoredFileResponse:
    question_set = service.viewable_question_set(db, user, set_id)
    stored = question_set.intro_video_path
    media_type = intro_video.MEDIA_TYPES.get(Path(stored or "").suffix, "application/octet-stream")
    return private_file(storage, stored, media_type=media_type, not_found="intro_video_not_found")


# ------------------------------------------------------------------ company rubric


@router.get("/rubric", name="interviews_rubric_get")
def interviews_rubric_get(request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    company_id = service.employer_company_id(user)
    return service.rubric_public(db, company_id, request.state.locale)


@router.put("/rubric", name="interviews_rubric_put")
def interviews_rubric_put(data: service.RubricIn, request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    before, after = service.save_company_rubric(db, user, data)
    if before != after:
        record_audit(
            db,
            "interview_rubric_changed",
            actor=user,
            path=request.url.path,
            company_id=user.company_id,
            before=before,
            after=after,
        )
    return service.rubric_public(db, service.employer_company_id(user), request.state.locale)


# ------------------------------------------------------------------ invitations


@router.post("/invitations", name="interviews_invitation_create", status_code=201)
def interviews_invitation_create(
    data: service.InvitationCreate, request: Request, user: CurrentUser, db: DbSession, settings: SettingsDep
) -> dict[str, Any]:
    invitation = service.create_invitation(db, user, data, base_url=settings.base_url)
    audit_request(db, request, "interview_invited", invitation_id=invitation.id, seeker_id=invitation.seeker_id,
                  kind=invitation.kind)
    return invitation_public(db, invitation, user)


@router.get("/invitations", name="interviews_invitation_list")
def interviews_invitation_list(user: CurrentUser, db: DbSession) -> list[dict[str, Any]]:
    rows = (
        service.company_invitations(db, user) if user.role is Role.EMPLOYER else service.seeker_invitations(db, user)
    )
    return [invitation_public(db, i, user) for i in rows]


@router.get("/invitations/{invitation_id}", name="interviews_invitation_get")
def interviews_invitation_get(invitation_id: Id, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    return invitation_public(db, service.visible_invitation(db, user, invitation_id), user)


@router.post("/invitations/{invitation_id}/respond", name="interviews_invitation_respond")
def interviews_invitation_respond(
    invitation_id: Id, data: service.SeekerResponse, user: CurrentUser, db: DbSession
) -> dict[str, Any]:
    invitation = service.seeker_invitation(db, user, invitation_id)
    service.respond_as_seeker(db, user, invitation, data)
    return invitation_public(db, invitation, user)


@router.post("/invitations/{invitation_id}/status", name="interviews_invitation_status")
def interviews_invitation_status(
    invitation_id: Id, data: service.EmployerStatusChange, request: Request, user: CurrentUser, db: DbSession, settings: SettingsDep
) -> dict[str, Any]:
    invitation = service.company_invitation(db, user, invitation_id)
    service.change_as_employer(db, user, invitation, data, base_url=settings.base_url)
    record_audit(
        db, "interview_status", actor=user, path=request.url.path, invitation_id=invitation.id,
        status=invitation.status, decision=invitation.decision,
    )
    return invitation_public(db, invitation, user)


@router.post("/invitations/{invitation_id}/submit", name="interviews_invitation_submit")
def interviews_invitation_submit(invitation_id: Id, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    invitation = service.seeker_invitation(db, user, invitation_id)
    service.submit_answers(db, user, invitation)
    return invitation_public(db, invitation, user)


@router.get("/invitations/{invitation_id}/calendar.ics", name="interviews_invitation_ics")
def interviews_invitation_ics(
    invitation_id: Id, request: Request, user: CurrentUser, db: DbSession, settings: SettingsDep
) -> Response:
    invitation = service.visible_invitation(db, user, invitation_id)
    base = settings.public_base_url.rstrip("/") or str(request.base_url).rstrip("/")
    # The UID's host is the deployment's, as in the invitation email, so both reach one calendar entry.
    host = service.calendar_host(settings.base_url)
    body = service.invitation_ics(invitation, invitation.company.name, f"{base}/interviews/{invitation.id}", host)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="interview-{invitation.id}.ics"'},
    )


@router.get("/invitations/{invitation_id}/review", name="interviews_invitation_review")
def interviews_invitation_review(invitation_id: Id, request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    invitation = service.company_invitation(db, user, invitation_id)
    audit_request(db, request, "interview_answers_viewed", invitation_id=invitation.id, seeker_id=invitation.seeker_id)
    return review_public(db, invitation, user)


@router.get("/invitations/{invitation_id}/scorecard", name="interviews_scorecard_get")
def interviews_scorecard_get(invitation_id: Id, request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    invitation = service.company_invitation(db, user, invitation_id)
    mine = next((c for c in service.scorecards(db, invitation.id) if c.reviewer_id == user.id), None)
    criteria = service.company_rubric(db, invitation.company_id)
    return {
        "criteria": criteria,
        "labels": {c: service.criterion_label(request.state.locale, c) for c in criteria},
        "scores": mine.scores if mine else {},
        "notes": mine.notes if mine else "",
        "summary": service.scorecard_summary(db, invitation),
    }


@router.put("/invitations/{invitation_id}/scorecard", name="interviews_scorecard_put")
def interviews_scorecard_put(
    invitation_id: Id, data: service.ScorecardIn, user: CurrentUser, db: DbSession
) -> dict[str, Any]:
    invitation = service.company_invitation(db, user, invitation_id)
    card = service.save_scorecard(db, user, invitation, data)
    return {"scores": card.scores, "notes": card.notes, "summary": service.scorecard_summary(db, invitation)}


# ------------------------------------------------------------------ answers


def _audit_other_persons_answer(db: Any, request: Request, user: User, answer: Any, event: str) -> None:
    seeker_id = answer.invitation.seeker_id
    if seeker_id != user.id:  # the seeker watching their own answer is not an access to another's data
        audit_request(db, request, event, answer_id=answer.id, invitation_id=answer.invitation_id, seeker_id=seeker_id)


@router.get("/answers/{answer_id}/video", name="interviews_answer_video")
def interviews_answer_video(
    answer_id: Id, request: Request, user: CurrentUser, db: DbSession, storage: StorageDep
) -> StoredFileResponse:
    answer = service.visible_answer(db, user, answer_id)
    _audit_other_persons_answer(db, request, user, answer, "interview_recording_viewed")
    return private_file(storage, answer.recording_path)


@router.get("/answers/{answer_id}/report", name="interviews_answer_report")
def interviews_answer_report(answer_id: Id, request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    answer = service.visible_answer(db, user, answer_id)
    _audit_other_persons_answer(db, request, user, answer, "interview_report_viewed")
    if answer.report is None:
        raise NotFound("report_not_ready")
    return {"answer": answer_public(answer, with_report=True), "question": answer.question.text}


@router.put("/answers/{answer_id}/rating", name="interviews_answer_rate")
def interviews_answer_rate(
    answer_id: Id, data: service.RatingIn, user: CurrentUser, db: DbSession
) -> dict[str, Any]:
    answer = service.company_answer(db, user, answer_id)
    rating = service.rate_answer(db, user, answer, data)
    return {
        "score": rating.score,
        "comment": rating.comment,
        "ratings": service.aggregate([r.score for r in service.answer_ratings(db, answer.id)]),
    }


@router.post("/answers/{answer_id}/comments", name="interviews_answer_comment", status_code=201)
def interviews_answer_comment(
    answer_id: Id, data: service.CommentIn, user: CurrentUser, db: DbSession
) -> dict[str, Any]:
    comment = service.add_comment(db, user, service.company_answer(db, user, answer_id), data)
    return {"id": comment.id, "at_s": comment.at_s, "text": comment.text, "author": comment.author_name}


@router.post("/answers/{answer_id}/explanation", name="interviews_answer_explanation", status_code=201)
def interviews_answer_explanation(
    answer_id: Id, data: service.ExplanationIn, user: CurrentUser, db: DbSession
) -> dict[str, Any]:
    return _explanation_public(service.request_explanation(db, user, service.seeker_answer(db, user, answer_id), data))


@router.post("/explanations/{request_id}/answer", name="interviews_explanation_answer")
def interviews_explanation_answer(
    request_id: Id, data: service.ExplanationAnswerIn, user: CurrentUser, db: DbSession
) -> dict[str, Any]:
    explanation = get_or_404(db, ExplanationRequest, request_id, "interview_not_found")
    service.company_answer(db, user, explanation.answer_id)  # 404 unless it is this company's
    service.answer_explanation(db, user, explanation, data)
    return _explanation_public(explanation)


# ------------------------------------------------------------------ one-way answering socket


def _load_answerable(app: Any, user: User, invitation_id: Id) -> bool:
    with session_scope(app.state.sessionmaker) as db:
        invitation = db.get(InterviewInvitation, invitation_id)
        if invitation is None or invitation.seeker_id != user.id or invitation.kind != "recorded":
            record_audit(
                db, "signalling_refused", actor=user, path=f"/ws/interviews/{invitation_id}/answers",
                reason="not_owner",
            )
            return False
        return True


@ws_router.websocket("/ws/interviews/{invitation_id}/answers", name="ws_interview_answers")
async def ws_interview_answers(websocket: WebSocket, invitation_id: Id) -> None:
    user = await socket_owner(websocket, oneway_room(invitation_id), current_user(websocket))
    if user is None:  # no login cookie (a media node on another host) and no valid session token
        raise WebSocketException(code=4401)
    if not await run_in_threadpool(_load_answerable, websocket.app, user, invitation_id):
        raise WebSocketException(code=4404)
    await websocket.accept()
    await serve_answer_socket(
        websocket,
        lambda send: live_answers(
            INTERVIEW_ANSWERS, websocket.app.state.live_services, scope_id=invitation_id, owner_id=user.id,
            locale=websocket.state.locale, send=send,
        ),
        {"type": "hello", "invitation_id": invitation_id},
    )


# ------------------------------------------------------------------ live rooms


@router.post("/invitations/{invitation_id}/room-token", name="interviews_room_token")
def interviews_room_token(
    invitation_id: Id, request: Request, user: CurrentUser, db: DbSession, settings: SettingsDep
) -> dict[str, Any]:
    return room_grant(
        db, settings.secret_key, INTERVIEW_ROOM, invitation_id, user, request.app.state.node_registry
    )


@ws_router.websocket("/ws/interviews/{invitation_id}/room", name="ws_interview_room")
async def ws_interview_room(websocket: WebSocket, invitation_id: Id) -> None:
    await serve_room_socket(websocket, INTERVIEW_ROOM, invitation_id, current_user(websocket))


def room_recordings_public(db: Any, invitation: InterviewInvitation) -> list[dict[str, Any]]:
    rows = db.scalars(
        select(RoomRecording).where(RoomRecording.invitation_id == invitation.id).order_by(RoomRecording.id)
    ).all()
    out = []
    for row in rows:
        person = db.get(User, row.participant_id) if row.participant_id else None
        report: dict[str, Any] = dict(row.report or {})
        out.append(
            {
                "id": row.id,
                "role": row.role,
                "name": person.display_name if person else None,
                "status": row.status,
                "duration_s": row.duration_s,
                "partial": row.partial,
                "started_at": _iso(row.started_at),
                "video_url": f"/api/interviews/recordings/{row.id}/video",
                "scores": {k: (v or {}).get("score") for k, v in report.get("scores", {}).items()},
                "report": row.report,
            }
        )
    return out


@router.get("/invitations/{invitation_id}/recordings", name="interviews_room_recordings")
def interviews_room_recordings(invitation_id: Id, request: Request, user: CurrentUser, db: DbSession) -> list[dict[str, Any]]:
    invitation = service.company_invitation(db, user, invitation_id)
    audit_request(db, request, "room_recordings_viewed", invitation_id=invitation.id, seeker_id=invitation.seeker_id)
    return room_recordings_public(db, invitation)


@router.get("/recordings/{recording_id}/video", name="interviews_room_recording_video")
def interviews_room_recording_video(
    recording_id: Id, request: Request, user: CurrentUser, db: DbSession, storage: StorageDep
) -> StoredFileResponse:
    row = get_or_404(db, RoomRecording, recording_id, "recording_not_found")
    invitation = service.company_invitation(db, user, row.invitation_id)  # 404 unless it is this company's
    audit_request(db, request, "room_recording_viewed", recording_id=row.id, invitation_id=invitation.id,
                  participant_id=row.participant_id)
    return private_file(storage, row.recording_path)
