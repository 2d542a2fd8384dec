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

from server.config import PROJECT_ROOT
from server.i18n import SUPPORTED_LOCALES, catalog, translate
from server.safe_urls import safe_url


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
    }


templates = Jinja2Templates(directory=PROJECT_ROOT / "web" / "templates", context_processors=[_page_context])


@pass_context
def local_time(context: Any, value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC timestamp in the viewer's time zone (Asia/Seoul unless their account says otherwise)."""
    if value is None:
        return ""
    user = context.get("user")
    zone = ZoneInfo(getattr(user, "time_zone", None) or "Asia/Seoul")
    return value.astimezone(zone).strftime(fmt)


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
