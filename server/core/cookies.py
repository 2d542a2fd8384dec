"""The login and CSRF cookies: their names, and the double-submit CSRF check."""

from __future__ import annotations

import hmac
import secrets

SESSION_COOKIE = "untact_session"
CSRF_COOKIE = "untact_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FORM_FIELD = "csrf_token"


def new_csrf_token() -> str:
    return secrets.token_urlsafe(24)


def csrf_tokens_match(cookie_value: str | None, submitted: str | None) -> bool:
    return bool(cookie_value and submitted and hmac.compare_digest(cookie_value, submitted))
