"""Pages of outreach programmes: the staff list with the new-programme form, one programme
(suggested seekers, search and enrol, attached events and postings, send), and the seeker's
"내 프로그램" with what they chose to tell for suggestions. Forms post JSON to
server/outreach/api.py through web/static/js/careers_forms.js."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from server.accounts.access import CurrentUser
from server.careers.views import html_errors, page
from server.core.deps import DbSession
from server.core.errors import AppError
from server.core.limits import Id
from server.domain.outreach import TARGET_GROUPS
from server.outreach import service as os_

router = APIRouter()


@router.get("/outreach", name="outreach_list_page")
@html_errors
def outreach_list_page(request: Request, user: CurrentUser, db: DbSession) -> Response:
    return page(request, "outreach_list.html", {
        "programmes": os_.visible_programmes(db, user), "groups": TARGET_GROUPS, "today": os_.today_kst(),
    })


@router.get("/outreach/mine", name="outreach_mine_page")
@html_errors
def outreach_mine_page(request: Request, user: CurrentUser, db: DbSession) -> Response:
    return page(request, "outreach_mine.html", {
        "mine": os_.my_programmes(db, user), "facts": os_.facts_of(db, user.id),
    })


@router.get("/outreach/{programme_id}", name="outreach_programme_page")
@html_errors
def outreach_programme_page(
    programme_id: Id, request: Request, user: CurrentUser, db: DbSession, q: Annotated[str, Query(max_length=100)] = ""
) -> Response:
    programme = os_.programme_for(db, user, programme_id)
    found, search_error = None, None
    if q.strip():
        try:
            found = os_.search_seekers(db, programme, q)
        except AppError as exc:
            search_error = exc.message_key
    return page(request, "outreach_programme.html", {
        "programme": programme, "groups": TARGET_GROUPS,
        "items": os_.item_views(db, programme.id),
        "enrolled": os_.enrolled(db, programme),
        "suggested": os_.suggestions(db, user, programme, path=request.url.path),
        "q": q, "found": found, "search_error": search_error,
        "options": os_.item_options(db),
    })
