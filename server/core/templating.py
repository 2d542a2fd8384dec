"""Jinja2 templates with the message catalog, locale, CSRF token and user in every page."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from starlette.responses import Response

from server.core.config import PROJECT_ROOT
from server.core.i18n import SUPPORTED_LOCALES, catalog, translate
from server.core.safe_urls import safe_url


def _page_context(request: Request) -> dict[str, Any]:
    locale = getattr(request.state, "locale", "ko")

    def t(key: str, **params: Any) -> str:
        return translate(locale, key, **params)

    return {
        "t": t,
        "locale": locale,
        "locales": SUPPORTED_LOCALES,
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "csp_nonce": getattr(request.state, "csp_nonce", ""),
        "user": getattr(request.state, "viewer", None),
        "test_hooks": getattr(getattr(request.app.state, "settings", None), "test_hooks", False),
    }


templates = Jinja2Templates(directory=PROJECT_ROOT / "web" / "templates", context_processors=[_page_context])


KO_WEEKDAYS = "월화수목금토일"
EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def viewer_zone(user: Any) -> ZoneInfo:
    """The viewer's time zone: Asia/Seoul unless their account says otherwise."""
    return ZoneInfo(getattr(user, "time_zone", None) or "Asia/Seoul")


def format_when(value: datetime, locale: str, *, now: datetime | None = None) -> str:
    """A moment as people read it: "3월 5일 (수) 오후 2:00" / "Wed 5 Mar, 2:00 PM".

    The year is shown only when it is not the current one, so schedules stay short.
    """
    current = (now or datetime.now(value.tzinfo)).astimezone(value.tzinfo)
    hour12 = value.hour % 12 or 12
    if locale == "ko":
        year = f"{value.year}년 " if value.year != current.year else ""
        half = "오전" if value.hour < 12 else "오후"
        weekday = KO_WEEKDAYS[value.weekday()]
        return f"{year}{value.month}월 {value.day}일 ({weekday}) {half} {hour12}:{value.minute:02d}"
    year = f" {value.year}" if value.year != current.year else ""
    half = "AM" if value.hour < 12 else "PM"
    weekday = EN_WEEKDAYS[value.weekday()]
    return f"{weekday} {value.day} {EN_MONTHS[value.month - 1]}{year}, {hour12}:{value.minute:02d} {half}"


@pass_context
def local_time(context: Any, value: datetime | None, fmt: str | None = None) -> str:
    """A UTC timestamp in the viewer's time zone; without a format, as people read it in their language."""
    if value is None:
        return ""
    local = value.astimezone(viewer_zone(context.get("user")))
    if fmt is None:
        return format_when(local, context.get("locale", "ko"))
    return local.strftime(fmt)


templates.env.filters["local_time"] = local_time
templates.env.filters["safe_url"] = safe_url


def js_messages(locale: str, *prefixes: str) -> str:
    """The catalog entries under the prefixes, as JSON for a page's scripts."""
    entries = {k: v for k, v in catalog(locale).items() if k.startswith(prefixes)}
    return json.dumps(entries, ensure_ascii=False).replace("</", "<\\/")


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    return templates.TemplateResponse(request, name, context or {}, status_code=status_code)


def wants_html(request: Request) -> bool:
    """A browser navigating to a page (not the API, not a script's fetch)."""
    return (
        request.method == "GET"
        and not request.url.path.startswith("/api/")
        and "text/html" in request.headers.get("accept", "")
    )
