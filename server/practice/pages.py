"""Practice pages: home with progress, choosing a set, the interview runner, the report."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from server.accounts.access import CurrentUser, require_user
from server.answers.consent import has_consent
from server.answers.placement import answer_socket, practice_room
from server.core.deps import DbSession
from server.core.i18n import translate
from server.core.limits import Id
from server.core.templating import js_messages, render, viewer_zone
from server.domain.questions import JOB_FIELDS, field_display_name, list_questions
from server.models import PracticeSession
from server.practice.answers import PRACTICE_ANSWERS
from server.practice.charts import ProgressPoint, answer_timeline, progress_chart, score_bars, transcript_html
from server.practice.progress import progress_points, session_totals
from server.practice.service import (
    CONSENT,
    RETENTION_DAYS,
    display_title,
    owned_session,
)

router = APIRouter()


def _translator(request: Request) -> Any:
    locale = request.state.locale
    return lambda key: translate(locale, key)


def _progress_svg(request: Request, db: DbSession) -> Any:
    user = require_user(request)
    points = progress_points(db, user)
    if len(points) < 2:
        return None
    zone = viewer_zone(user)  # chart dates in the viewer's zone, as the tables are
    chart_points = [ProgressPoint(p.created_at.astimezone(zone).strftime("%m/%d"), p.scores) for p in points[-12:]]
    return progress_chart(chart_points, _translator(request))


@router.get("/practice", name="practice_home_page")
def practice_home_page(request: Request, user: CurrentUser, db: DbSession) -> Response:
    sessions = db.scalars(
        select(PracticeSession)
        .where(PracticeSession.seeker_id == user.id)
        .order_by(PracticeSession.id.desc())
    ).all()
    rows = [(s, session_totals(s)) for s in sessions]
    locale = request.state.locale
    context = {
        "rows": rows,
        "progress_svg": _progress_svg(request, db),
        "title_of": lambda s: display_title(s, locale),
    }
    return render(request, "practice_home.html", context)


@router.get("/practice/new", name="practice_new_page")
def practice_new_page(request: Request) -> Response:
    locale = request.state.locale
    fields = [(f, field_display_name(f, locale)) for f in JOB_FIELDS]
    bank = [(q.question_id, field_display_name(q.field, locale), q.text(locale)) for q in list_questions()]
    return render(
        request,
        "practice_new.html",
        {"fields": fields, "bank": bank, "messages_json": js_messages(locale, "practice.")},
    )


@router.get("/practice/{session_id}", name="practice_run_page")
def practice_run_page(session_id: Id, request: Request, user: CurrentUser, db: DbSession) -> Response:
    session = owned_session(db, user, session_id)
    locale = request.state.locale
    messages = js_messages(locale, "practice.", "nudge.", "consent.", "signalling.", "devices.")
    attempts = PRACTICE_ANSWERS.attempts_by_question(session.answers)
    return render(
        request,
        "practice_run.html",
        {
            "session": session,
            "session_title": display_title(session, locale),
            "consent_granted": has_consent(db, user, CONSENT),
            "consent_version": CONSENT.version,
            "retention_days": RETENTION_DAYS,
            "messages_json": messages,
            "attempts": attempts,
            "socket": answer_socket(
                request.app.state.node_registry, request.app.state.settings.secret_key,
                room=practice_room(session.id), path=f"/ws/practice/{session.id}", user=user,
            ),
        },
    )


@router.get("/practice/{session_id}/report", name="practice_report_page")
def practice_report_page(session_id: Id, request: Request, user: CurrentUser, db: DbSession) -> Response:
    session = owned_session(db, user, session_id)
    t = _translator(request)
    answers = []
    position = {q.id: q.position for q in session.questions}
    for answer in sorted(session.answers, key=lambda a: (position.get(a.question_id, 0), a.attempt)):
        report: dict[str, Any] | None = answer.report
        answers.append(
            {
                "answer": answer,
                "number": position.get(answer.question_id, 0) + 1,
                "report": report,
                "scores_svg": score_bars(report["scores"], t) if report else None,
                "timeline_svg": answer_timeline(report, t) if report else None,
                "transcript_html": transcript_html(report, t) if report else None,
                "star_labels": [
                    t(f"practice.star_{part}")
                    for part in ("situation", "task", "action", "result")
                    if report and report["content"]["star"].get(part)
                ],
            }
        )
    return render(
        request,
        "practice_report.html",
        {
            "session": session,
            "session_title": display_title(session, request.state.locale),
            "totals": session_totals(session),
            "answers": answers,
            "pending": any(a.status in ("recording", "analyzing") for a in session.answers),
            "progress_svg": _progress_svg(request, db),
            "messages_json": js_messages(request.state.locale, "practice."),
        },
    )
