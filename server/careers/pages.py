"""Pages for jobs, profiles, matching and the journey steps. Forms post JSON to server/careers/api.py
through web/static/js/careers_forms.js (CSRF header), so pages and API share one code path."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.access import require_user
from server.careers import journey_service as js
from server.careers import matching_service as ms
from server.careers.api import index_cache
from server.careers.charts import BAND_COLOURS, Bar, bar_chart, funnel_chart, radar_chart
from server.db import session_scope
from server.deps import DbSession
from server.domain.aptitude import aptitude_items, aptitude_scale
from server.domain.diagnosis import diagnosis_items, diagnosis_scale
from server.domain.errors import DomainError
from server.domain.followup import followup_items, followup_scale
from server.domain.journey import STEPS
from server.domain.matching import EDUCATION_LEVELS, EMPLOYMENT_TYPES
from server.domain.questionnaire import load_questionnaire
from server.domain.questions import JOB_FIELDS, field_display_name
from server.domain.regions import REGIONS, normalize_region, region_display_name
from server.domain.skills import skill_display_name
from server.domain.stress import crisis_resources, stress_items, stress_scale
from server.errors import AppError, NotFound
from server.i18n import translate
from server.limits import Id, NonNegative
from server.models import Company, ConsultantAssignment, JobInvitation, JobPostingRow, Role, User
from server.security import audit_request
from server.templating import js_messages, render, templates

router = APIRouter()

# Links from each journey step to where it happens.
STEP_LINKS = {
    "diagnosis": "/journey/diagnosis",
    "cover_letter": "/journey/cover-letters",
    "aptitude": "/journey/aptitude",
    "interview_practice": "/practice",
    "counselling": "/journey/counselling",
    "mentoring": "/journey/mentoring",
    "recommendation": "/recommendations",
    "online_interview": "/applications",
    "follow_up": "/journey/follow-up",
}


def _locale(request: Request) -> str:
    return str(getattr(request.state, "locale", "ko"))


def _t(request: Request) -> Any:
    locale = _locale(request)
    return lambda key, **params: translate(locale, key, **params)


def _choices(request: Request) -> dict[str, Any]:
    """Option lists shared by the job and profile forms."""
    locale = _locale(request)
    t = _t(request)
    return {
        "fields": [(f, field_display_name(f, locale)) for f in JOB_FIELDS],  # type: ignore[arg-type]
        "regions": [(r.region_id, r.name_en if locale == "en" else r.name_ko) for r in REGIONS],
        "educations": [(e, t(f"careers.education_{e}")) for e in EDUCATION_LEVELS],
        "employment_types": [(e, t(f"careers.employment_{e}")) for e in EMPLOYMENT_TYPES],
        "career_levels": [(c, t(f"careers.career_{c}")) for c in ("any", "entry", "experienced")],
        "sizes": [(s, t(f"careers.size_{s}")) for s in ms.COMPANY_SIZES],
    }


def _helpers(request: Request) -> dict[str, Any]:
    locale = _locale(request)

    def field_name(field: str) -> str:
        try:
            return field_display_name(field, locale)  # type: ignore[arg-type]
        except Exception:
            return field

    def region_names(values: list[str]) -> str:
        return ", ".join(region_display_name(normalize_region(v), locale) for v in values)  # type: ignore[arg-type]

    return {
        "field_name": field_name,
        "field_names": lambda values: ", ".join(field_name(v) for v in values),
        "region_names": region_names,
        "region_name": lambda r: region_display_name(r, locale) if r else "",  # type: ignore[arg-type]
        "skill_name": lambda s: skill_display_name(s, locale),  # type: ignore[arg-type]
        "manwon": lambda krw: f"{round(krw / 10_000):,}" if krw is not None else "",
        "messages_json": js_messages(locale, "careers.js_"),
        "step_links": STEP_LINKS,
    }


def _html_errors(route: Callable[..., Response]) -> Callable[..., Response]:
    """Render this page's own 404s (another's object, a missing one) while the DB session is open.

    The app-wide handler renders error.html after the session has been rolled back, when the
    logged-in user's row is already expired; doing it here keeps the nav bar working.
    """

    @functools.wraps(route)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return route(*args, **kwargs)
        except AppError as exc:
            request: Request = kwargs["request"]
            message = translate(_locale(request), exc.message_key, **exc.params)
            return render(request, "error.html", {"code": exc.code, "message": message}, exc.status_code)
        except DomainError as exc:
            request = kwargs["request"]
            message = exc.message_en if _locale(request) == "en" else exc.message_ko
            return render(request, "error.html", {"code": exc.code, "message": message}, 422)

    return wrapper


def _page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    return render(request, name, {**_helpers(request), **context}, status_code=status_code)


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


# --------------------------------------------------------------------------- jobs and companies


@router.get("/jobs", name="careers_jobs_page")
@_html_errors
def careers_jobs_page(
    request: Request,
    db: DbSession,
    q: str = "",
    field: str = "",
    region: str = "",
    min_salary_manwon: str = "",
    career: str = "",
) -> Response:
    salary = int(min_salary_manwon) * 10_000 if min_salary_manwon.strip().isdigit() else None
    f = ms.PostingFilter(q[:200], field if field in JOB_FIELDS else "", region[:100], salary, career)
    rows, total = ms.search_postings(db, f, limit=50)
    query = {
        "q": q,
        "field": field,
        "region": region,
        "min_salary_manwon": min_salary_manwon,
        "career": career,
    }
    return _page(
        request, "careers_jobs.html", {"rows": rows, "total": total, "query": query, **_choices(request)}
    )


@router.get("/jobs/{posting_id}", name="careers_job_page")
@_html_errors
def careers_job_page(posting_id: Id, request: Request, db: DbSession) -> Response:
    user = require_user(request)
    row = ms.visible_posting(db, posting_id)
    company = db.get(Company, row.company_id)
    context: dict[str, Any] = {
        "posting": ms.posting_public(row, company.name if company else ""),
        "own": user.company_id == row.company_id,
    }
    if user.role is Role.SEEKER:
        match = ms.match_for_posting(db, index_cache(request), user, row)
        context["match"] = ms.match_public(match, _locale(request)) if match else None
        context["applied"] = any(p.id == row.id for _, p, _ in ms.my_applications(db, user))
    return _page(request, "careers_job.html", context)


@router.get("/companies", name="careers_companies_page")
@_html_errors
def careers_companies_page(request: Request, db: DbSession) -> Response:
    return _page(request, "careers_companies.html", {"companies": ms.list_companies(db), **_choices(request)})


@router.get("/companies/{company_id}", name="careers_company_page")
@_html_errors
def careers_company_page(company_id: Id, request: Request, db: DbSession) -> Response:
    company = db.get(Company, company_id)
    if company is None:
        raise NotFound("company_not_found")
    rows, _ = ms.search_postings(db, ms.PostingFilter(company_id=company.id), limit=100)
    return _page(
        request,
        "careers_company.html",
        {"company": ms.company_public(db, company), "postings": rows, **_choices(request)},
    )


@router.get("/employer/profile", name="careers_company_edit_page")
@_html_errors
def careers_company_edit_page(request: Request, db: DbSession) -> Response:
    company = ms.employer_company(db, require_user(request))
    return _page(
        request, "careers_company_edit.html", {"company": ms.company_public(db, company), **_choices(request)}
    )


@router.get("/employer/postings", name="careers_employer_postings_page")
@_html_errors
def careers_employer_postings_page(request: Request, db: DbSession) -> Response:
    rows = ms.employer_postings(db, require_user(request))
    return _page(request, "careers_employer_postings.html", {"rows": rows})


@router.get("/employer/postings/new", name="careers_posting_new_page")
@_html_errors
def careers_posting_new_page(request: Request, db: DbSession) -> Response:
    ms.employer_company(db, require_user(request))
    return _page(request, "careers_posting_form.html", {"posting": None, **_choices(request)})


@router.get("/employer/postings/{posting_id}", name="careers_posting_manage_page")
@_html_errors
def careers_posting_manage_page(posting_id: Id, request: Request, db: DbSession) -> Response:
    user = require_user(request)
    row = ms.owned_posting(db, user, posting_id)
    applicants = ms.posting_applicants(db, user, posting_id)
    applied_ids = {u.id for _, _, u in applicants}
    talent = [
        (ms.match_public(r, _locale(request)), p, u, u.id in applied_ids)
        for r, p, u in ms.recommend_talent(db, user, posting_id, limit=10)
    ]
    invited = {
        i.seeker_id for i in db.scalars(select(JobInvitation).where(JobInvitation.posting_id == row.id)).all()
    }
    shown = sorted(applied_ids | {u.id for _, _, u, _ in talent})
    if shown:
        audit_request(db, request, "seeker_profiles_viewed", posting_id=posting_id, seeker_ids=shown)
    return _page(
        request,
        "careers_posting_manage.html",
        {
            "posting": ms.posting_public(row),
            "applicants": applicants,
            "hire_claims": ms.seekers_reporting_hire(db, posting_id),
            "talent": talent,
            "invited": invited,
            **_choices(request),
        },
    )


@router.get("/employer/talent", name="careers_talent_page")
@_html_errors
def careers_talent_page(
    request: Request, db: DbSession, q: str = "", field: str = "", region: str = ""
) -> Response:
    user = require_user(request)
    pairs = ms.search_talent(db, q[:200], field, region[:100])
    if pairs:
        audit_request(db, request, "seeker_profiles_viewed", seeker_ids=[u.id for _, u in pairs])
    postings = [r for r, _ in ms.employer_postings(db, user) if r.status == "open"]
    return _page(
        request,
        "careers_talent.html",
        {
            "pairs": pairs,
            "query": {"q": q, "field": field, "region": region},
            "postings": postings,
            **_choices(request),
        },
    )


# --------------------------------------------------------------------------- seeker: profile, recommendations, applications


@router.get("/profile", name="careers_profile_page")
@_html_errors
def careers_profile_page(request: Request, db: DbSession) -> Response:
    user = require_user(request)
    profile = ms.get_profile(db, user)
    return _page(
        request,
        "careers_profile.html",
        {"profile": profile, "practice_average": ms.practice_average(db, user.id), **_choices(request)},
    )


@router.get("/recommendations", name="careers_recommendations_page")
@_html_errors
def careers_recommendations_page(request: Request, db: DbSession) -> Response:
    user = require_user(request)
    results = ms.recommend_postings(db, index_cache(request), user, limit=10)
    applied = {p.id for _, p, _ in ms.my_applications(db, user)}
    rows = [(ms.match_public(r, _locale(request)), ms.posting_public(row, name)) for r, row, name in results]
    profile = ms.get_profile(db, user)
    return _page(
        request,
        "careers_recommendations.html",
        {"rows": rows, "applied": applied, "profile_empty": not (profile.skills or profile.desired_fields)},
    )


@router.get("/applications", name="careers_applications_page")
@_html_errors
def careers_applications_page(request: Request, db: DbSession) -> Response:
    user = require_user(request)
    return _page(
        request,
        "careers_applications.html",
        {
            "applications": ms.my_applications(db, user),
            "invitations": ms.my_invitations(db, user),
            "interviews": js.seeker_interviews(db, user.id),
        },
    )


# --------------------------------------------------------------------------- journey steps


def _likert(items: Any, scale: Any, locale: str) -> dict[str, Any]:
    values = list(range(scale.min_value, scale.max_value + 1))
    labels = scale.labels(locale)
    return {
        "items": [(i.item_id, i.text(locale)) for i in items],
        "options": list(zip(values, labels, strict=True)),
    }


def _diagnosis_chart(request: Request, result: dict[str, Any], *, compact: bool = False) -> Any:
    en = _locale(request) == "en"
    bars = [
        Bar(a["name_en"] if en else a["name_ko"], a["score_0_100"], BAND_COLOURS[a["band"]])
        for a in result["areas"]
    ]
    label = translate(_locale(request), "careers.diagnosis_chart_label")
    if compact:  # half-width cards: a narrower drawing keeps the text readable
        return bar_chart(bars, label, width=480, label_width=150)
    return bar_chart(bars, label)


@router.get("/journey/diagnosis", name="journey_diagnosis_page")
@_html_errors
def journey_diagnosis_page(request: Request, db: DbSession, retake: NonNegative = 0) -> Response:
    user = require_user(request)
    latest = js.latest_result(db, user.id, "diagnosis")
    show_form = latest is None or bool(retake)
    return _page(
        request,
        "journey_diagnosis.html",
        {
            "form": _likert(diagnosis_items(), diagnosis_scale(), _locale(request)) if show_form else None,
            "latest": latest,
            "chart": _diagnosis_chart(request, latest.result) if latest and not show_form else None,
        },
    )


@router.get("/journey/aptitude", name="journey_aptitude_page")
@_html_errors
def journey_aptitude_page(request: Request, db: DbSession, retake: NonNegative = 0) -> Response:
    user = require_user(request)
    latest = js.latest_result(db, user.id, "aptitude")
    show_form = latest is None or bool(retake)
    en = _locale(request) == "en"
    charts: dict[str, Any] = {}
    if latest is not None and not show_form:
        result: dict[str, Any] = latest.result
        types = result["types"]
        labels = [f"{t['name_en'] if en else t['name_ko']} ({t['type_code']})" for t in types]
        charts["radar"] = radar_chart(
            labels,
            [t["score_0_100"] for t in types],
            translate(_locale(request), "careers.aptitude_chart_label"),
        )
        charts["fields"] = bar_chart(
            [
                Bar(f["name_en"] if en else f["name_ko"], f["fit_0_100"],
                    "#0b8a6b" if f["field"] in result["recommended_fields"] else "#8da2c0")
                for f in result["fields"]
            ],
            translate(_locale(request), "careers.aptitude_fields_label"),
        )  # fmt: skip
    descriptions = load_questionnaire("aptitude")["types"]
    return _page(
        request,
        "journey_aptitude.html",
        {
            "form": _likert(aptitude_items(), aptitude_scale(), _locale(request)) if show_form else None,
            "latest": latest,
            "charts": charts,
            "descriptions": descriptions,
        },
    )


@router.get("/journey/cover-letters", name="journey_letters_page")
@_html_errors
def journey_letters_page(request: Request, db: DbSession, posting_id: Id | None = None) -> Response:
    user = require_user(request)
    posting = db.get(JobPostingRow, posting_id) if posting_id else None
    return _page(
        request,
        "journey_letters.html",
        {"letters": js.seeker_letters(db, user.id), "posting": posting, "profile": ms.get_profile(db, user)},
    )


@router.get("/journey/cover-letters/{letter_id}", name="journey_letter_page")
@_html_errors
def journey_letter_page(
    letter_id: Id, request: Request, db: DbSession, left: NonNegative = 0, right: NonNegative = 0
) -> Response:
    user = require_user(request)
    letter = js.visible_letter(db, user, letter_id)
    if letter.seeker_id != user.id:
        audit_request(db, request, "cover_letter_viewed", letter_id=letter.id, seeker_id=letter.seeker_id)
    versions = js.letter_versions(db, letter)
    by_number = {v.number: v for v in versions}
    right_v = by_number.get(right) or versions[-1]
    left_v = by_number.get(left) or (versions[-2] if len(versions) > 1 else versions[0])
    posting = db.get(JobPostingRow, letter.posting_id) if letter.posting_id else None
    seeker = db.get(User, letter.seeker_id)
    return _page(
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
    locale = _locale(request)
    raw = load_questionnaire("stress")
    return {
        **_likert(stress_items(), stress_scale(), locale),
        "intro": raw["intro_en"] if locale == "en" else raw["intro_ko"],
        "safety": raw["safety_question"]["text_en" if locale == "en" else "text_ko"],
    }


@router.get("/journey/counselling", name="journey_counselling_page")
@_html_errors
def journey_counselling_page(request: Request, db: DbSession, retake: NonNegative = 0) -> Response:
    user = require_user(request)
    latest = js.latest_result(db, user.id, "stress")
    return _page(
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
@_html_errors
def journey_mentoring_page(request: Request, db: DbSession) -> Response:
    user = require_user(request)
    return _page(
        request,
        "journey_mentoring.html",
        {"mentors": js.recommended_mentors(db, user), "requests": js.requests_for(db, user)},
    )


@router.get("/mentor", name="journey_mentor_page")
@_html_errors
def journey_mentor_page(request: Request, db: DbSession) -> Response:
    user = require_user(request)
    profile = db.get(js.MentorProfile, user.id)
    requests = [(r, s, m) for r, s, m in js.requests_for(db, user) if r.mentor_id == user.id]
    return _page(
        request, "journey_mentor.html", {"mentor": profile, "requests": requests, **_choices(request)}
    )


@router.get("/mentoring/{request_id}", name="journey_thread_page")
@_html_errors
def journey_thread_page(request_id: Id, request: Request, db: DbSession) -> Response:
    user = require_user(request)
    req = js.visible_request(db, user, request_id)
    return _page(
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
@_html_errors
def journey_followup_page(request: Request, db: DbSession) -> Response:
    user = require_user(request)
    hire = js.current_hire(db, user.id)
    applications = ms.my_applications(db, user)
    return _page(
        request,
        "journey_followup.html",
        {
            "hire": hire,
            "checkins": js.checkin_states(db, hire) if hire else [],
            "survey": _likert(followup_items(), followup_scale(), _locale(request)),
            "applications": applications,
            "today": ms.today_kst().isoformat(),
        },
    )


# --------------------------------------------------------------------------- consultants and admins


def _seeker_summary(db: Session, seeker: User) -> dict[str, Any]:
    view = js.seeker_journey(db, seeker.id)
    return {"user": seeker, "view": view}


@router.get("/consultant/seekers", name="consultant_seekers_page")
@_html_errors
def consultant_seekers_page(request: Request, db: DbSession) -> Response:
    user = require_user(request)
    rows = [(_seeker_summary(db, u), a) for u, a in js.assigned_seekers(db, user)]
    return _page(
        request,
        "journey_consultant_seekers.html",
        {
            "rows": rows,
            "flags": js.flagged_checkins(db, user),
            "letters": js.letters_awaiting_review(db, user),
        },
    )


@router.get("/consultant/seekers/{seeker_id}", name="consultant_seeker_page")
@_html_errors
def consultant_seeker_page(seeker_id: Id, request: Request, db: DbSession) -> Response:
    seeker = js.visible_seeker(db, require_user(request), seeker_id)
    audit_request(db, request, "journey_viewed", seeker_id=seeker.id)
    results = {k: js.latest_result(db, seeker.id, k) for k in ("diagnosis", "aptitude", "stress")}
    hire = js.current_hire(db, seeker.id)
    return _page(
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
        },
    )


@router.get("/consultant/slots", name="consultant_slots_page")
@_html_errors
def consultant_slots_page(request: Request, db: DbSession) -> Response:
    return _page(
        request, "journey_consultant_slots.html", {"slots": js.consultant_slots(db, require_user(request))}
    )


@router.get("/admin/journeys", name="admin_journeys_page")
@_html_errors
def admin_journeys_page(request: Request, db: DbSession) -> Response:
    summary = js.admin_summary(db)
    audit_request(db, request, "journey_summary_viewed")
    en = _locale(request) == "en"
    names = {s.step_id: f"{s.number}. {s.name_en if en else s.name_ko}" for s in STEPS}
    t = _t(request)
    chart = funnel_chart(
        [(names[s["id"]], s["started"], s["finished"]) for s in summary["steps"]],
        summary["seekers"],
        (t("careers.admin_started"), t("careers.admin_finished")),
        t("careers.admin_chart_label"),
    )
    seekers = db.scalars(select(User).where(User.role == Role.SEEKER).order_by(User.id)).all()
    consultants = db.scalars(select(User).where(User.role == Role.CONSULTANT).order_by(User.id)).all()
    assignments = {a.seeker_id: a for a in db.scalars(select(ConsultantAssignment)).all()}
    return _page(
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
@_html_errors
def journey_home_page() -> Response:
    return RedirectResponse("/dashboard#journey", status_code=303)
