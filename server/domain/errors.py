"""Typed errors raised by the pure domain layer.

The web layer maps `DomainError` to its own HTTP error type; the domain keeps no
dependency on fastapi (see CONVENTIONS.md, "Boundaries you can see").
"""

from __future__ import annotations

__all__ = ["DomainError"]


class DomainError(ValueError):
    """Invalid input to a domain function, with a stable code and a message in both languages."""

    retryable = False

    def __init__(self, code: str, message_ko: str, message_en: str) -> None:
        self.code = code
        self.message_ko = message_ko
        self.message_en = message_en
        super().__init__(f"{code}: {message_en}")
