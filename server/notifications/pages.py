"""Notifications pages: the list (with a seeker's review requests), channel preferences, and
the unsubscribe page that an email's link opens without a login."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from server.accounts.access import CurrentUser, current_user
from server.core.audit import record_audit
from server.core.deps import DbSession, SettingsDep
from server.core.errors import AppError
from server.core.i18n import translate
from server.core.templating import render, templates
from server.models import ReviewRequest, Role
from server.notifications import service
from server.practice.service import display_title
from server.review.service import rubric_average

log = logging.getLogger("untact.notifications")

router = APIRouter()


def notifications_unread_count(request: Request) -> int:
    """Unread notifications for the nav badge (0 when there is no login or no database)."""
    user = current_user(request)
    factory = getattr(request.app.state, "sessionmaker", None)
    if user is None or factory is None:
        return 0
    try:
        with factory() as db:
            return service.unread_count(db, user)
    except Exception:
        log.warning("could not count notifications", exc_info=True)
        return 0


templates.env.globals["notifications_unread_count"] = notifications_unread_count


@router.get("/notifications", name="notifications_page")
def notifications_page(request: Request, user: CurrentUser, db: DbSession) -> Response:
    locale = request.state.locale
    zone = service.user_zone(user)
    rows = [(n, service.notification_text(n, locale, zone)) for n in service.notifications_for(db, user)]
    my_requests: list[ReviewRequest] = []
    if user.role is Role.SEEKER:
        my_requests = list(
            db.scalars(
                select(ReviewRequest).where(ReviewRequest.seeker_id == user.id).order_by(ReviewRequest.id.desc())
            ).all()
        )
    return render(
        request,
        "notifications.html",
        {
            "rows": rows,
            "my_requests": my_requests,
            "title_of": lambda r: display_title(r.session, locale),
            "rubric_average": rubric_average,
        },
    )


# ----------------------------------------------------------------- preferences


def _settings_page(
    request: Request, prefs: dict[str, Any], *, email_available: bool, error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "notifications_settings.html",
        {"prefs": prefs, "error": error, "email_available": email_available,
         "saved": request.query_params.get("saved") == "1"},
        status_code=status_code,
    )


@router.get("/notifications/settings", name="notifications_settings_page")
def notifications_settings_page(request: Request, user: CurrentUser, db: DbSession, settings: SettingsDep) -> Response:
    prefs = service.preferences_public(service.preferences_of(db, user.id))
    return _settings_page(request, prefs, email_available=settings.email_enabled)


@router.post("/notifications/settings", name="notifications_settings_submit")
def notifications_settings_submit(
    request: Request, user: CurrentUser,
    db: DbSession,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=8)] = "",
    text: Annotated[str, Form(max_length=8)] = "",
    phone: Annotated[str, Form(max_length=40)] = "",
    quiet: Annotated[str, Form(max_length=8)] = "",
    quiet_start: Annotated[str, Form(max_length=8)] = "",
    quiet_end: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    submitted: dict[str, Any] = {
        "in_app": True, "email": email == "on", "text": text == "on", "phone": phone.strip(),
        "quiet_hours": {"start": quiet_start.strip(), "end": quiet_end.strip()} if quiet == "on" else None,
    }
    try:
        data = service.PreferencesIn(
            email=submitted["email"], text=submitted["text"], phone=submitted["phone"],
            quiet_hours=submitted["quiet_hours"],
        )
        service.save_preferences(db, user, data)
    except (AppError, ValidationError) as exc:
        key = exc.message_key if isinstance(exc, AppError) else "error.invalid_clock"
        return _settings_page(
            request, submitted, email_available=settings.email_enabled,
            error=translate(request.state.locale, key), status_code=422,
        )
    db.commit()
    return RedirectResponse("/notifications/settings?saved=1", status_code=303)


# ----------------------------------------------------------------- unsubscribe


def _unsubscribe_page(request: Request, *, state: str, name: str = "", message: str = "",
                      status_code: int = 200) -> Response:
    return render(
        request, "notifications_unsubscribe.html",
        {"state": state, "name": name, "message": message}, status_code=status_code,
    )


def _token_user(request: Request, db: DbSession, settings: SettingsDep, token: str) -> Any:
    return service.user_for_unsubscribe(
        db, settings.secret_key, token, max_age_days=settings.unsubscribe_max_age_days
    )


@router.get("/unsubscribe/{token}", name="unsubscribe_page")
def unsubscribe_page(token: str, request: Request, db: DbSession, settings: SettingsDep) -> Response:
    """A confirmation, not the change itself: mail scanners that open links must not unsubscribe."""
    try:
        user = _token_user(request, db, settings, token)
    except AppError as exc:
        return _unsubscribe_page(request, state="invalid", status_code=exc.status_code,
                                 message=translate(request.state.locale, exc.message_key))
    done = not service.preferences_of(db, user.id).email_enabled
    return _unsubscribe_page(request, state="done" if done else "confirm", name=user.display_name)


@router.post("/unsubscribe/{token}", name="unsubscribe_submit")
def unsubscribe_submit(token: str, request: Request, db: DbSession, settings: SettingsDep) -> Response:
    try:
        user = _token_user(request, db, settings, token)
    except AppError as exc:
        return _unsubscribe_page(request, state="invalid", status_code=exc.status_code,
                                 message=translate(request.state.locale, exc.message_key))
    service.unsubscribe_email(db, user)
    record_audit(db, "notifications_unsubscribed", actor=user, path="/unsubscribe",
                 ip=request.client.host if request.client else None, channel="email")
    db.commit()
    return _unsubscribe_page(request, state="done", name=user.display_name)
