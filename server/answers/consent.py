"""Consent to recording, by purpose and version: one rule for every kind of recorded answer."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.core.errors import Conflict
from server.models import Consent, User


@dataclass(frozen=True)
class ConsentTerms:
    """A documented purpose (e.g. `practice_recording`) and the version of its text."""

    purpose: str
    version: str


def has_consent(db: Session, user: User, terms: ConsentTerms) -> bool:
    """Whether the person agreed to the current version of these terms and has not withdrawn."""
    count = db.scalar(
        select(func.count())
        .select_from(Consent)
        .where(
            Consent.user_id == user.id,
            Consent.purpose == terms.purpose,
            Consent.version == terms.version,
            Consent.withdrawn_at.is_(None),
        )
    )
    return bool(count)


def grant_consent(db: Session, user: User, terms: ConsentTerms, version: str, locale: str) -> Consent:
    """Record agreement to the version the person was shown; an outdated one is refused."""
    if version != terms.version:
        raise Conflict("consent_outdated")
    consent = Consent(user_id=user.id, purpose=terms.purpose, version=version, locale=locale)
    db.add(consent)
    db.flush()
    return consent
