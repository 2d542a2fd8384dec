"""Typed WebSocket signalling messages (documented in docs/signalling.md).

Every message is a JSON object with a `type`, in a text frame. Anything that is not a valid
message gets an `error` message back and the socket stays open.

The edge is strict: sizes are UTF-8 bytes of the frame, nesting is refused before the JSON is
parsed, types are never coerced (`"12"` is not a question id, `"yes"` is not a bool), integers
are range-checked (`server.core.limits.Id`), and candidate lines are checked against the grammar.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from media.errors import MediaError
from media.sdp_checks import parse_candidate
from server.core.limits import Id, json_nesting_exceeds

MAX_MESSAGE_BYTES = 64 * 1024
MAX_SDP_BYTES = 32 * 1024

# Every `code` an `error` message on the signalling sockets can carry. docs/signalling.md lists
# the same set (tests/reliability/test_protocol_strict.py compares them), and both catalogs have
# a `signalling.<code>` text for each.
SOCKET_ERROR_CODES = frozenset(
    {
        # any message, both socket kinds
        "binary_frame", "message_too_large", "json_too_deep", "malformed_json", "missing_type",
        "unknown_type", "invalid_message",
        # offers and candidates, both socket kinds
        "sdp_too_large", "bad_sdp", "invalid_sdp", "no_common_codec", "negotiation_failed",
        "bad_state", "peer_closed", "bad_candidate", "no_peer",
        # answer sockets (practice, one-way interviews)
        "no_media", "busy_recording", "not_recording", "not_your_question", "no_retakes_left",
        "consent_required", "analysis_delayed", "server_busy", "practice_not_found", "interview_not_found",
        "not_a_recorded_interview", "interview_not_open", "deadline_passed",
        # room socket
        "not_admitted", "not_allowed", "not_in_lobby", "already_joined", "room_full", "room_closed",
        "bad_source", "not_in_room", "screen_busy", "no_screen_track", "captions_failed",
    }
)


class _Message(BaseModel):
    # strict: JSON gives exact types, and a client sending "12" for 12 has a bug to hear about
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class IceCandidate(_Message):
    candidate: str = Field(max_length=2048)
    sdpMid: str | None = Field(default=None, max_length=64)
    sdpMLineIndex: int | None = Field(default=None, ge=0, le=64)
    usernameFragment: str | None = Field(default=None, max_length=256)


# ---- client → server


class Offer(_Message):
    type: Literal["offer"]
    sdp: str  # at most MAX_SDP_BYTES of UTF-8, checked in parse_message


class Ice(_Message):
    type: Literal["ice"]
    candidate: IceCandidate | None = None  # None: the browser finished gathering


class StartAnswer(_Message):
    type: Literal["start_answer"]
    question_id: Id


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


def frame_text(event: Mapping[str, Any]) -> str:
    """The text of a received WebSocket frame; a binary frame is refused (`binary_frame`)."""
    text = event.get("text")
    if not isinstance(text, str):
        raise SignallingError("binary_frame", "messages are JSON in text frames")
    return text


def parse_message(raw: str, adapter: TypeAdapter[Any]) -> Any:
    """One text frame to one typed message of `adapter`'s union, or a `SignallingError`."""
    encoded = raw.encode("utf-8", "surrogatepass")
    if len(encoded) > MAX_MESSAGE_BYTES:
        raise SignallingError("message_too_large", f"limit {MAX_MESSAGE_BYTES} bytes")
    if json_nesting_exceeds(encoded):
        raise SignallingError("json_too_deep")
    try:
        data: Any = json.loads(raw)
    except RecursionError:  # not reachable past the nesting check; kept so it can never drop the socket
        raise SignallingError("json_too_deep") from None
    except ValueError as exc:  # JSONDecodeError, lone surrogates, integers over 4,300 digits
        raise SignallingError("malformed_json", str(exc)[:200]) from None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise SignallingError("missing_type")
    try:
        message = adapter.validate_python(data)
    except ValidationError as exc:
        errors = exc.errors()
        if any(e.get("type") == "union_tag_invalid" for e in errors):
            raise SignallingError("unknown_type", str(data["type"])[:64]) from None
        fields = ",".join(".".join(str(p) for p in e.get("loc", ())) for e in errors)
        raise SignallingError("invalid_message", fields[:200]) from None
    if isinstance(message, Offer) and len(message.sdp.encode("utf-8", "surrogatepass")) > MAX_SDP_BYTES:
        raise SignallingError("sdp_too_large", f"limit {MAX_SDP_BYTES} bytes")
    if isinstance(message, Ice) and message.candidate is not None and message.candidate.candidate:
        try:
            parse_candidate(message.candidate.candidate)
        except MediaError as exc:
            raise SignallingError("bad_candidate", str(exc)[:200]) from None
    return message


def parse_client_message(raw: str) -> ClientMessage:
    result: ClientMessage = parse_message(raw, _client_adapter)
    return result


# ---- server → client (plain dicts built by these helpers, so the shapes live in one place)


def answer_message(sdp: str) -> dict[str, Any]:
    return {"type": "answer", "sdp": sdp}


def error_message(code: str, message: str, *, retryable: bool = False) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message, "retryable": retryable}


def nudge_message(kind: str, message: str) -> dict[str, Any]:
    return {"type": "nudge", "kind": kind, "message": message}
