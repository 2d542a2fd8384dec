"""Signalling message parsing and the live-nudge rules, in isolation."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from server.answers.live import NUDGE_COOLDOWN_S, choose_nudge
from server.answers.signalling import Offer, SignallingError, StartAnswer, parse_client_message

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ('{"type": "offer", "sdp": "v=0', "malformed_json"),
        ("[1, 2]", "missing_type"),
        ('{"sdp": "x"}', "missing_type"),
        ('{"type": "teleport"}', "unknown_type"),
        ('{"type": "start_answer", "question_id": "seven"}', "invalid_message"),
        ('{"type": "offer", "sdp": 5}', "invalid_message"),
        ('{"type": "ping", "extra": 1}', "invalid_message"),
        (json.dumps({"type": "offer", "sdp": "a" * 1_000_000}), "message_too_large"),
        (json.dumps({"type": "offer", "sdp": "a" * 40_000}), "sdp_too_large"),
    ],
)
def test_bad_messages_get_typed_errors(raw, code) -> None:
    with pytest.raises(SignallingError) as caught:
        parse_client_message(raw)
    assert caught.value.code == code


def test_good_messages_parse_to_their_types() -> None:
    assert parse_client_message('{"type": "offer", "sdp": "v=0"}') == Offer(type="offer", sdp="v=0")
    assert parse_client_message('{"type": "start_answer", "question_id": 3}') == StartAnswer(
        type="start_answer", question_id=3
    )
    ice = parse_client_message(
        '{"type": "ice", "candidate": {"candidate": "candidate:1 1 udp 1 127.0.0.1 5000 typ host", "sdpMid": "0", "sdpMLineIndex": 0}}'
    )
    assert ice.candidate.sdpMid == "0"
    assert parse_client_message('{"type": "ice", "candidate": null}').candidate is None


@dataclass
class Metrics:
    elapsed_s: float = 20.0
    words_per_minute: float | None = 140.0
    seconds_since_speech: float | None = 0.5
    looking_away_s: float = 0.0
    face_present: bool | None = True
    eye_contact_ratio: float | None = 1.0


def test_nudges_follow_the_documented_thresholds() -> None:
    assert choose_nudge(Metrics(), "en", {}, 100.0) is None
    assert choose_nudge(Metrics(looking_away_s=5.5), "en", {}, 100.0) == "look_at_camera"
    assert choose_nudge(Metrics(looking_away_s=4.0), "en", {}, 100.0) is None
    assert choose_nudge(Metrics(seconds_since_speech=7.0), "en", {}, 100.0) == "long_silence"
    assert choose_nudge(Metrics(seconds_since_speech=None, elapsed_s=9.0), "en", {}, 100.0) == "long_silence"
    assert choose_nudge(Metrics(words_per_minute=210), "en", {}, 100.0) == "pace_fast"
    assert choose_nudge(Metrics(words_per_minute=80), "en", {}, 100.0) == "pace_slow"
    # Korean pace is judged on syllables, never on words a minute: no syllable rate yet, no nudge
    assert choose_nudge(Metrics(words_per_minute=80), "ko", {}, 100.0) is None
    assert choose_nudge(Metrics(words_per_minute=210, elapsed_s=8), "en", {}, 100.0) is None  # too early


def test_a_nudge_is_not_repeated_within_its_cooldown() -> None:
    last = {"look_at_camera": 100.0}
    away = Metrics(looking_away_s=9.0)
    assert choose_nudge(away, "en", last, 100.0 + NUDGE_COOLDOWN_S - 1) is None
    assert choose_nudge(away, "en", last, 100.0 + NUDGE_COOLDOWN_S) == "look_at_camera"
