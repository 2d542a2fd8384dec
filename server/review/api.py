"""Consultant review JSON API: requests, queue, workspace actions, share links."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import select

from server.accounts.access import CurrentUser
from server.answers.schemas import answer_summary
from server.core.audit import record_audit
from server.core.deps import DbSession, StorageDep
from server.core.errors import NotFound
from server.core.files import StoredFileResponse, private_file
from server.core.limits import Id
from server.core.storage import Storage
from server.models import PracticeAnswer, ReviewComment, ReviewRequest, ReviewShareLink, ScoreVerdict, User
from server.review import service
from server.review.service import (
    AssignIn,
    CommentCreate,
    ReplyIn,
    ReviewRequestCreate,
    ShareCreate,
    SubmitIn,
    VerdictIn,
)

router = APIRouter(tags=["review"])


def comment_public(comment: ReviewComment) -> dict[str, Any]:
    return {
        "id": comment.id,
        "answer_id": comment.answer_id,
        "start_s": comment.start_s,
        "end_s": comment.end_s,
        "category": comment.category,
        "body": comment.body,
        "created_at": comment.created_at.isoformat(),
        "reply": comment.reply_body,
        "reply_at": comment.reply_at.isoformat() if comment.reply_at else None,
    }


def verdict_public(verdict: ScoreVerdict) -> dict[str, Any]:
    return {
        "answer_id": verdict.answer_id,
        "score_key": verdict.score_key,
        "automated_score": verdict.automated_score,
        "agree": verdict.agree,
        "reason": verdict.reason,
    }


def request_public(request: ReviewRequest, *, full: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": request.id,
        "session_id": request.session_id,
        "session_title": request.session.title,
        "seeker_id": request.seeker_id,
        "seeker_name": request.seeker.display_name,
        "consultant_id": request.consultant_id,
        "consultant_name": request.consultant.display_name if request.consultant else None,
        "message": request.message,
        "target_job": request.target_job,
        "status": request.status,
        "created_at": request.created_at.isoformat(),
        "due_at": request.due_at.isoformat(),
        "overdue": service.is_overdue(request),
        "submitted_at": request.submitted_at.isoformat() if request.submitted_at else None,
    }
    if full or request.status == "submitted":
        data["rubric"] = request.rubric
        data["summary"] = request.summary
        data["next_steps"] = request.next_steps
        data["next_steps_note"] = request.next_steps_note
        data["comments"] = [comment_public(c) for c in request.comments]
    if full:
        data["answers"] = [answer_summary(a) for a in request.session.answers]
        data["verdicts"] = [verdict_public(v) for v in request.verdicts]
    return data


def _recording(storage: Storage, answer: PracticeAnswer) -> StoredFileResponse:
    return private_file(storage, answer.recording_path)


def _client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


# ----------------------------------------------------------------- seeker


@router.post("/api/review/requests", name="review_request_create", status_code=201)
def review_request_create(data: ReviewRequestCreate, request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    created = service.request_review(db, user, data)
    record_audit(db, "review_requested", actor=user, path=request.url.path, request_id=created.id)
    result = request_public(created)
    db.commit()  # committed before the response: the page reloads right after
    return result


@router.get("/api/review/requests/mine", name="review_my_requests")
def review_my_requests(user: CurrentUser, db: DbSession) -> list[dict[str, Any]]:
    rows = db.scalars(
        select(ReviewRequest).where(ReviewRequest.seeker_id == user.id).order_by(ReviewRequest.id.desc())
    ).all()
    return [request_public(r) for r in rows]


@router.post("/api/review/requests/{request_id}/withdraw", name="review_withdraw")
def review_withdraw(request_id: Id, request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    withdrawn = service.withdraw_request(db, user, request_id)
    record_audit(db, "review_withdrawn", actor=user, path=request.url.path, request_id=request_id)
    result = request_public(withdrawn)
    db.commit()  # committed before the response: the page reloads right after
    return result


@router.post("/api/review/comments/{comment_id}/reply", name="review_reply")
def review_reply(comment_id: Id, data: ReplyIn, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    result = comment_public(service.reply_to_comment(db, user, comment_id, data.body))
    db.commit()  # committed before the response: the page reloads right after
    return result


# ----------------------------------------------------------------- staff: queue, reading


@router.get("/api/review/queue", name="review_queue")
def review_queue(user: CurrentUser, db: DbSession) -> dict[str, Any]:
    return {
        "requests": [request_public(r) for r in service.queue_for(db, user)],
        "loads": [load.__dict__ for load in service.consultant_loads(db)],
    }


@router.get("/api/review/requests/{request_id}", name="review_detail")
def review_detail(request_id: Id, request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    review = service.staff_request(db, user, request_id, path=request.url.path)
    return request_public(review, full=True)


@router.get("/api/review/sessions/{session_id}", name="review_session")
def review_session(session_id: Id, request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    review = service.staff_session_request(db, user, session_id, path=request.url.path)
    return request_public(review, full=True)


@router.get("/api/review/answers/{answer_id}/report", name="review_answer_report")
def review_answer_report(answer_id: Id, request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    _, answer = service.staff_answer(db, user, answer_id, path=request.url.path)
    if answer.report is None:
        raise NotFound("report_not_ready")
    return {"answer": answer_summary(answer), "question": answer.question.text, "report": answer.report}


@router.get("/api/review/answers/{answer_id}/video", name="review_answer_video")
def review_answer_video(
    answer_id: Id, request: Request, user: CurrentUser, db: DbSession, storage: StorageDep
) -> StoredFileResponse:
    _, answer = service.staff_answer(db, user, answer_id, path=request.url.path)
    return _recording(storage, answer)


@router.get("/api/review/seekers/{seeker_id}/history", name="review_seeker_history")
def review_seeker_history(seeker_id: Id, request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    seeker, requests = service.seeker_history(db, user, seeker_id, path=request.url.path)
    return {
        "seeker": {"id": seeker.id, "name": seeker.display_name},
        "history": [
            {
                **request_public(r),
                "overall": _session_overall(r),
                "rubric_average": service.rubric_average(r),
            }
            for r in requests
        ],
    }


def _session_overall(review: ReviewRequest) -> float | None:
    from server.practice.progress import session_totals

    value = session_totals(review.session).scores.get("overall")
    return float(value) if value is not None else None


# ----------------------------------------------------------------- staff: acting


@router.post("/api/review/requests/{request_id}/assign", name="review_assign")
def review_assign(request_id: Id, data: AssignIn, request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    admin = user
    review = service.assign_request(db, admin, request_id, data.consultant_id)
    record_audit(db, "review_assigned", actor=admin, path=request.url.path, request_id=request_id,
                 consultant_id=data.consultant_id)
    result = request_public(review)
    db.commit()  # committed before the response: the page reloads right after
    return result


@router.post("/api/review/requests/{request_id}/claim", name="review_claim")
def review_claim(request_id: Id, request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    review = service.claim_request(db, user, request_id)
    record_audit(db, "review_claimed", actor=user, path=request.url.path, request_id=request_id)
    result = request_public(review)
    db.commit()  # committed before the response: the page reloads right after
    return result


@router.post("/api/review/requests/{request_id}/comments", name="review_comment_create", status_code=201)
def review_comment_create(request_id: Id, data: CommentCreate, request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    review = service.staff_request(db, user, request_id, path=request.url.path)
    result = comment_public(service.add_comment(db, user, review, data))
    db.commit()  # committed before the response: the page reloads right after
    return result


@router.delete("/api/review/comments/{comment_id}", name="review_comment_delete", status_code=204)
def review_comment_delete(comment_id: Id, user: CurrentUser, db: DbSession) -> Response:
    service.delete_comment(db, user, comment_id)
    db.commit()  # committed before the response: the page reloads right after
    return Response(status_code=204)


@router.put("/api/review/requests/{request_id}/verdicts", name="review_verdict_set")
def review_verdict_set(request_id: Id, data: VerdictIn, request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    review = service.staff_request(db, user, request_id, path=request.url.path)
    result = verdict_public(service.set_verdict(db, user, review, data))
    db.commit()  # committed before the response: the page reloads right after
    return result


@router.post("/api/review/requests/{request_id}/submit", name="review_submit")
def review_submit(request_id: Id, data: SubmitIn, request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    review = service.staff_request(db, user, request_id, path=request.url.path)
    submitted = service.submit_review(db, user, review, data)
    record_audit(db, "review_submitted", actor=user, path=request.url.path, request_id=request_id)
    result = request_public(submitted)
    db.commit()  # committed before the response: the page reloads right after
    return result


@router.get("/api/review/verdicts", name="review_verdicts_export")
def review_verdicts_export(request: Request, user: CurrentUser, db: DbSession) -> list[dict[str, Any]]:
    """Every agree/disagree with an automated score, for calibrating the scorer."""
    record_audit(db, "review_admin_view", actor=user, path=request.url.path)
    return [verdict_public(v) | {"request_id": v.request_id} for v in db.scalars(select(ScoreVerdict).order_by(ScoreVerdict.id))]


# ----------------------------------------------------------------- share links


class ShareOut(BaseModel):
    id: int
    url: str | None
    label: str
    expires_at: str
    revoked: bool
    views: int


def _share_out(db: DbSession, link: ReviewShareLink, token: str | None = None) -> dict[str, Any]:
    return ShareOut(
        id=link.id,
        url=f"/shared/review/{token}" if token else None,
        label=link.label,
        expires_at=link.expires_at.isoformat(),
        revoked=link.revoked_at is not None,
        views=service.share_views(db, link.id),
    ).model_dump()


@router.post("/api/review/requests/{request_id}/shares", name="review_share_create", status_code=201)
def review_share_create(request_id: Id, data: ShareCreate, request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    review = service.staff_request(db, user, request_id, path=request.url.path)
    link, token = service.create_share_link(db, user, review, data)
    record_audit(db, "review_share_created", actor=user, path=request.url.path, request_id=request_id, link_id=link.id)
    result = _share_out(db, link, token)
    db.commit()  # committed before the response: the page reloads right after
    return result


@router.get("/api/review/requests/{request_id}/shares", name="review_share_list")
def review_share_list(request_id: Id, request: Request, user: CurrentUser, db: DbSession) -> list[dict[str, Any]]:
    review = service.staff_request(db, user, request_id, path=request.url.path)
    links = db.scalars(select(ReviewShareLink).where(ReviewShareLink.request_id == review.id)).all()
    return [_share_out(db, link) for link in links]


@router.post("/api/review/shares/{link_id}/revoke", name="review_share_revoke")
def review_share_revoke(link_id: Id, request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    link = service.revoke_share_link(db, user, link_id, path=request.url.path)
    record_audit(db, "review_share_revoked", actor=user, path=request.url.path, link_id=link_id)
    result = _share_out(db, link)
    db.commit()  # committed before the response: the page reloads right after
    return result


class SharedCommentOut(BaseModel):
    """A submitted comment as the share page shows it: time range, category, text, reply."""

    start_s: float
    end_s: float
    category: str
    body: str
    reply: str | None


class SharedAnswerOut(BaseModel):
    id: int
    number: int
    question: str
    duration_s: float
    video_url: str
    scores: dict[str, Any]
    transcript: dict[str, Any]
    comments: list[SharedCommentOut]


class SharedReviewOut(BaseModel):
    """Exactly what `/shared/review/<token>` shows, and nothing else: no seeker or consultant
    identity, no private request message or target job, no verdict reasons, no drafts."""

    session_title: str
    submitted: bool
    rubric: dict[str, int] | None
    summary: str | None
    answers: list[SharedAnswerOut]


def shared_review_out(review: ReviewRequest, token: str, locale: str) -> SharedReviewOut:
    from server.core.i18n import translate
    from server.practice.service import display_title

    submitted = service.share_shows_review(review)
    answers = []
    items = service.shared_answer_items(
        review, lambda key: translate(locale, key), lambda a: f"/api/shared/review/{token}/answers/{a.id}/video"
    )
    for item in items:
        answer, report = item["answer"], item["report"]
        answers.append(
            SharedAnswerOut(
                id=answer.id,
                number=item["number"],
                question=answer.question.text,
                duration_s=item["duration_s"],
                video_url=item["video_url"],
                scores=report.get("scores") or {},
                transcript={"words": (report.get("transcript") or {}).get("words", [])},
                comments=[
                    SharedCommentOut(start_s=c.start_s, end_s=c.end_s, category=c.category, body=c.body, reply=c.reply_body)
                    for c in item["comments"]
                ],
            )
        )
    return SharedReviewOut(
        session_title=display_title(review.session, locale),
        submitted=submitted,
        rubric=review.rubric if submitted else None,
        summary=review.summary if submitted else None,
        answers=answers,
    )


@router.get("/api/shared/review/{token}", name="review_shared_detail", response_model=SharedReviewOut)
def review_shared_detail(token: str, request: Request, db: DbSession) -> SharedReviewOut:
    review = service.shared_request(
        db, token, path=request.url.path, ip=_client_ip(request), user_agent=request.headers.get("user-agent")
    )
    return shared_review_out(review, token, request.state.locale)


# ----------------------------------------------------------------- a seeker's own share links


class SeekerShareOut(BaseModel):
    id: int
    session_id: int
    label: str
    created_by: str | None
    created_at: str
    expires_at: str
    revoked_at: str | None
    active: bool
    views: int
    last_opened_at: str | None


def _seeker_share_out(db: DbSession, link: ReviewShareLink) -> SeekerShareOut:
    creator = db.get(User, link.created_by_id) if link.created_by_id else None
    last = service.share_last_opened(db, link.id)
    return SeekerShareOut(
        id=link.id,
        session_id=link.session_id,
        label=link.label,
        created_by=creator.display_name if creator else None,
        created_at=link.created_at.isoformat(),
        expires_at=link.expires_at.isoformat(),
        revoked_at=link.revoked_at.isoformat() if link.revoked_at else None,
        active=service.share_link_live(link),
        views=service.share_views(db, link.id),
        last_opened_at=last.isoformat() if last else None,
    )


@router.get("/api/review/my-shares", name="review_my_shares")
def review_my_shares(user: CurrentUser, db: DbSession, session_id: Id | None = None) -> list[SeekerShareOut]:
    """The share links consultants made for the seeker's sessions: who, until when, last opened."""
    return [_seeker_share_out(db, link) for link in service.seeker_share_links(db, user, session_id)]


@router.post("/api/review/my-shares/{link_id}/revoke", name="review_my_share_revoke")
def review_my_share_revoke(link_id: Id, request: Request, user: CurrentUser, db: DbSession) -> SeekerShareOut:
    link = service.revoke_own_share_link(db, user, link_id)
    record_audit(db, "review_share_revoked", actor=user, path=request.url.path, link_id=link_id, by="seeker")
    result = _seeker_share_out(db, link)
    db.commit()  # committed before the response: the page reloads right after
    return result


@router.get("/api/shared/review/{token}/answers/{answer_id}/video", name="review_shared_video")
def review_shared_video(
    token: str, answer_id: Id, request: Request, db: DbSession, storage: StorageDep
) -> StoredFileResponse:
    review = service.shared_request(
        db, token, path=request.url.path, ip=_client_ip(request), user_agent=request.headers.get("user-agent")
    )
    return _recording(storage, service.answer_of_request(db, review, answer_id))
