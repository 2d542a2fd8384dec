"""Passwords (argon2) and login sessions (cookie names: server/core/cookies.py; throttling:
server/accounts/throttle.py)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.core.db import utcnow
from server.models import User, UserSession

_hasher = PasswordHasher()
# Verifying against a throwaway hash when the email is unknown keeps timing similar.
_DUMMY_HASH = _hasher.hash("untact-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def session_token_hash(token: str) -> str:
    """How a login session is keyed everywhere (the table, the open-socket registry)."""
    return _token_hash(token)


def open_session(db: Session, user: User, max_age_s: int) -> str:
    token = secrets.token_urlsafe(32)
    db.add(
        UserSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            expires_at=utcnow() + timedelta(seconds=max_age_s),
        )
    )
    return token


def user_for_session(db: Session, token: str | None) -> User | None:
    if not token:
        return None
    row = db.scalar(select(UserSession).where(UserSession.token_hash == _token_hash(token)))
    if row is None or not _session_open(row.revoked, row.expires_at, True):
        return None
    user = db.get(User, row.user_id)
    return user if user is not None and user.is_active else None


def _session_open(revoked: bool, expires_at: datetime, user_active: bool | None) -> bool:
    """The one rule for a login session letting its user in."""
    return not revoked and expires_at > utcnow() and bool(user_active)


def ended_session_hashes(db: Session, session_hashes: list[str]) -> set[str]:
    """Which of these login sessions no longer let anyone in (the rule of `user_for_session`):
    gone, revoked (logged out, possibly in another process), expired, or their user deactivated."""
    if not session_hashes:
        return set()
    rows = db.execute(
        select(UserSession.token_hash, UserSession.revoked, UserSession.expires_at, User.is_active)
        .join(User, User.id == UserSession.user_id, isouter=True)
        .where(UserSession.token_hash.in_(session_hashes))
    ).all()
    valid = {h for h, revoked, expires_at, active in rows if _session_open(revoked, expires_at, active)}
    return set(session_hashes) - valid


def revoke_session(db: Session, token: str | None) -> None:
    if not token:
        return
    row = db.scalar(select(UserSession).where(UserSession.token_hash == _token_hash(token)))
    if row is not None:
        row.revoked = True
