"""Consultant review pages: the queue and dashboard, the workspace, a seeker's history, the
seeker's feedback view and the read-only shared view."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from server.accounts.access import CurrentUser
from server.core.deps import DbSession
from server.core.i18n import translate
from server.core.limits import Id
from server.core.templating import js_messages, local_time, render, viewer_zone
from server.models import ReviewRequest, ReviewShareLink, Role, User
from server.notifications import service as notifications
from server.practice.charts import ProgressPoint, progress_chart
from server.practice.progress import session_totals
from server.practice.service import display_title, owned_session
from server.review import service
from server.review.views import answer_views, clock

log = logging.getLogger("untact.review")

router = APIRouter()


def _t(request: Request) -> Any:
    locale = request.state.locale
    return lambda key: translate(locale, key)


def _common(request: Request) -> dict[str, Any]:
    return {
        "clock": clock,
        "categories": service.CATEGORIES,
        "criteria": service.RUBRIC_CRITERIA,
        "next_steps": service.NEXT_STEPS,
        "messages_json": js_messages(request.state.locale, "review."),
    }


@router.get("/review", name="review_queue_page")
def review_queue_page(request: Request, user: CurrentUser, db: DbSession) -> Response:
    requests = service.queue_for(db, user)
    if user.role is Role.ADMIN:
        from server.core.audit import record_audit

        record_audit(db, "review_admin_view", actor=user, path=request.url.path)
    # A consultant's dashboard counts their own requests; an admin's counts everyone's.
    mine = requests if user.role is Role.ADMIN else [r for r in requests if r.consultant_id == user.id]
    locale = request.state.locale
    context = {
        **_common(request),
        "requests": requests,
        "loads": service.consultant_loads(db),
        "is_admin": user.role is Role.ADMIN,
        "my_open": sum(r.status == "assigned" for r in mine),
        "my_overdue": sum(service.is_overdue(r) for r in mine),
        "my_done": sum(r.status == "submitted" for r in mine),
        "unassigned": sum(r.status == "open" for r in requests),
        "overdue": service.is_overdue,
        "title_of": lambda r: display_title(r.session, locale),
    }
    return render(request, "review_queue.html", context)


@router.get("/review/seekers/{seeker_id}", name="review_seeker_page")
def review_seeker_page(seeker_id: Id, request: Request, user: CurrentUser, db: DbSession) -> Response:
    seeker, requests = service.seeker_history(db, user, seeker_id, path=request.url.path)
    locale = request.state.locale
    rows = [(r, session_totals(r.session), service.rubric_average(r)) for r in requests]
    zone = viewer_zone(user)
    points = [
        ProgressPoint(r.created_at.astimezone(zone).strftime("%m/%d"), dict(totals.scores)) for r, totals, _ in rows
    ]
    return render(
        request,
        "review_seeker.html",
        {
            **_common(request),
            "seeker": seeker,
            "rows": rows,
            "progress_svg": progress_chart(points, _t(request)) if len(points) >= 2 else None,
            "title_of": lambda r: display_title(r.session, locale),
        },
    )


@router.get("/review/{request_id}", name="review_workspace_page")
def review_workspace_page(request_id: Id, request: Request, user: CurrentUser, db: DbSession) -> Response:
    review = service.staff_request(db, user, request_id, path=request.url.path)
    shares = db.scalars(select(ReviewShareLink).where(ReviewShareLink.request_id == review.id)).all()
    return render(
        request,
        "review_workspace.html",
        {
            **_common(request),
            "review": review,
            "session_title": display_title(review.session, request.state.locale),
            "answers": answer_views(review, _t(request), video_url=lambda a: f"/api/review/answers/{a.id}/video"),
            "editable": review.status == "assigned" and review.consultant_id == user.id,
            "overdue": service.is_overdue(review),
            "shares": [(link, service.share_views(db, link.id)) for link in shares],
            "score_keys": service.SCORE_KEYS,
        },
    )


def _seeker_share_rows(db: DbSession, seeker: User, session_id: int) -> list[dict[str, Any]]:
    """The session's share links as the seeker sees them (who made them, expiry, last opened)."""
    rows = []
    for link in service.seeker_share_links(db, seeker, session_id):
        creator = db.get(User, link.created_by_id) if link.created_by_id else None
        rows.append(
            {
                "id": link.id,
                "label": link.label,
                "created_by": creator.display_name if creator else None,
                "expires_at": local_time({"user": seeker}, link.expires_at),
                "last_opened_at": local_time({"user": seeker}, service.share_last_opened(db, link.id)),
                "active": service.share_link_live(link),
            }
        )
    return rows


@router.get("/practice/{session_id}/feedback", name="review_feedback_page")
def review_feedback_page(session_id: Id, request: Request, user: CurrentUser, db: DbSession) -> Response:
    session = owned_session(db, user, session_id)
    review = service.active_request_for_session(db, session.id)
    history = db.scalars(
        select(ReviewRequest)
        .where(ReviewRequest.session_id == session.id, ReviewRequest.status == "withdrawn")
        .order_by(ReviewRequest.id.desc())
    ).all()
    answers = (
        answer_views(review, _t(request), video_url=lambda a: f"/api/practice/answers/{a.id}/video")
        if review is not None and review.status == "submitted"
        else []
    )
    if review is not None and review.status == "submitted":
        # Opening the feedback reads its notification.
        for note in notifications.notifications_for(db, user):
            if note.request_id == review.id and note.read_at is None:
                notifications.mark_read(db, user, note.id)
        db.commit()  # before rendering, so the nav badge (its own session) is already down
    return render(
        request,
        "review_feedback.html",
        {
            **_common(request),
            "session": session,
            "session_title": display_title(session, request.state.locale),
            "review": review,
            "withdrawn_count": len(history),
            "answers": answers,
            "reviewable": any(a.report is not None for a in session.answers),
            "default_job": session.title if session.source == "posting" else "",
            "share_links": _seeker_share_rows(db, user, session.id),
        },
    )


@router.get("/shared/review/{token}", name="review_shared_page")
def review_shared_page(token: str, request: Request, db: DbSession) -> Response:
    review = service.shared_request(
        db,
        token,
        path=request.url.path,
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
    )
    return render(
        request,
        "review_shared.html",
        {
            **_common(request),
            "review": review,
            "session_title": display_title(review.session, request.state.locale),
            "submitted": service.share_shows_review(review),
            "answers": service.shared_answer_items(
                review, _t(request), lambda a: f"/api/shared/review/{token}/answers/{a.id}/video"
            ),
        },
    )
