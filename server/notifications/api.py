"""Notifications JSON API: the in-app list, marking read, and channel preferences."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from server.accounts.access import CurrentUser
from server.core.deps import DbSession
from server.core.limits import Id
from server.notifications import service

router = APIRouter(tags=["notifications"])


class ReadIn(BaseModel):
    id: Id | None = None


@router.get("/api/notifications", name="notifications_list")
def notifications_list(request: Request, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    locale = request.state.locale
    zone = service.user_zone(user)
    return {
        "unread": service.unread_count(db, user),
        "items": [
            {
                "id": n.id,
                "kind": n.kind,
                "text": service.notification_text(n, locale, zone),
                "link": n.link,
                "created_at": n.created_at.isoformat(),
                "read": n.read_at is not None,
            }
            for n in service.notifications_for(db, user)
        ],
    }


@router.post("/api/notifications/read", name="notifications_read")
def notifications_read(data: ReadIn, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    marked = service.mark_read(db, user, data.id)
    result = {"marked": marked, "unread": service.unread_count(db, user)}
    db.commit()  # committed before the response: the page reloads right after
    return result


@router.get("/api/notifications/preferences", name="notifications_preferences_get")
def notifications_preferences_get(user: CurrentUser, db: DbSession) -> dict[str, Any]:
    return service.preferences_public(service.preferences_of(db, user.id))


@router.put("/api/notifications/preferences", name="notifications_preferences_put")
def notifications_preferences_put(data: service.PreferencesIn, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    prefs = service.save_preferences(db, user, data)
    result = service.preferences_public(prefs)
    db.commit()
    return result
