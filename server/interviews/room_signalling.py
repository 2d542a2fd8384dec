"""Typed messages of the live interview room socket (documented in docs/signalling.md).

`offer`, `ice` and `ping` are the practice protocol's own messages; the rest are the room's.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, TypeAdapter

from server.answers.signalling import Ice, Offer, Ping, _Message, parse_message


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


def parse_room_message(raw: str) -> RoomMessage:
    """The same checks and error codes as the answer sockets (`server.answers.signalling.parse_message`)."""
    result: RoomMessage = parse_message(raw, _adapter)
    return result
