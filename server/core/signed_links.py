"""Signed, dated links that act without a login (unsubscribe, a company's claim).

One `SignedLink` per purpose, each with its own salt, so a token made for one purpose never
reads as another's. `read` turns every way a token can be wrong into the purpose's typed error:
expired (410) or invalid (tampered, another deployment's key, not the expected shape).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from server.core.errors import AppError


@dataclass(frozen=True)
class SignedLink:
    salt: str
    expired_code: str
    invalid_error: type[AppError]
    invalid_code: str

    def _serializer(self, secret_key: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(secret_key, salt=self.salt)

    def make(self, secret_key: str, payload: dict[str, Any]) -> str:
        return str(self._serializer(secret_key).dumps(payload))

    def expired(self) -> AppError:
        return AppError(self.expired_code, status_code=410)

    def invalid(self) -> AppError:
        return self.invalid_error(self.invalid_code)

    def read(self, secret_key: str, token: str, *, max_age_days: int) -> dict[str, Any]:
        """The payload, or the typed refusal (expired, or invalid for any other reason)."""
        try:
            data = self._serializer(secret_key).loads(token, max_age=max_age_days * 86400)
        except SignatureExpired:
            raise self.expired() from None
        except BadSignature:
            raise self.invalid() from None
        if not isinstance(data, dict):
            raise self.invalid()
        return data

    def read_id(self, secret_key: str, token: str, key: str, *, max_age_days: int) -> tuple[int, dict[str, Any]]:
        """The integer id under `key` in the payload (and the payload), or the typed refusal."""
        data = self.read(secret_key, token, max_age_days=max_age_days)
        value = data.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.invalid()
        return value, data
