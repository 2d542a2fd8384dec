"""Consultant review rules on the database: requests and the queue, who may see which session,
comments, rubric and verdicts, share links. Its notifications go through
`server.notifications.service.notify` (in-app, email, text message)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, field_validator, model_validator
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from server.core.audit import record_audit
from server.core.db import get_or_404, utcnow
from server.core.errors import AppError, Conflict, Forbidden, InvalidInput, NotFound
from server.core.limits import Id
from server.models import PracticeAnswer, PracticeSession, Role, User
from server.models.notifications import Notification
from server.models.review import (
    ReviewComment,
    ReviewRequest,
    ReviewShareLink,
    ReviewShareView,
    ScoreVerdict,
)
from server.notifications.service import notify

CATEGORIES = ("delivery", "content", "gaze", "structure")
RUBRIC_CRITERIA = ("delivery", "content", "gaze", "structure")
SCORE_KEYS = ("delivery", "gaze", "content", "overall")
NEXT_STEPS = ("retry_questions", "cover_letter", "counselling", "mock_interview", "aptitude_test")
DUE_WORKING_DAYS = 3
CENTRE_ZONE = ZoneInfo("Asia/Seoul")
ACTIVE = ("open", "assigned", "submitted")


# ----------------------------------------------------------------- inputs


class ReviewRequestCreate(BaseModel):
    session_id: Id
    message: str = Field(default="", max_length=2000)
    target_job: str = Field(default="", max_length=200)


class AssignIn(BaseModel):
    consultant_id: Id


class CommentCreate(BaseModel):
    answer_id: Id
    start_s: float = Field(ge=0, le=3600)
    end_s: float = Field(ge=0, le=3600)
    category: Literal["delivery", "content", "gaze", "structure"]
    body: str = Field(min_length=1, max_length=2000)

    @field_validator("body")
    @classmethod
    def _strip(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("empty comment")
        return value.strip()

    @model_validator(mode="after")
    def _range(self) -> CommentCreate:
        if self.end_s < self.start_s:
            raise ValueError("end_s before start_s")
        return self


class ReplyIn(BaseModel):
    body: str = Field(min_length=1, max_length=2000)


class VerdictIn(BaseModel):
    answer_id: Id
    score_key: Literal["delivery", "gaze", "content", "overall"]
    agree: bool
    reason: str = Field(default="", max_length=2000)


class SubmitIn(BaseModel):
    rubric: dict[str, int]
    summary: str = Field(min_length=1, max_length=5000)
    next_steps: list[str] = Field(default_factory=list, max_length=len(NEXT_STEPS))
    next_steps_note: str = Field(default="", max_length=2000)

    @field_validator("rubric")
    @classmethod
    def _rubric(cls, value: dict[str, int]) -> dict[str, int]:
        if set(value) != set(RUBRIC_CRITERIA):
            raise ValueError(f"rubric needs exactly {', '.join(RUBRIC_CRITERIA)}")
        if any(not 1 <= v <= 5 for v in value.values()):
            raise ValueError("rubric values are 1–5")
        return value

    @field_validator("next_steps")
    @classmethod
    def _steps(cls, value: list[str]) -> list[str]:
        if any(v not in NEXT_STEPS for v in value):
            raise ValueError("unknown next step")
        return list(dict.fromkeys(value))


class ShareCreate(BaseModel):
    expires_in_days: int = Field(default=7, ge=1, le=30)
    label: str = Field(default="", max_length=200)


# ----------------------------------------------------------------- due dates


def add_working_days(start: datetime, days: int, zone: ZoneInfo = CENTRE_ZONE) -> datetime:
    """`days` working days after `start`, skipping Saturdays and Sundays in the centre's zone."""
    local = start.astimezone(zone)
    added = 0
    while added < days:
        local += timedelta(days=1)
        if local.weekday() < 5:
            added += 1
    return local.astimezone(start.tzinfo)


def is_overdue(request: ReviewRequest, now: datetime | None = None) -> bool:
    return request.status in ("open", "assigned") and request.due_at < (now or utcnow())


# ----------------------------------------------------------------- seeker side


def _reviewable(session: PracticeSession) -> bool:
    return any(a.report is not None for a in session.answers)


def active_request_for_session(db: Session, session_id: int) -> ReviewRequest | None:
    return db.scalar(
        select(ReviewRequest)
        .where(ReviewRequest.session_id == session_id, ReviewRequest.status.in_(ACTIVE))
        .order_by(ReviewRequest.id.desc())
    )


def request_review(db: Session, seeker: User, data: ReviewRequestCreate) -> ReviewRequest:
    session = db.get(PracticeSession, data.session_id)
    if session is None or session.seeker_id != seeker.id:
        raise NotFound("practice_not_found")
    if not _reviewable(session):
        raise Conflict("review_needs_report")
    if active_request_for_session(db, session.id) is not None:
        raise Conflict("review_already_requested")
    now = utcnow()
    request = ReviewRequest(
        session_id=session.id,
        seeker_id=seeker.id,
        message=data.message.strip(),
        target_job=data.target_job.strip(),
        status="open",
        created_at=now,
        due_at=add_working_days(now, DUE_WORKING_DAYS),
    )
    db.add(request)
    db.flush()
    return request


def seeker_request(db: Session, seeker: User, request_id: int) -> ReviewRequest:
    request = db.get(ReviewRequest, request_id)
    if request is None or request.seeker_id != seeker.id:
        raise NotFound("review_not_found")
    return request


def withdraw_request(db: Session, seeker: User, request_id: int) -> ReviewRequest:
    """Ends every consultant's access to the session at once; share links stop too."""
    request = seeker_request(db, seeker, request_id)
    if request.status == "withdrawn":
        return request
    request.status = "withdrawn"
    request.withdrawn_at = utcnow()
    for link in db.scalars(select(ReviewShareLink).where(ReviewShareLink.request_id == request.id)):
        link.revoked_at = link.revoked_at or request.withdrawn_at
    db.flush()
    return request


def reply_to_comment(db: Session, seeker: User, comment_id: int, body: str) -> ReviewComment:
    comment = db.get(ReviewComment, comment_id)
    if comment is None or comment.request.seeker_id != seeker.id or comment.request.status != "submitted":
        raise NotFound("review_not_found")
    if comment.reply_body is not None:
        raise Conflict("review_already_replied")
    text = body.strip()
    if not text:
        raise InvalidInput("invalid_input")
    comment.reply_body = text
    comment.reply_at = utcnow()
    if comment.request.consultant_id is not None:
        notify(
            db,
            comment.request.consultant_id,
            "review_reply",
            link=f"/review/{comment.request_id}",
            request_id=comment.request_id,
        )
    db.flush()
    return comment


# ----------------------------------------------------------------- staff side


def staff_request(db: Session, user: User, request_id: int, *, path: str) -> ReviewRequest:
    """A request a consultant may work on or read: assigned to or claimed by them, not
    withdrawn. Admins see every request, and each view goes to the audit log."""
    request = get_or_404(db, ReviewRequest, request_id, "review_not_found")
    return _check_staff(db, user, request, path=path)


def _check_staff(db: Session, user: User, request: ReviewRequest, *, path: str) -> ReviewRequest:
    if user.role is Role.ADMIN:
        record_audit(db, "review_admin_view", actor=user, path=path, request_id=request.id,
                     session_id=request.session_id)
        return request
    if user.role is Role.CONSULTANT and request.consultant_id == user.id and request.status != "withdrawn":
        return request
    record_audit(db, "review_access_denied", actor=user, path=path, request_id=request.id)
    raise Forbidden("review_forbidden")


def staff_session_request(db: Session, user: User, session_id: int, *, path: str) -> ReviewRequest:
    """The request through which this staff member may see the session (403 when none)."""
    if db.get(PracticeSession, session_id) is None:
        raise NotFound("practice_not_found")
    requests = db.scalars(
        select(ReviewRequest).where(ReviewRequest.session_id == session_id).order_by(ReviewRequest.id.desc())
    ).all()
    if user.role is Role.ADMIN and requests:
        return _check_staff(db, user, requests[0], path=path)
    if user.role is Role.ADMIN:
        record_audit(db, "review_admin_view", actor=user, path=path, session_id=session_id)
        raise NotFound("review_not_found")
    for request in requests:
        if request.consultant_id == user.id and request.status != "withdrawn":
            return request
    record_audit(db, "review_access_denied", actor=user, path=path, session_id=session_id)
    raise Forbidden("review_forbidden")


def staff_visible_requests(db: Session, viewer: User, seeker_id: int) -> dict[int, ReviewRequest]:
    """The seeker's review requests this staff member may open, by session (the newest per session).

    A seeker's recordings reach staff only through a review they asked for: the journey's
    practice step lists every session's scores, and links a recording only through these."""
    query = select(ReviewRequest).where(ReviewRequest.seeker_id == seeker_id, ReviewRequest.status != "withdrawn")
    if viewer.role is not Role.ADMIN:
        query = query.where(ReviewRequest.consultant_id == viewer.id)
    return {r.session_id: r for r in db.scalars(query.order_by(ReviewRequest.id)).all()}


def staff_answer(db: Session, user: User, answer_id: int, *, path: str) -> tuple[ReviewRequest, PracticeAnswer]:
    answer = get_or_404(db, PracticeAnswer, answer_id, "practice_not_found")
    return staff_session_request(db, user, answer.session_id, path=path), answer


def _editable(request: ReviewRequest, user: User) -> None:
    if request.consultant_id != user.id:
        raise Forbidden("review_forbidden")
    if request.status != "assigned":
        raise Conflict("review_not_editable")


def consultant_by_id(db: Session, consultant_id: int) -> User:
    consultant = db.get(User, consultant_id)
    if consultant is None or consultant.role is not Role.CONSULTANT or not consultant.is_active:
        raise InvalidInput("review_not_a_consultant")
    return consultant


def assign_request(db: Session, admin: User, request_id: int, consultant_id: int) -> ReviewRequest:
    request = get_or_404(db, ReviewRequest, request_id, "review_not_found")
    if request.status not in ("open", "assigned"):
        raise Conflict("review_not_assignable")
    consultant = consultant_by_id(db, consultant_id)
    request.consultant_id = consultant.id
    request.assigned_by_id = admin.id
    request.assigned_at = utcnow()
    request.status = "assigned"
    notify(db, consultant.id, "review_assigned", link=f"/review/{request.id}", request_id=request.id)
    db.flush()
    return request


def claim_request(db: Session, consultant: User, request_id: int) -> ReviewRequest:
    request = db.get(ReviewRequest, request_id)
    if request is None or request.status == "withdrawn":
        raise NotFound("review_not_found")
    if request.status != "open":
        raise Conflict("review_already_taken")
    request.consultant_id = consultant.id
    request.assigned_at = utcnow()
    request.status = "assigned"
    db.flush()
    return request


def answer_of_request(db: Session, request: ReviewRequest, answer_id: int) -> PracticeAnswer:
    answer = db.get(PracticeAnswer, answer_id)
    if answer is None or answer.session_id != request.session_id:
        raise NotFound("practice_not_found")
    return answer


def add_comment(db: Session, consultant: User, request: ReviewRequest, data: CommentCreate) -> ReviewComment:
    _editable(request, consultant)
    answer = answer_of_request(db, request, data.answer_id)
    if answer.duration_s is not None and data.start_s > answer.duration_s + 0.5:
        raise InvalidInput("review_time_out_of_range")
    end = min(data.end_s, answer.duration_s) if answer.duration_s else data.end_s
    comment = ReviewComment(
        request_id=request.id,
        session_id=request.session_id,
        answer_id=answer.id,
        author_id=consultant.id,
        start_s=round(data.start_s, 2),
        end_s=round(max(end, data.start_s), 2),
        category=data.category,
        body=data.body,
    )
    db.add(comment)
    db.flush()
    return comment


def delete_comment(db: Session, consultant: User, comment_id: int) -> None:
    comment = get_or_404(db, ReviewComment, comment_id, "review_not_found")
    _editable(comment.request, consultant)
    db.delete(comment)
    db.flush()


def set_verdict(db: Session, consultant: User, request: ReviewRequest, data: VerdictIn) -> ScoreVerdict:
    _editable(request, consultant)
    answer = answer_of_request(db, request, data.answer_id)
    if not data.agree and not data.reason.strip():
        raise InvalidInput("review_reason_required")
    scores: dict[str, Any] = dict((answer.report or {}).get("scores") or {})  # type: ignore[call-overload]
    score = scores.get(data.score_key) or {}
    automated = score.get("score") if isinstance(score, dict) else None
    verdict = db.scalar(
        select(ScoreVerdict).where(
            ScoreVerdict.request_id == request.id,
            ScoreVerdict.answer_id == answer.id,
            ScoreVerdict.score_key == data.score_key,
        )
    )
    if verdict is None:
        verdict = ScoreVerdict(request_id=request.id, answer_id=answer.id, score_key=data.score_key)
        db.add(verdict)
    verdict.consultant_id = consultant.id
    verdict.automated_score = automated
    verdict.agree = data.agree
    verdict.reason = data.reason.strip()
    verdict.created_at = utcnow()
    db.flush()
    return verdict


def submit_review(db: Session, consultant: User, request: ReviewRequest, data: SubmitIn) -> ReviewRequest:
    _editable(request, consultant)
    request.rubric = dict(data.rubric)
    request.summary = data.summary.strip()
    request.next_steps = data.next_steps
    request.next_steps_note = data.next_steps_note.strip()
    request.status = "submitted"
    request.submitted_at = utcnow()
    notify(
        db,
        request.seeker_id,
        "review_feedback",
        link=f"/practice/{request.session_id}/feedback",
        request_id=request.id,
        consultant=consultant.display_name,
    )
    db.flush()
    return request


# ----------------------------------------------------------------- queue and dashboards


@dataclass(frozen=True)
class ConsultantLoad:
    consultant_id: Id
    name: str
    email: str
    open_count: int
    overdue_count: int
    done_count: int


def consultant_loads(db: Session, now: datetime | None = None) -> list[ConsultantLoad]:
    now = now or utcnow()
    consultants = db.scalars(
        select(User).where(User.role == Role.CONSULTANT, User.is_active.is_(True)).order_by(User.display_name)
    ).all()
    loads = []
    for consultant in consultants:
        requests = db.scalars(select(ReviewRequest).where(ReviewRequest.consultant_id == consultant.id)).all()
        loads.append(
            ConsultantLoad(
                consultant_id=consultant.id,
                name=consultant.display_name,
                email=consultant.email,
                open_count=sum(r.status == "assigned" for r in requests),
                overdue_count=sum(is_overdue(r, now) for r in requests),
                done_count=sum(r.status == "submitted" for r in requests),
            )
        )
    return loads


def queue_for(db: Session, user: User) -> list[ReviewRequest]:
    """Admins: every request but withdrawn ones. Consultants: the open queue plus their own."""
    query = select(ReviewRequest).where(ReviewRequest.status != "withdrawn")
    if user.role is not Role.ADMIN:
        query = query.where(
            (ReviewRequest.status == "open") | (ReviewRequest.consultant_id == user.id)
        )
    return list(db.scalars(query.order_by(ReviewRequest.due_at, ReviewRequest.id)).all())


def seeker_history(db: Session, viewer: User, seeker_id: int, *, path: str) -> tuple[User, list[ReviewRequest]]:
    """A seeker's reviewed sessions over time, as far as the viewer may see them."""
    seeker = db.get(User, seeker_id)
    if seeker is None or seeker.role is not Role.SEEKER:
        raise NotFound("review_not_found")
    query = select(ReviewRequest).where(
        ReviewRequest.seeker_id == seeker_id, ReviewRequest.status != "withdrawn"
    )
    if viewer.role is Role.ADMIN:
        record_audit(db, "review_admin_view", actor=viewer, path=path, seeker_id=seeker_id)
    else:
        query = query.where(ReviewRequest.consultant_id == viewer.id)
    requests = list(db.scalars(query.order_by(ReviewRequest.created_at)).all())
    if not requests and viewer.role is not Role.ADMIN:
        raise NotFound("review_not_found")  # not one of theirs: like any other unknown seeker
    return seeker, requests


def rubric_average(request: ReviewRequest) -> float | None:
    if not request.rubric:
        return None
    return round(sum(request.rubric.values()) / len(request.rubric), 1)


# ----------------------------------------------------------------- share links


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_share_link(db: Session, user: User, request: ReviewRequest, data: ShareCreate) -> tuple[ReviewShareLink, str]:
    if request.status == "withdrawn":
        raise Conflict("review_not_editable")
    if user.role is Role.CONSULTANT and request.consultant_id != user.id:
        raise Forbidden("review_forbidden")
    token = secrets.token_urlsafe(32)
    link = ReviewShareLink(
        request_id=request.id,
        session_id=request.session_id,
        token_hash=_token_hash(token),
        label=data.label.strip(),
        created_by_id=user.id,
        expires_at=utcnow() + timedelta(days=data.expires_in_days),
    )
    db.add(link)
    db.flush()
    return link, token


def revoke_share_link(db: Session, user: User, link_id: int, *, path: str) -> ReviewShareLink:
    link = get_or_404(db, ReviewShareLink, link_id, "review_not_found")
    staff_request(db, user, link.request_id, path=path)
    link.revoked_at = link.revoked_at or utcnow()
    db.flush()
    return link


def share_link_live(link: ReviewShareLink) -> bool:
    return link.revoked_at is None and link.expires_at > utcnow()


def share_last_opened(db: Session, link_id: int) -> datetime | None:
    return db.scalar(select(func.max(ReviewShareView.viewed_at)).where(ReviewShareView.link_id == link_id))


def seeker_share_links(db: Session, seeker: User, session_id: int | None = None) -> list[ReviewShareLink]:
    """Links made for the seeker's own review requests, newest first."""
    query = (
        select(ReviewShareLink)
        .join(ReviewRequest, ReviewRequest.id == ReviewShareLink.request_id)
        .where(ReviewRequest.seeker_id == seeker.id)
    )
    if session_id is not None:
        query = query.where(ReviewShareLink.session_id == session_id)
    return list(db.scalars(query.order_by(ReviewShareLink.id.desc())).all())


def revoke_own_share_link(db: Session, seeker: User, link_id: int) -> ReviewShareLink:
    link = db.get(ReviewShareLink, link_id)
    request = db.get(ReviewRequest, link.request_id) if link is not None else None
    if link is None or request is None or request.seeker_id != seeker.id:
        raise NotFound("share_link_not_found")  # someone else's link: like an unknown one
    link.revoked_at = link.revoked_at or utcnow()
    db.flush()
    return link


def share_shows_review(request: ReviewRequest) -> bool:
    """The rubric, summary and comments are shown only once the consultant submitted them:
    before that they are drafts."""
    return request.status == "submitted"


def shared_answer_items(
    request: ReviewRequest, t: Callable[[str], str], video_url: Callable[[PracticeAnswer], str]
) -> list[dict[str, Any]]:
    """What the share page and the share API both show per answer (draft comments left out)."""
    from server.review.views import answer_views

    return answer_views(request, t, video_url=video_url, include_comments=share_shows_review(request))


def share_views(db: Session, link_id: int) -> int:
    return int(db.scalar(select(func.count()).select_from(ReviewShareView).where(ReviewShareView.link_id == link_id)) or 0)


def shared_request(
    db: Session, token: str, *, path: str, ip: str | None, user_agent: str | None
) -> ReviewRequest:
    """The request behind a live share link; every use is logged, refused ones too."""
    path = path.replace(token, token[:6] + "…")  # the token itself is a secret: never logged
    link = db.scalar(select(ReviewShareLink).where(ReviewShareLink.token_hash == _token_hash(token)))
    if link is None:
        raise NotFound("share_link_not_found")
    request = db.get(ReviewRequest, link.request_id)
    live = (
        link.revoked_at is None
        and link.expires_at > utcnow()
        and request is not None
        and request.status != "withdrawn"
    )
    db.add(ReviewShareView(link_id=link.id, path=path[:500], ip=ip, user_agent=(user_agent or "")[:300]))
    record_audit(db, "review_share_view", ip=ip, path=path, link_id=link.id, allowed=live)
    db.commit()  # logged even when what follows refuses the request
    if not live or request is None:
        raise AppError("share_link_inactive", status_code=410)
    return request


# ----------------------------------------------------------------- deletion


def purge_session_reviews(db: Session, session_id: int) -> None:
    """Called when a seeker deletes a practice session. The foreign keys cascade too; this
    makes it explicit and independent of the backend's foreign-key settings."""
    request_ids = select(ReviewRequest.id).where(ReviewRequest.session_id == session_id)
    link_ids = select(ReviewShareLink.id).where(ReviewShareLink.session_id == session_id)
    db.execute(delete(ReviewShareView).where(ReviewShareView.link_id.in_(link_ids)))
    db.execute(delete(ReviewShareLink).where(ReviewShareLink.session_id == session_id))
    db.execute(delete(ReviewComment).where(ReviewComment.session_id == session_id))
    db.execute(delete(ScoreVerdict).where(ScoreVerdict.request_id.in_(request_ids)))
    db.execute(delete(Notification).where(Notification.request_id.in_(request_ids)))
    db.execute(delete(ReviewRequest).where(ReviewRequest.session_id == session_id))
