"""The admin's view of the audit log: filters (actor, event, date range), paging, and the
Korean/English label of each event code (`audit.event_<code>` in `server/core/i18n/audit.*.json`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from server.core.i18n import catalog
from server.models import AuditEvent

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 100
CENTRE_ZONE = ZoneInfo("Asia/Seoul")  # date filters are calendar days where the centres are


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""  # part of the actor's email, any case
    event: str = ""  # an exact event code
    date_from: dt.date | None = None  # inclusive, Asia/Seoul
    date_to: dt.date | None = None  # inclusive, Asia/Seoul

    def apply(self, query: Select[Any]) -> Select[Any]:
        if self.actor.strip():
            query = query.where(func.lower(AuditEvent.actor_email).contains(self.actor.strip().lower(), autoescape=True))
        if self.event.strip():
            query = query.where(AuditEvent.event == self.event.strip())
        if self.date_from is not None:
            start = dt.datetime.combine(self.date_from, dt.time(), CENTRE_ZONE).astimezone(dt.UTC)
            query = query.where(AuditEvent.at >= start)
        if self.date_to is not None:
            end = dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time(), CENTRE_ZONE).astimezone(dt.UTC)
            query = query.where(AuditEvent.at < end)
        return query


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    total: int
    offset: int
    limit: int

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.events) < self.total

    @property
    def has_previous(self) -> bool:
        return self.offset > 0


def audit_page(db: Session, filters: AuditFilters, *, offset: int = 0, limit: int = DEFAULT_PAGE_SIZE) -> AuditPage:
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    offset = max(0, offset)
    total = int(db.scalar(filters.apply(select(func.count()).select_from(AuditEvent))) or 0)
    rows = db.scalars(filters.apply(select(AuditEvent)).order_by(AuditEvent.id.desc()).offset(offset).limit(limit))
    return AuditPage(list(rows), total, offset, limit)


def event_codes() -> list[str]:
    """Every event code with a label in the catalog (the filter's choices)."""
    prefix = "audit.event_"
    return sorted(key[len(prefix):] for key in catalog("ko") if key.startswith(prefix))


def event_label(locale: str, code: str) -> str:
    """The event's label in the viewer's language; an unknown code is shown as it is."""
    return catalog(locale).get(f"audit.event_{code}", code)
