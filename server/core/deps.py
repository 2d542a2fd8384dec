"""Request-scoped dependencies, as `Annotated` aliases for route signatures."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from server.core.config import Settings
from server.core.storage import Storage


def get_db(connection: HTTPConnection) -> Iterator[Session]:
    session: Session = connection.app.state.sessionmaker()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_settings(connection: HTTPConnection) -> Settings:
    settings: Settings = connection.app.state.settings
    return settings


# scope="function": the commit happens before the response is sent, so a page that saves and
# then navigates always reads what it saved.
DbSession = Annotated[Session, Depends(get_db, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_storage(connection: HTTPConnection) -> Storage:
    storage: Storage = connection.app.state.storage
    return storage


StorageDep = Annotated[Storage, Depends(get_storage)]  # recordings and intro videos


def commit_before_response(db: DbSession) -> Iterator[None]:
    """Commit when the route returns, before the response is sent.

    `get_db` commits after the response has gone out (a request-scoped dependency), so a
    browser that saves and then navigates at once could read the old data.
    """
    yield
    db.commit()


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


async def verify_csrf(connection: HTTPConnection) -> None:
    """App-wide dependency: state-changing requests must echo the CSRF cookie.

    JS sends it in the `X-CSRF-Token` header; HTML forms send it as a `csrf_token` field.
    """
    from server.core.cookies import CSRF_COOKIE, CSRF_FORM_FIELD, CSRF_HEADER, csrf_tokens_match
    from server.core.errors import Forbidden

    if not isinstance(connection, Request):
        return  # a WebSocket: its Origin is checked in enforce_route_access
    request = connection  # the route's own Request, so a form read here stays cached for it
    if request.method in _SAFE_METHODS:
        return
    cookie_value = request.cookies.get(CSRF_COOKIE)
    submitted = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if submitted is None and content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FORM_FIELD)
        submitted = value if isinstance(value, str) else None
    if not csrf_tokens_match(cookie_value, submitted):
        raise Forbidden("csrf_failed")
