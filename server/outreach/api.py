"""JSON API of outreach programmes. Roles are in server/accounts/access.py; which programme or
enrolment a user may touch is checked in server/outreach/service.py."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from server.accounts.access import CurrentUser
from server.core.deps import DbSession, commit_before_response
from server.core.limits import Id
from server.outreach import service as os_

router = APIRouter(tags=["outreach"], dependencies=[Depends(commit_before_response, scope="function")])


@router.get("/api/outreach/programmes", name="outreach_api_list")
def outreach_api_list(user: CurrentUser, db: DbSession) -> dict[str, Any]:
    return {"programmes": [os_.programme_public(p) for p in os_.visible_programmes(db, user)]}


@router.post("/api/outreach/programmes", name="outreach_api_create", status_code=201)
def outreach_api_create(user: CurrentUser, db: DbSession, data: os_.ProgrammeIn) -> dict[str, Any]:
    return os_.programme_public(os_.create_programme(db, user, data))


@router.get("/api/outreach/programmes/{programme_id}", name="outreach_api_get")
def outreach_api_get(programme_id: Id, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    programme = os_.programme_for(db, user, programme_id)
    return {
        **os_.programme_public(programme),
        "items": [os_.item_public(v) for v in os_.item_views(db, programme.id)],
        "enrolled": [
            {"id": v.seeker.id, "name": v.seeker.display_name, "status": v.enrolment.status,
             "items_sent": v.items_sent}
            for v in os_.enrolled(db, programme)
        ],
    }


@router.put("/api/outreach/programmes/{programme_id}", name="outreach_api_update")
def outreach_api_update(programme_id: Id, user: CurrentUser, db: DbSession, data: os_.ProgrammeIn) -> dict[str, Any]:
    return os_.programme_public(os_.update_programme(db, user, programme_id, data))


@router.get("/api/outreach/programmes/{programme_id}/suggestions", name="outreach_api_suggestions")
def outreach_api_suggestions(programme_id: Id, request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    programme = os_.programme_for(db, user, programme_id)
    found = os_.suggestions(db, user, programme, path=request.url.path)
    return {"suggestions": [os_.candidate_public(c) for c in found]}


@router.get("/api/outreach/programmes/{programme_id}/seekers", name="outreach_api_search")
def outreach_api_search(
    programme_id: Id, user: CurrentUser, db: DbSession, q: Annotated[str, Query(max_length=100)] = ""
) -> dict[str, Any]:
    programme = os_.programme_for(db, user, programme_id)
    return {"seekers": [os_.candidate_public(c) for c in os_.search_seekers(db, programme, q)]}


@router.post("/api/outreach/programmes/{programme_id}/enrolments", name="outreach_api_enrol", status_code=201)
def outreach_api_enrol(programme_id: Id, user: CurrentUser, db: DbSession, data: os_.EnrolIn) -> dict[str, Any]:
    enrolment = os_.enrol(db, user, programme_id, data.seeker_id, via=data.via)
    return {"programme_id": enrolment.programme_id, "seeker_id": enrolment.seeker_id, "status": enrolment.status}


@router.delete(
    "/api/outreach/programmes/{programme_id}/enrolments/{seeker_id}", name="outreach_api_unenrol", status_code=204
)
def outreach_api_unenrol(programme_id: Id, seeker_id: Id, user: CurrentUser, db: DbSession) -> None:
    os_.remove_enrolment(db, user, programme_id, seeker_id)


@router.post("/api/outreach/programmes/{programme_id}/items", name="outreach_api_item_add", status_code=201)
def outreach_api_item_add(programme_id: Id, user: CurrentUser, db: DbSession, data: os_.ItemIn) -> dict[str, Any]:
    item = os_.add_item(db, user, programme_id, data)
    return {"id": item.id, "event_id": item.event_id, "posting_id": item.posting_id}


@router.delete(
    "/api/outreach/programmes/{programme_id}/items/{item_id}", name="outreach_api_item_remove", status_code=204
)
def outreach_api_item_remove(programme_id: Id, item_id: Id, user: CurrentUser, db: DbSession) -> None:
    os_.remove_item(db, user, programme_id, item_id)


@router.post("/api/outreach/programmes/{programme_id}/send", name="outreach_api_send")
def outreach_api_send(programme_id: Id, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    result = os_.send_programme(db, user, programme_id)
    return {"seekers": result.seekers, "items": result.items, "already": result.already}


@router.get("/api/outreach/mine", name="outreach_api_mine")
def outreach_api_mine(user: CurrentUser, db: DbSession) -> dict[str, Any]:
    return {"programmes": [os_.my_programme_public(m) for m in os_.my_programmes(db, user)]}


@router.post("/api/outreach/programmes/{programme_id}/leave", name="outreach_api_leave")
def outreach_api_leave(programme_id: Id, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    os_.leave(db, user, programme_id)
    return {"programme_id": programme_id, "status": "left"}


@router.get("/api/outreach/facts", name="outreach_api_facts_get")
def outreach_api_facts_get(user: CurrentUser, db: DbSession) -> dict[str, Any]:
    return os_.facts_public(os_.facts_of(db, user.id))


@router.put("/api/outreach/facts", name="outreach_api_facts_put")
def outreach_api_facts_put(user: CurrentUser, db: DbSession, data: os_.FactsIn) -> dict[str, Any]:
    return os_.facts_public(os_.save_facts(db, user, data))
