"""Typed messages of the live interview room socket (documented in docs/signalling.md).

`offer`, `ice` and `ping` are the practice protocol's own messages; the rest are the room's.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError

from server.signalling import MAX_MESSAGE_BYTES, Ice, Offer, Ping, SignallingError, _Message


class Admit(_Message):
    type: Literal["admit"]
    identity: str = Field(max_length=64)


class Deny(_Message):
    type: Literal["deny"]
    identity: str = Field(max_length=64)


class RecordingConsent(_Message):
    type: Literal["consent"]
    recording: bool


class Chat(_Message):
    type: Literal["chat"]
    text: str = Field(min_length=1, max_length=2000)


class Mute(_Message):
    type: Literal["mute"]
    source: Literal["camera", "microphone", "screen"]
    muted: bool


class StartRecording(_Message):
    type: Literal["start_recording"]


class StopRecording(_Message):
    type: Literal["stop_recording"]


class Leave(_Message):
    type: Literal["leave"]


class Captions(_Message):
    """An interviewer turns live captions of the candidate's speech on or off."""

    type: Literal["captions"]
    on: bool


RoomMessage = Annotated[
    Offer
    | Ice
    | Ping
    | Admit
    | Deny
    | RecordingConsent
    | Chat
    | Mute
    | StartRecording
    | StopRecording
    | Leave
    | Captions,
    Field(discriminator="type"),
]
_adapter: TypeAdapter[RoomMessage] = TypeAdapter(RoomMessage)


def parse_room_message(raw: str | bytes) -> RoomMessage:
    """Same error codes as practice signalling: message_too_large, malformed_json, missing_type,
    unknown_type, invalid_message."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise SignallingError("message_too_large")
    try:
        data: Any = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise SignallingError("malformed_json") from None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise SignallingError("missing_type")
    try:
        return _adapter.validate_python(data)
    except ValidationError as exc:
        if any(e.get("type") == "union_tag_invalid" for e in exc.errors()):
            raise SignallingError("unknown_type") from None
        raise SignallingError("invalid_message") from None
