"""Typed WebSocket signalling messages (documented in docs/signalling.md).

Every message is a JSON object with a `type`. Anything that is not a valid message gets an
`error` message back and the socket stays open.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

MAX_MESSAGE_BYTES = 64 * 1024
MAX_SDP_CHARS = 32 * 1024


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IceCandidate(_Message):
    candidate: str = Field(max_length=2048)
    sdpMid: str | None = Field(default=None, max_length=64)
    sdpMLineIndex: int | None = Field(default=None, ge=0, le=64)
    usernameFragment: str | None = Field(default=None, max_length=256)


# ---- client → server


class Offer(_Message):
    type: Literal["offer"]
    sdp: str = Field(max_length=MAX_SDP_CHARS)


class Ice(_Message):
    type: Literal["ice"]
    candidate: IceCandidate | None = None  # None: the browser finished gathering


class StartAnswer(_Message):
    type: Literal["start_answer"]
    question_id: int


class StopAnswer(_Message):
    type: Literal["stop_answer"]


class SetNudges(_Message):
    type: Literal["set_nudges"]
    enabled: bool


class Ping(_Message):
    type: Literal["ping"]


ClientMessage = Annotated[
    Offer | Ice | StartAnswer | StopAnswer | SetNudges | Ping, Field(discriminator="type")
]
_client_adapter: TypeAdapter[ClientMessage] = TypeAdapter(ClientMessage)


class SignallingError(Exception):
    """A message that cannot be used; the code goes back to the client in an `error` message."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


def parse_client_message(raw: str | bytes) -> ClientMessage:
    if len(raw) > MAX_MESSAGE_BYTES:
        raise SignallingError("message_too_large", f"limit {MAX_MESSAGE_BYTES} bytes")
    try:
        data: Any = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SignallingError("malformed_json", str(exc)[:200]) from None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise SignallingError("missing_type")
    try:
        return _client_adapter.validate_python(data)
    except ValidationError as exc:
        errors = exc.errors()
        if any(e.get("type") == "union_tag_invalid" for e in errors):
            raise SignallingError("unknown_type", str(data["type"])[:64]) from None
        fields = ",".join(".".join(str(p) for p in e.get("loc", ())) for e in errors)
        raise SignallingError("invalid_message", fields[:200]) from None


# ---- server → client (plain dicts built by these helpers, so the shapes live in one place)


def answer_message(sdp: str) -> dict[str, Any]:
    return {"type": "answer", "sdp": sdp}


def error_message(code: str, message: str, *, retryable: bool = False) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message, "retryable": retryable}


def nudge_message(kind: str, message: str) -> dict[str, Any]:
    return {"type": "nudge", "kind": kind, "message": message}
