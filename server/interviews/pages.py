"""Interview pages: the list (employer: the company's; seeker: their own), one invitation
(employer: review; seeker: respond, answer, see own answers), and the one-way recorder."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from server.accounts.access import CurrentUser
from server.answers.consent import has_consent
from server.answers.placement import answer_socket, oneway_room
from server.core.audit import audit_request
from server.core.deps import DbSession
from server.core.errors import Conflict
from server.core.i18n import translate
from server.core.limits import Id
from server.core.templating import js_messages, render, templates
from server.interviews import service
from server.interviews.api import intro_video_url, review_public, room_recordings_public
from server.interviews.live_room import MAX_MEMBERS
from server.interviews.oneway import INTERVIEW_ANSWERS
from server.models.accounts import Role
from server.models.careers import JobPostingRow
from server.models.interviews import InterviewQuestionSet
from server.practice.charts import score_bars, transcript_html

router = APIRouter()
templates.env.globals["event_note_for"] = service.event_note_for


def _criterion_labels(request: Request, criteria: Any) -> dict[str, str]:
    return {c: service.criterion_label(request.state.locale, c) for c in criteria}


def _translator(request: Request) -> Any:
    locale = request.state.locale
    return lambda key: translate(locale, key)


@router.get("/interviews", name="interviews_home_page")
def interviews_home_page(request: Request, user: CurrentUser, db: DbSession) -> Response:
    # (the intro-video form refuses a file over the cap itself, with the server's message)
    messages = js_messages(request.state.locale, "interviews.", "error.intro_video_too_large")
    if user.role is Role.EMPLOYER:
        company_id = service.employer_company_id(user)
        postings = db.scalars(
            select(JobPostingRow).where(JobPostingRow.company_id == company_id).order_by(JobPostingRow.id.desc())
        ).all()
        sets = db.scalars(
            select(InterviewQuestionSet)
            .where(InterviewQuestionSet.company_id == company_id)
            .order_by(InterviewQuestionSet.id.desc())
        ).all()
        return render(
            request,
            "interview_employer_home.html",
            {
                "invitations": service.company_invitations(db, user),
                "postings": postings,
                "sets": sets,
                "intro_urls": {s.id: intro_video_url(s) for s in sets},
                "max_intro_video_mb": request.app.state.settings.max_intro_video_mb,
                "messages_json": messages,
            },
        )
    return render(
        request,
        "interview_seeker_home.html",
        {"invitations": service.seeker_invitations(db, user), "messages_json": messages},
    )


@router.get("/interviews/{invitation_id}", name="interviews_detail_page")
def interviews_detail_page(invitation_id: Id, request: Request, user: CurrentUser, db: DbSession) -> Response:
    invitation = service.visible_invitation(db, user, invitation_id)
    t = _translator(request)
    messages = js_messages(request.state.locale, "interviews.")
    if user.role is Role.EMPLOYER:
        audit_request(db, request, "interview_answers_viewed", invitation_id=invitation.id, seeker_id=invitation.seeker_id)
        review = review_public(db, invitation, user)
        for item in review["answers"]:
            reviewed = (item.get("answer") or {}).get("report")
            item["scores_svg"] = score_bars(reviewed["scores"], t) if reviewed else None
            item["transcript_html"] = transcript_html(reviewed, t) if reviewed else None
        mine = next((c for c in service.scorecards(db, invitation.id) if c.reviewer_id == user.id), None)
        recordings = room_recordings_public(db, invitation)
        for rec in recordings:
            rec["scores_svg"] = score_bars(rec["report"]["scores"], t) if rec["report"] else None
        return render(
            request,
            "interview_review.html",
            {
                "recordings": recordings,
                "invitation": invitation,
                "review": review,
                "criteria": service.company_rubric(db, invitation.company_id),
                "criterion_labels": _criterion_labels(request, review["scorecard_summary"]),
                "my_scorecard": mine,
                "moves": sorted(service.EMPLOYER_MOVES.get(invitation.status, set())),
                "messages_json": messages,
            },
        )
    latest = service.latest_answers(invitation)
    questions = invitation.question_set.questions if invitation.question_set else []
    answers = []
    for question in questions:
        answer = latest.get(question.id)
        report: dict[str, Any] | None = dict(answer.report) if answer and answer.report else None
        answers.append(
            {
                "question": question,
                "answer": answer,
                "scores_svg": score_bars(report["scores"], t) if report else None,
            }
        )
    requests = service.explanation_requests(db, [a.id for a in latest.values()])
    return render(
        request,
        "interview_seeker_detail.html",
        {
            "invitation": invitation,
            "answers": answers,
            "requests": requests,
            "moves": sorted(service.SEEKER_MOVES.get(invitation.status, set())),
            "can_answer": service.can_answer(invitation) is None,
            "all_answered": bool(questions) and all(q.id in latest for q in questions),
            "messages_json": messages,
        },
    )


@router.get("/interviews/{invitation_id}/answer", name="interviews_answer_page")
def interviews_answer_page(invitation_id: Id, request: Request, user: CurrentUser, db: DbSession) -> Response:
    invitation = service.seeker_invitation(db, user, invitation_id)
    problem = service.can_answer(invitation)
    if problem:
        raise Conflict(problem)
    question_set = invitation.question_set
    assert question_set is not None
    locale = request.state.locale
    attempts = INTERVIEW_ANSWERS.attempts_by_question(invitation.answers)
    questions = question_set.questions
    config = {
        "session_id": invitation.id,
        **answer_socket(
            request.app.state.node_registry, request.app.state.settings.secret_key,
            room=oneway_room(invitation.id), path=f"/ws/interviews/{invitation.id}/answers", user=user,
        ),
        "consent_url": "/api/interviews/consent",
        "language": question_set.language,
        "max_retakes": 0,
        "retakes": [q.max_retakes for q in questions],
        "answered_stay_answered": True,
        "all_answered_text": translate(locale, "interviews.all_answered"),
        "consent_granted": has_consent(db, user, service.CONSENT),
        "consent_version": service.CONSENT.version,
        "questions": [q.id for q in questions],
        "attempts": attempts,
    }
    return render(
        request,
        "interview_answer.html",
        {
            "invitation": invitation,
            "question_set": question_set,
            "intro_video_url": intro_video_url(question_set),
            "config": config,
            "question_texts": [q.text for q in questions],
            "timing": {"think": [q.think_time_s for q in questions], "limit": [q.answer_limit_s for q in questions]},
            "retention_days": service.RETENTION_DAYS,
            "messages_json": js_messages(locale, "practice.", "consent.", "signalling.", "devices.", "interviews."),
        },
    )


@router.get("/interviews/{invitation_id}/room", name="interviews_room_page")
def interviews_room_page(invitation_id: Id, request: Request, user: CurrentUser, db: DbSession) -> Response:
    invitation = service.visible_invitation(db, user, invitation_id)
    if invitation.kind != "live":
        raise Conflict("not_a_live_interview")
    is_interviewer = user.role is Role.EMPLOYER
    mine = (
        next((c for c in service.scorecards(db, invitation.id) if c.reviewer_id == user.id), None)
        if is_interviewer
        else None
    )
    criteria = service.company_rubric(db, invitation.company_id) if is_interviewer else []
    return render(
        request,
        "interview_room.html",
        {
            "invitation": invitation,
            "is_interviewer": is_interviewer,
            "is_candidate": user.role is Role.SEEKER,
            "criteria": criteria,
            "criterion_labels": {c: service.criterion_label(request.state.locale, c) for c in criteria},
            "my_scorecard": mine,
            "config": {
                "invitation_id": invitation.id,
                "interviewer": is_interviewer,
                # receive-only slots: everyone else's camera and microphone, and one shared screen
                "slots": MAX_MEMBERS - 1,
                "screen_slots": 1,
            },
            "messages_json": js_messages(request.state.locale, "room.", "devices.", "signalling."),
        },
    )
