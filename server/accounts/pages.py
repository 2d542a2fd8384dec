"""Server-rendered pages: login, sign-up, the role-aware dashboard, device check, admin."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from server.accounts.access import CurrentUser, current_user
from server.accounts.audit_view import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    AuditFilters,
    audit_page,
    event_codes,
    event_label,
)
from server.accounts.service import (
    ConsultantCreate,
    LoginIn,
    authenticate,
    create_consultant,
)
from server.accounts.web_session import (
    client_info,
    end_login_session,
    sign_up_and_log_in,
    start_login_session,
)
from server.careers.service import employer_company
from server.companies.service import company_contact, draft_postings
from server.core.deps import DbSession, SettingsDep
from server.core.errors import AppError
from server.core.i18n import SUPPORTED_LOCALES, translate
from server.core.middleware import LOCALE_COOKIE
from server.core.templating import js_messages, render
from server.interviews.service import rubric_public
from server.models import Role, User

router = APIRouter()


def _safe_next(target: str | None) -> str:
    # Only same-site relative paths, so a crafted link cannot bounce users elsewhere.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/dashboard"


def _form_error(request: Request, exc: AppError) -> str:
    return translate(request.state.locale, exc.message_key, **exc.params)


@router.get("/", name="root")
def root(request: Request) -> Response:
    """The front door: what Untact is for each role, with sign-up and login; people who are
    logged in go straight to their dashboard."""
    if current_user(request):
        return RedirectResponse("/dashboard", status_code=303)
    return render(request, "landing.html")


@router.get("/locale/{code}", name="set_locale")
def set_locale(code: str, request: Request, next: str | None = None) -> RedirectResponse:
    response = RedirectResponse(_safe_next(next), status_code=303)
    if code in SUPPORTED_LOCALES:
        response.set_cookie(LOCALE_COOKIE, code, max_age=365 * 24 * 3600, samesite="lax", path="/")
    return response


@router.get("/login", name="login_page")
def login_page(request: Request, next: str | None = None) -> Response:
    if current_user(request):
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "login.html", {"next": _safe_next(next)})


@router.post("/login", name="login_submit")
def login_submit(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form()] = "/dashboard",
) -> Response:
    try:
        user = authenticate(
            db,
            LoginIn(email=email, password=password),
            client_info(request),
            request.app.state.auth_throttle,
        )
    except AppError as exc:
        context = {"next": _safe_next(next), "error": _form_error(request, exc), "email": email}
        return render(request, "login.html", context, status_code=exc.status_code)
    response = RedirectResponse(_safe_next(next), status_code=303)
    start_login_session(db, response, user, settings)
    return response


@router.get("/signup", name="signup_page")
def signup_page(request: Request, role: str = "seeker") -> Response:
    return render(
        request, "signup.html", {"form": {"role": role if role in ("seeker", "employer") else "seeker"}}
    )


@router.post("/signup", name="signup_submit")
def signup_submit(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=256)],
    display_name: Annotated[str, Form(max_length=100)],
    role: Annotated[str, Form()] = "seeker",
    company_name: Annotated[str | None, Form(max_length=200)] = None,
) -> Response:
    form: dict[str, Any] = {
        "email": email,
        "display_name": display_name,
        "role": role,
        "company_name": company_name or "",
    }
    fields = {"email": email, "password": password, "display_name": display_name, "role": role,
              "company_name": company_name or None}
    return sign_up_and_log_in(
        request, db, settings, fields, success_url="/dashboard",
        refused=lambda error, status: render(request, "signup.html", {"form": form, "error": error},
                                             status_code=status),
    )


@router.post("/logout", name="logout_submit")
def logout_submit(request: Request, db: DbSession) -> Response:
    response = RedirectResponse("/login", status_code=303)
    end_login_session(db, request, response, current_user(request))
    return response


@router.get("/dashboard", name="dashboard")
def dashboard(request: Request, user: CurrentUser, db: DbSession) -> Response:
    context: dict[str, Any] = {"role": user.role.value}
    if user.role is Role.EMPLOYER and user.company_id is not None:
        context["contact"] = company_contact(db, user.company_id)
        context["drafts"] = len(draft_postings(db, user))
    return render(request, "dashboard.html", context)


@router.get("/devices", name="device_check")
def device_check(request: Request) -> Response:
    return render(request, "devices.html", {"messages_json": js_messages(request.state.locale, "devices.")})


@router.get("/admin/consultants", name="admin_consultants_page")
def admin_consultants_page(request: Request, db: DbSession) -> Response:
    consultants = db.scalars(select(User).where(User.role == Role.CONSULTANT).order_by(User.id)).all()
    return render(request, "admin_consultants.html", {"consultants": consultants, "form": {}})


@router.post("/admin/consultants", name="admin_create_consultant")
def admin_create_consultant(
    request: Request, user: CurrentUser,
    db: DbSession,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=256)],
    display_name: Annotated[str, Form(max_length=100)],
) -> Response:
    form = {"email": email, "display_name": display_name}
    try:
        data = ConsultantCreate(email=email, password=password, display_name=display_name)
        create_consultant(db, data, user, client_info(request))
    except (AppError, ValidationError) as exc:
        message = (
            _form_error(request, exc)
            if isinstance(exc, AppError)
            else translate(request.state.locale, "error.invalid_signup")
        )
        consultants = db.scalars(select(User).where(User.role == Role.CONSULTANT)).all()
        status = exc.status_code if isinstance(exc, AppError) else 422
        return render(
            request,
            "admin_consultants.html",
            {"consultants": consultants, "form": form, "error": message},
            status_code=status,
        )
    return RedirectResponse("/admin/consultants?created=1", status_code=303)


@router.get("/admin/audit", name="admin_audit_page")
def admin_audit_page(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    event: str = "",
    actor: str = "",
    date_from: str = "",
    date_to: str = "",
    offset: int = Query(default=0, ge=0, le=10_000_000),
    limit: int = Query(default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
) -> Response:
    filters = AuditFilters(
        actor=actor[:320], event=event[:64], date_from=_parse_date(date_from), date_to=_parse_date(date_to)
    )
    page = audit_page(db, filters, offset=offset, limit=limit)
    locale = request.state.locale
    query = {"event": filters.event, "actor": filters.actor, "date_from": date_from[:10], "date_to": date_to[:10]}

    def page_url(new_offset: int) -> str:
        params = {k: v for k, v in query.items() if v} | {"offset": str(new_offset), "limit": str(page.limit)}
        return "/admin/audit?" + urlencode(params)

    return render(
        request,
        "admin_audit.html",
        {
            "events": [(e, event_label(locale, e.event)) for e in page.events],
            "page": page,
            "query": query,
            "event_choices": [(code, event_label(locale, code)) for code in event_codes()],
            "previous_url": page_url(max(0, page.offset - page.limit)) if page.has_previous else None,
            "next_url": page_url(page.offset + page.limit) if page.has_next else None,
            "retention_days": settings.audit_retention_days,
        },
    )


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None  # a mistyped date filters nothing rather than failing the page


@router.get("/employer/company", name="employer_company_page")
def employer_company_page(request: Request, user: CurrentUser, db: DbSession) -> Response:
    company = employer_company(db, user)
    locale = request.state.locale
    return render(
        request,
        "employer_company.html",
        {
            "company": company,
            "rubric": rubric_public(db, company.id, locale),
            "messages_json": js_messages(locale, "interviews.rubric", "interviews.criterion_"),
        },
    )
