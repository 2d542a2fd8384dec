"""The one rule for URLs people type in: absolute http(s) only.

Every URL field of the API uses `WebUrl` (or `OptionalWebUrl`), and every template that turns a
stored value into a link goes through the `safe_url` filter, so a value stored before the rule
existed (`javascript:…`, `data:…`) is still never rendered as a link.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

ALLOWED_SCHEMES = frozenset({"http", "https"})
MAX_URL_LENGTH = 300


def is_web_url(value: str) -> bool:
    """True for an absolute http(s) URL with a host and nothing a browser would reinterpret."""
    if not value or any(ord(ch) < 0x21 or ch in "\\<>\"'`" for ch in value):
        return False  # whitespace/control characters let `java\tscript:` through some parsers
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in ALLOWED_SCHEMES and bool(parts.hostname)


def _check_web_url(value: str) -> str:
    value = value.strip()
    if value == "":
        return value
    if not is_web_url(value):
        raise PydanticCustomError("url_scheme", "must be an http:// or https:// address")
    return value


def safe_url(value: object) -> str:
    """A stored URL as an href, or "" when it is not a web URL (the template then shows text)."""
    text = str(value or "").strip()
    return text if is_web_url(text) else ""


# "" means "no URL"; anything else must be absolute http(s).
WebUrl = Annotated[str, Field(max_length=MAX_URL_LENGTH), AfterValidator(_check_web_url)]
