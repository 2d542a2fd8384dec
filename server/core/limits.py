"""Limits checked at the edge, before any handler or database sees the input.

- `Id`, `Offset`, `PageLimit`: integer ranges for path/query parameters and pydantic fields.
  Every id column is SQLAlchemy `Integer`: 64-bit on SQLite, but 32-bit (`integer`) on
  PostgreSQL, where SQLAlchemy casts bound ids to `INTEGER` and 2^31 is a `DataError`. So an id
  outside 1..2^31-1 can never name a row on both databases; refusing it here (422
  `invalid_input` over HTTP, `invalid_message` on the sockets) keeps a driver error
  (`OverflowError` on SQLite past 2^63, `NumericValueOutOfRange` on PostgreSQL past 2^31)
  from ever becoming a 500. Widening the columns to BIGINT would let `MAX_ID` grow to 2^63-1.
- `json_nesting_exceeds`: JSON nested deeper than `MAX_JSON_DEPTH` is refused before it is
  parsed (the C parser recurses and raises `RecursionError` a few thousand levels down).
- `body_limit`: the body cap of a request, from its method and path alone, so it is known
  before a byte of the body is read. Only the routes listed in `UPLOAD_ROUTES` take large bodies;
  every other route gets the JSON cap whatever the client claims the content type is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

import numpy as np
from annotated_types import Ge, Le

MAX_ID = 2**31 - 1  # the PostgreSQL `integer` of every id column (see above)
MAX_OFFSET = 1_000_000
MAX_PAGE_LIMIT = 1_000
MAX_JSON_DEPTH = 32

Id = Annotated[int, Ge(1), Le(MAX_ID)]
Offset = Annotated[int, Ge(0), Le(MAX_OFFSET)]
PageLimit = Annotated[int, Ge(1), Le(MAX_PAGE_LIMIT)]
# Counters and amounts from query strings (a "retake" switch, diff sides, a salary compared
# with an `Integer` column): the same range as ids, from 0.
NonNegative = Annotated[int, Ge(0), Le(MAX_ID)]

_STEP = np.zeros(256, dtype=np.int8)
_STEP[list(b"[{")] = 1
_STEP[list(b"]}")] = -1


def json_nesting_exceeds(raw: str | bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when the JSON text opens more than `limit` arrays/objects inside each other.

    Brackets inside strings do not count. Malformed text is not judged here: the parser
    refuses it afterwards with its own error. Every step runs in C (two byte replaces and
    numpy cumulative sums), so a 1 MB body costs milliseconds, whatever its shape."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if data.count(b"[") + data.count(b"{") <= limit:  # the common case, without a scan
        return False
    # Drop escaped backslashes, then escaped quotes (left to right, as JSON reads them): every
    # quote left opens or closes a string, so a byte is outside strings when an even number of
    # quotes precede it.
    unescaped = np.frombuffer(data.replace(b"\\\\", b"").replace(b'\\"', b""), dtype=np.uint8)
    outside = (np.cumsum(unescaped == ord('"'), dtype=np.int32) & 1) == 0  # bodies are < 2 GiB
    depth = np.cumsum(_STEP[unescaped] * outside, dtype=np.int32)
    return bool(depth.max(initial=0) > limit)


@dataclass(frozen=True)
class UploadRoute:
    """A route that takes a large body: method, path pattern, the setting naming its cap in MB,
    and the error code (with a `max_mb` parameter) of a body over that cap."""

    method: str
    pattern: re.Pattern[str]
    cap_setting: str
    too_large_code: str


# The routes that stream an upload. Everything else, authenticated or not, gets the JSON cap.
UPLOAD_ROUTES: tuple[UploadRoute, ...] = (
    UploadRoute(
        "PUT",
        re.compile(r"^/api/interviews/sets/[0-9]{1,19}/intro-video$"),
        "max_intro_video_mb",
        "intro_video_too_large",  # the body is the video file itself, so the caps are the same
    ),
)


# The route itself enforces the exact cap while it streams (and answers with its own message);
# the middleware's cap is a little larger so that it is only the outer guard.
UPLOAD_SLACK_BYTES = 64 * 1024


@dataclass(frozen=True)
class BodyLimit:
    max_bytes: int
    too_large_code: str = "payload_too_large"
    max_mb: int | None = None


def body_limit(method: str, path: str, caps_mb: dict[str, int], json_cap_bytes: int) -> BodyLimit:
    """The body cap for a request, from its method and path only (never the content type)."""
    for route in UPLOAD_ROUTES:
        if method == route.method and route.pattern.match(path):
            cap_mb = caps_mb[route.cap_setting]
            return BodyLimit(cap_mb * 1024 * 1024 + UPLOAD_SLACK_BYTES, route.too_large_code, cap_mb)
    return BodyLimit(json_cap_bytes)
