"""Pages for the 9-step journey: the dashboard's step view, the questionnaires, cover letters,
counselling, mentoring, follow-up, and the consultant's and admin's journey views. Forms post JSON
to server/journey/api.py through web/static/js/careers_forms.js."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.accounts.access import CurrentUser
from server.careers import service as ms
from server.careers.views import (
    STEP_LINKS,
    form_choices,
    html_errors,
    index_cache,
    locale_of,
    page,
    translator,
)
from server.core.audit import audit_request
from server.core.db import session_scope
from server.core.deps import DbSession
from server.core.errors import Conflict, NotFound
from server.core.i18n import translate
from server.core.limits import Id, NonNegative
from server.core.templating import format_when, js_messages, templates, viewer_zone
from server.domain.aptitude import aptitude_items, aptitude_scale
from server.domain.diagnosis import diagnosis_items, diagnosis_scale
from server.domain.followup import followup_items, followup_scale
from server.domain.journey import STEPS
from server.domain.questionnaire import load_questionnaire
from server.domain.stress import crisis_resources, stress_items, stress_scale
from server.interviews import service as interview_service
from server.journey import service as js
from server.journey.charts import BAND_COLOURS, Bar, bar_chart, funnel_chart, radar_chart
from server.journey.rooms import counselling_window, room_state
from server.models import ConsultantAssignment, CounsellingSlot, JobPostingRow, PracticeSession, Role, User
from server.practice.progress import session_totals
from server.practice.service import display_title
from server.review import service as review_service

router = APIRouter()
templates.env.globals["counselling_room_state"] = room_state  # web/templates/_room_links.html
templates.env.globals["counselling_window"] = counselling_window


# --------------------------------------------------------------------------- dashboard (journey view)


def journey_dashboard(request: Request) -> dict[str, Any]:
    """Template global for dashboard.html: the seeker's 9 steps, or a consultant's / admin's overview."""
    user = getattr(request.state, "user", None)
    if user is None:
        return {}
    with session_scope(request.app.state.sessionmaker) as db:
        if user.role is Role.SEEKER:
            view = js.seeker_journey(db, user.id)
            profile = ms.get_profile(db, user)
            return {
                "view": view,
                "links": STEP_LINKS,
                "profile_done": bool(profile.skills or profile.desired_fields),
            }
        if user.role is Role.CONSULTANT:
            return {
                "assigned": len(js.assigned_seekers(db, user)),
                "flags": len(js.flagged_checkins(db, user)),
            }
        if user.role is Role.EMPLOYER and user.company_id:
            rows = ms.employer_postings(db, user)
            return {"postings": len(rows), "applicants": sum(n for _, n in rows)}
    return {}


templates.env.globals["journey_dashboard"] = journey_dashboard


# --------------------------------------------------------------------------- journey steps


def _likert(items: Any, scale: Any, locale: str) -> dict[str, Any]:
    values = list(range(scale.min_value, scale.max_value + 1))
    labels = scale.labels(locale)
    return {
        "items": [(i.item_id, i.text(locale)) for i in items],
        "options": list(zip(values, labels, strict=True)),
    }


def _diagnosis_chart(request: Request, result: dict[str, Any], *, compact: bool = False) -> Any:
    en = locale_of(request) == "en"
    bars = [
        Bar(a["name_en"] if en else a["name_ko"], a["score_0_100"], BAND_COLOURS[a["band"]])
        for a in result["areas"]
    ]
    label = translate(locale_of(request), "careers.diagnosis_chart_label")
    if compact:  # half-width cards: a narrower drawing keeps the text readable
        return bar_chart(bars, label, width=480, label_width=150)
    return bar_chart(bars, label)


@router.get("/journey/diagnosis", name="journey_diagnosis_page")
@html_errors
def journey_diagnosis_page(request: Request, user: CurrentUser, db: DbSession, retake: NonNegative = 0) -> Response:
    latest = js.latest_result(db, user.id, "diagnosis")
    show_form = latest is None or bool(retake)
    return page(
        request,
        "journey_diagnosis.html",
        {
            "form": _likert(diagnosis_items(), diagnosis_scale(), locale_of(request)) if show_form else None,
            "latest": latest,
            "chart": _diagnosis_chart(request, latest.result) if latest and not show_form else None,
        },
    )


def _aptitude_charts(request: Request, result: dict[str, Any]) -> dict[str, Any]:
    en = locale_of(request) == "en"
    types = result["types"]
    labels = [f"{t['name_en'] if en else t['name_ko']} ({t['type_code']})" for t in types]
    return {
        "radar": radar_chart(
            labels,
            [t["score_0_100"] for t in types],
            translate(locale_of(request), "careers.aptitude_chart_label"),
        ),
        "fields": bar_chart(
            [
                Bar(f["name_en"] if en else f["name_ko"], f["fit_0_100"],
                    "#0b8a6b" if f["field"] in result["recommended_fields"] else "#8da2c0")
                for f in result["fields"]
            ],
            translate(locale_of(request), "careers.aptitude_fields_label"),
        ),
    }  # fmt: skip


@router.get("/journey/aptitude", name="journey_aptitude_page")
@html_errors
def journey_aptitude_page(request: Request, user: CurrentUser, db: DbSession, retake: NonNegative = 0) -> Response:
    latest = js.latest_result(db, user.id, "aptitude")
    show_form = latest is None or bool(retake)
    return page(
        request,
        "journey_aptitude.html",
        {
            "form": _likert(aptitude_items(), aptitude_scale(), locale_of(request)) if show_form else None,
            "latest": latest,
            "charts": _aptitude_charts(request, latest.result) if latest is not None and not show_form else {},
            "descriptions": load_questionnaire("aptitude")["types"],
        },
    )


@router.get("/journey/cover-letters", name="journey_letters_page")
@html_errors
def journey_letters_page(request: Request, user: CurrentUser, db: DbSession, posting_id: Id | None = None) -> Response:
    posting = db.get(JobPostingRow, posting_id) if posting_id else None
    return page(
        request,
        "journey_letters.html",
        {"letters": js.seeker_letters(db, user.id), "posting": posting, "profile": ms.get_profile(db, user)},
    )


@router.get("/journey/cover-letters/{letter_id}", name="journey_letter_page")
@html_errors
def journey_letter_page(
    letter_id: Id, request: Request, user: CurrentUser, db: DbSession, left: NonNegative = 0, right: NonNegative = 0
) -> Response:
    letter = js.visible_letter(db, user, letter_id)
    if letter.seeker_id != user.id:
        audit_request(db, request, "cover_letter_viewed", letter_id=letter.id, seeker_id=letter.seeker_id)
    versions = js.letter_versions(db, letter)
    by_number = {v.number: v for v in versions}
    right_v = by_number.get(right) or versions[-1]
    left_v = by_number.get(left) or (versions[-2] if len(versions) > 1 else versions[0])
    posting = db.get(JobPostingRow, letter.posting_id) if letter.posting_id else None
    seeker = db.get(User, letter.seeker_id)
    return page(
        request,
        "journey_letter.html",
        {
            "letter": letter,
            "versions": versions,
            "left": left_v,
            "right": right_v,
            "posting": posting,
            "seeker": seeker,
        },
    )


def _stress_context(request: Request) -> dict[str, Any]:
    locale = locale_of(request)
    raw = load_questionnaire("stress")
    return {
        **_likert(stress_items(), stress_scale(), locale),
        "intro": raw["intro_en"] if locale == "en" else raw["intro_ko"],
        "safety": raw["safety_question"]["text_en" if locale == "en" else "text_ko"],
    }


@router.get("/journey/counselling", name="journey_counselling_page")
@html_errors
def journey_counselling_page(request: Request, user: CurrentUser, db: DbSession, retake: NonNegative = 0) -> Response:
    latest = js.latest_result(db, user.id, "stress")
    return page(
        request,
        "journey_counselling.html",
        {
            "form": _stress_context(request) if latest is None or retake else None,
            "latest": latest,
            "crisis": crisis_resources(),
            "slots": js.open_slots(db),
            "bookings": js.seeker_bookings(db, user),
        },
    )


@router.get("/journey/mentoring", name="journey_mentoring_page")
@html_errors
def journey_mentoring_page(request: Request, user: CurrentUser, db: DbSession) -> Response:
    return page(
        request,
        "journey_mentoring.html",
        {"mentors": js.recommended_mentors(db, user), "requests": js.requests_for(db, user)},
    )


@router.get("/mentor", name="journey_mentor_page")
@html_errors
def journey_mentor_page(request: Request, user: CurrentUser, db: DbSession) -> Response:
    profile = db.get(js.MentorProfile, user.id)
    requests = [(r, s, m) for r, s, m in js.requests_for(db, user) if r.mentor_id == user.id]
    return page(
        request, "journey_mentor.html", {"mentor": profile, "requests": requests, **form_choices(request)}
    )


# --------------------------------------------------------------------------- live rooms


def _room_page(request: Request, room: dict[str, Any], kind: str, *, is_host: bool, token_url: str) -> Response:
    """The interview room's page and script for a counselling or mentoring room."""
    locale = request.state.locale
    messages = json.loads(js_messages(locale, "room.", "devices.", "signalling."))
    for key, ours in (("room.waiting", f"rooms.waiting_{kind}"), ("room.denied", "rooms.denied"),
                      ("room.state_in_room", "rooms.state_in_room")):
        messages[key] = translate(locale, ours)  # the lobby speaks of the consultant or mentor
    return page(
        request,
        "interview_room.html",
        {
            "invitation": None,
            "room": {**room, "kind": kind},
            "is_interviewer": is_host,  # the host sees the lobby and the recording buttons
            "is_candidate": True,  # both people consent to recording, each for themselves
            "config": {"token_url": token_url, "interviewer": is_host, "slots": 1, "screen_slots": 1},
            "messages_json": json.dumps(messages, ensure_ascii=False).replace("</", "<\\/"),
        },
    )


@router.get("/journey/counselling/{slot_id}/room", name="journey_counselling_room_page")
@html_errors
def journey_counselling_room_page(slot_id: Id, request: Request, user: CurrentUser, db: DbSession) -> Response:
    slot = db.get(CounsellingSlot, slot_id)
    if slot is None or user.id not in (slot.consultant_id, slot.seeker_id):
        raise NotFound("slot_not_found")
    if slot.mode != "video":
        raise Conflict("no_video_room")
    locale = request.state.locale
    is_host = user.id == slot.consultant_id
    other = db.get(User, slot.seeker_id if is_host else slot.consultant_id)
    zone = viewer_zone(user)
    opens, closes = counselling_window(slot)
    state = room_state(slot)
    window_key = {"not_yet": "rooms.opens_at", "closed": "rooms.closed", "none": "rooms.not_booked"}
    room = {
        "heading": translate(locale, "rooms.counselling_heading", name=other.display_name if other else ""),
        "when": translate(
            locale, "rooms.when", starts_at=format_when(slot.starts_at.astimezone(zone), locale),
            duration=str(slot.duration_min),
        ),
        "state": state,
        "window_text": translate(
            locale, window_key.get(state, "rooms.opens_at"), opens_at=format_when(opens.astimezone(zone), locale),
            closes_at=format_when(closes.astimezone(zone), locale),
        ),
    }
    return _room_page(request, room, "counselling", is_host=is_host, token_url=f"/api/journey/slots/{slot.id}/room-token")


@router.get("/mentoring/{request_id}/room", name="journey_mentoring_room_page")
@html_errors
def journey_mentoring_room_page(request_id: Id, request: Request, user: CurrentUser, db: DbSession) -> Response:
    req = js.visible_request(db, user, request_id)
    locale = request.state.locale
    is_host = user.id == req.mentor_id
    other = db.get(User, req.seeker_id if is_host else req.mentor_id)
    room = {
        "heading": translate(locale, "rooms.mentoring_heading", name=other.display_name if other else ""),
        "when": translate(locale, "rooms.mentoring_when"),
        "state": "open" if req.status == "accepted" else "closed",
        "window_text": translate(locale, "rooms.mentoring_closed"),
    }
    return _room_page(request, room, "mentoring", is_host=is_host, token_url=f"/api/journey/mentoring/{req.id}/room-token")


@router.get("/mentoring/{request_id}", name="journey_thread_page")
@html_errors
def journey_thread_page(request_id: Id, request: Request, user: CurrentUser, db: DbSession) -> Response:
    req = js.visible_request(db, user, request_id)
    return page(
        request,
        "journey_thread.html",
        {
            "req": req,
            "messages": js.thread(db, req),
            "seeker": db.get(User, req.seeker_id),
            "mentor_user": db.get(User, req.mentor_id),
            "is_mentor": user.id == req.mentor_id,
        },
    )


@router.get("/journey/follow-up", name="journey_followup_page")
@html_errors
def journey_followup_page(request: Request, user: CurrentUser, db: DbSession) -> Response:
    hire = js.current_hire(db, user.id)
    applications = ms.my_applications(db, user)
    return page(
        request,
        "journey_followup.html",
        {
            "hire": hire,
            "checkins": js.checkin_states(db, hire) if hire else [],
            "survey": _likert(followup_items(), followup_scale(), locale_of(request)),
            "applications": applications,
            "today": ms.today_kst().isoformat(),
        },
    )


# --------------------------------------------------------------------------- consultants and admins


def _seeker_summary(db: Session, seeker: User) -> dict[str, Any]:
    view = js.seeker_journey(db, seeker.id)
    return {"user": seeker, "view": view}


@router.get("/consultant/seekers", name="consultant_seekers_page")
@html_errors
def consultant_seekers_page(request: Request, user: CurrentUser, db: DbSession) -> Response:
    rows = [(_seeker_summary(db, u), a) for u, a in js.assigned_seekers(db, user)]
    return page(
        request,
        "journey_consultant_seekers.html",
        {
            "rows": rows,
            "flags": js.flagged_checkins(db, user),
            "letters": js.letters_awaiting_review(db, user),
        },
    )


@router.get("/consultant/seekers/{seeker_id}", name="consultant_seeker_page")
@html_errors
def consultant_seeker_page(seeker_id: Id, request: Request, user: CurrentUser, db: DbSession) -> Response:
    seeker = js.visible_seeker(db, user, seeker_id)
    audit_request(db, request, "journey_viewed", seeker_id=seeker.id)
    results = {k: js.latest_result(db, seeker.id, k) for k in ("diagnosis", "aptitude", "stress")}
    hire = js.current_hire(db, seeker.id)
    return page(
        request,
        "journey_consultant_seeker.html",
        {
            "seeker": seeker,
            "view": js.seeker_journey(db, seeker.id),
            "notes": js.notes_for(db, seeker.id),
            "letters": js.seeker_letters(db, seeker.id),
            "results": results,
            "diagnosis_chart": _diagnosis_chart(request, results["diagnosis"].result, compact=True)
            if results["diagnosis"]
            else None,
            "profile": ms.get_profile(db, seeker),
            "hire": hire,
            "checkins": js.checkin_states(db, hire) if hire else [],
            "steps": STEPS,
            "step_links": staff_step_links(seeker.id),
        },
    )


def staff_step_links(seeker_id: int) -> dict[str, str]:
    """Where a consultant or an admin opens each of a seeker's steps: read-only, never the seeker's own page."""
    return {step: f"/consultant/seekers/{seeker_id}/steps/{step}" for step in STEP_LINKS}


def _staff_step_context(request: Request, db: Session, seeker: User, step: str) -> dict[str, Any]:
    """What one step of the seeker's journey holds, for a reader who is not the seeker."""
    if step == "diagnosis":
        latest = js.latest_result(db, seeker.id, "diagnosis")
        return {"latest": latest, "chart": _diagnosis_chart(request, latest.result) if latest else None}
    if step == "aptitude":
        latest = js.latest_result(db, seeker.id, "aptitude")
        return {
            "latest": latest,
            "charts": _aptitude_charts(request, latest.result) if latest else {},
            "descriptions": load_questionnaire("aptitude")["types"],
        }
    if step == "cover_letter":
        return {"letters": js.seeker_letters(db, seeker.id)}
    if step == "interview_practice":
        locale = locale_of(request)
        sessions = db.scalars(
            select(PracticeSession).where(PracticeSession.seeker_id == seeker.id).order_by(PracticeSession.id.desc())
        ).all()
        reviews = review_service.staff_visible_requests(db, request.state.user, seeker.id)
        return {
            "practice": [(s, session_totals(s), display_title(s, locale), reviews.get(s.id)) for s in sessions]
        }
    if step == "counselling":
        return {"latest": js.latest_result(db, seeker.id, "stress"), "bookings": js.seeker_bookings(db, seeker)}
    if step == "mentoring":
        return {"mentoring": js.requests_for(db, seeker)}
    if step == "recommendation":
        results = ms.recommend_postings(db, index_cache(request), seeker, limit=10, record_view=False)
        return {"recommended": [(ms.match_public(r, locale_of(request)), row, name) for r, row, name in results]}
    if step == "online_interview":
        return {
            "applications": ms.my_applications(db, seeker),
            "interviews": interview_service.seeker_invitations(db, seeker),
        }
    hire = js.current_hire(db, seeker.id)  # follow_up
    return {"hire": hire, "checkins": js.checkin_states(db, hire) if hire else []}


@router.get("/consultant/seekers/{seeker_id}/steps/{step}", name="consultant_seeker_step_page")
@html_errors
def consultant_seeker_step_page(seeker_id: Id, step: str, request: Request, user: CurrentUser, db: DbSession) -> Response:
    if step not in STEP_LINKS:
        raise NotFound("step_not_found")
    seeker = js.visible_seeker(db, user, seeker_id)
    audit_request(db, request, "journey_step_viewed", seeker_id=seeker.id, step=step)
    info = next(s for s in STEPS if s.step_id == step)
    return page(
        request,
        "journey_staff_step.html",
        {
            "seeker": seeker,
            "step": step,
            "number": info.number,
            "step_name": info.name_en if locale_of(request) == "en" else info.name_ko,
            "status": next(s.status for s in js.seeker_journey(db, seeker.id).steps if s.step.step_id == step),
            **_staff_step_context(request, db, seeker, step),
            "step_links": staff_step_links(seeker.id),
        },
    )


@router.get("/consultant/slots", name="consultant_slots_page")
@html_errors
def consultant_slots_page(request: Request, user: CurrentUser, db: DbSession) -> Response:
    return page(
        request, "journey_consultant_slots.html", {"slots": js.consultant_slots(db, user)}
    )


@router.get("/admin/journeys", name="admin_journeys_page")
@html_errors
def admin_journeys_page(request: Request, db: DbSession) -> Response:
    summary = js.admin_summary(db)
    audit_request(db, request, "journey_summary_viewed")
    en = locale_of(request) == "en"
    names = {s.step_id: f"{s.number}. {s.name_en if en else s.name_ko}" for s in STEPS}
    t = translator(request)
    chart = funnel_chart(
        [(names[s["id"]], s["started"], s["finished"]) for s in summary["steps"]],
        summary["seekers"],
        (t("careers.admin_started"), t("careers.admin_finished")),
        t("careers.admin_chart_label"),
    )
    seekers = db.scalars(select(User).where(User.role == Role.SEEKER).order_by(User.id)).all()
    consultants = db.scalars(select(User).where(User.role == Role.CONSULTANT).order_by(User.id)).all()
    assignments = {a.seeker_id: a for a in db.scalars(select(ConsultantAssignment)).all()}
    return page(
        request,
        "journey_admin.html",
        {
            "summary": summary,
            "names": names,
            "chart": chart,
            "retention": js.retention_by_centre(db),
            "seekers": seekers,
            "consultants": consultants,
            "assignments": assignments,
        },
    )


@router.get("/journey", name="journey_home_page")
@html_errors
def journey_home_page() -> Response:
    return RedirectResponse("/dashboard#journey", status_code=303)
