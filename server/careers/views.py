"""Page helpers shared by the careers and journey pages: display names, form choices, rendering
with them, and a page's own error rendering."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from server.careers import service as ms
from server.core.errors import AppError
from server.core.i18n import translate
from server.core.templating import js_messages, render
from server.domain.errors import DomainError
from server.domain.matching import EDUCATION_LEVELS, EMPLOYMENT_TYPES, SEEKER_EDUCATION_LEVELS
from server.domain.questions import JOB_FIELDS, field_display_name
from server.domain.regions import REGIONS, normalize_region, region_display_name
from server.domain.skills import skill_display_name

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


def index_cache(request: Request) -> ms.PostingIndexCache:
    cache: ms.PostingIndexCache | None = getattr(request.app.state, "posting_index_cache", None)
    if cache is None:
        cache = ms.PostingIndexCache()
        request.app.state.posting_index_cache = cache
    return cache


def locale_of(request: Request) -> str:
    return str(getattr(request.state, "locale", "ko"))


def translator(request: Request) -> Any:
    locale = locale_of(request)
    return lambda key, **params: translate(locale, key, **params)


def form_choices(request: Request) -> dict[str, Any]:
    """Option lists shared by the job and profile forms."""
    locale = locale_of(request)
    t = translator(request)
    return {
        "fields": [(f, field_display_name(f, locale)) for f in JOB_FIELDS],  # type: ignore[arg-type]
        "regions": [(r.region_id, r.name_en if locale == "en" else r.name_ko) for r in REGIONS],
        "educations": [(e, t(f"careers.education_{e}")) for e in EDUCATION_LEVELS],
        "seeker_educations": [(e, t(f"careers.education_{e}")) for e in SEEKER_EDUCATION_LEVELS],
        "employment_types": [(e, t(f"careers.employment_{e}")) for e in EMPLOYMENT_TYPES],
        "career_levels": [(c, t(f"careers.career_{c}")) for c in ("any", "entry", "experienced")],
        "sizes": [(s, t(f"careers.size_{s}")) for s in ms.COMPANY_SIZES],
    }


def display_helpers(request: Request) -> dict[str, Any]:
    locale = locale_of(request)

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


def html_errors(route: Callable[..., Response]) -> Callable[..., Response]:
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
            message = translate(locale_of(request), exc.message_key, **exc.params)
            return render(request, "error.html", {"code": exc.code, "message": message}, exc.status_code)
        except DomainError as exc:
            request = kwargs["request"]
            message = translate(locale_of(request), exc.message_key, **exc.params)
            return render(request, "error.html", {"code": exc.code, "message": message}, 422)

    return wrapper


def page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    return render(request, name, {**display_helpers(request), **context}, status_code=status_code)
