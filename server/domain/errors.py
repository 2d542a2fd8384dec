"""Typed errors raised by the pure domain layer.

The domain says what went wrong with a stable code and its params, never in prose: the web layer
renders `error.<code>` from the catalogs (server/core/i18n) in the reader's language and maps the
error to its HTTP status. The domain keeps no dependency on fastapi (see CONVENTIONS.md,
"Boundaries you can see").
"""

from __future__ import annotations

from typing import Any

__all__ = ["DomainError"]


class DomainError(ValueError):
    """Invalid input to a domain function: a stable code, the params its message needs, and
    whether asking again may succeed."""

    retryable = False

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        detail = ", ".join(f"{key}={value}" for key, value in params.items())
        super().__init__(f"{code}: {detail}" if detail else code)

    @property
    def message_key(self) -> str:
        return f"error.{self.code}"
