"""The signalling protocol is what docs/signalling.md says (issue 10): strict types, byte limits,
candidate grammar and local-address policy, DTLS fingerprint required, a bad offer leaves the
working peer alone, text frames only, and every error code the sockets can send is documented."""

from __future__ import annotations

import ast
import asyncio
import json
import re
from pathlib import Path

import pytest
import websockets

from media import MediaError, PeerSession
from media.sdp_checks import check_offer, parse_candidate
from server.answers.signalling import SOCKET_ERROR_CODES, SignallingError, frame_text, parse_client_message
from server.core.config import Settings
from server.core.i18n import translate
from server.core.limits import MAX_ID
from server.interviews.room_signalling import parse_room_message
from tests.reliability.socket_clients import (
    answer_media,
    close_peer,
    connect_peer,
    next_error,
    next_message,
    offer_sdp,
    practice_socket,
    room_socket,
)

ROOT = Path(__file__).resolve().parents[2]
CHROME_HOST = "candidate:842163049 1 udp 1677729535 211.234.10.20 50123 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag Ab12 network-cost 999"


def _code(parse, raw: str) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(SignallingError) as caught:
        parse(raw)
    return caught.value.code


# ------------------------------------------------------------------ message parsing


@pytest.mark.unit
@pytest.mark.parametrize("parse", [parse_client_message, parse_room_message])
def test_types_are_strict_and_integers_in_range_on_both_sockets(parse) -> None:  # type: ignore[no-untyped-def]
    for raw in (
        {"type": "ice", "candidate": {"candidate": "", "sdpMLineIndex": "0"}},
        {"type": "ice", "candidate": {"candidate": "", "sdpMLineIndex": True}},
        {"type": "ice", "candidate": {"candidate": "", "sdpMLineIndex": 0.0}},
        {"type": "offer", "sdp": 12},
        {"type": "ping", "x": 1},
    ):
        assert _code(parse, json.dumps(raw)) == "invalid_message", raw
    assert _code(parse, '{"type": "ping", "n": ' + "9" * 5000 + "}") == "malformed_json"  # > 4,300 digits


@pytest.mark.unit
def test_answer_socket_fields_are_not_coerced() -> None:
    for raw in (
        {"type": "start_answer", "question_id": "12"},
        {"type": "start_answer", "question_id": 12.0},
        {"type": "start_answer", "question_id": True},
        {"type": "start_answer", "question_id": 10**30},
        {"type": "start_answer", "question_id": 2**63},
        {"type": "start_answer", "question_id": 0},
        {"type": "set_nudges", "enabled": "yes"},
        {"type": "set_nudges", "enabled": 1},
    ):
        assert _code(parse_client_message, json.dumps(raw)) == "invalid_message", raw
    assert parse_client_message(json.dumps({"type": "start_answer", "question_id": MAX_ID})).question_id == MAX_ID
    assert _code(parse_client_message, json.dumps({"type": "start_answer", "question_id": MAX_ID + 1})) == (
        "invalid_message"
    )
    assert parse_client_message('{"type": "set_nudges", "enabled": false}').enabled is False


@pytest.mark.unit
def test_room_socket_fields_are_not_coerced() -> None:
    for raw in (
        {"type": "consent", "recording": "yes"},
        {"type": "consent", "recording": 1},
        {"type": "captions", "on": "true"},
        {"type": "mute", "source": "camera", "muted": 0},
        {"type": "chat", "text": 5},
    ):
        assert _code(parse_room_message, json.dumps(raw)) == "invalid_message", raw


@pytest.mark.unit
@pytest.mark.parametrize("parse", [parse_client_message, parse_room_message])
def test_limits_count_utf8_bytes_and_nesting(parse) -> None:  # type: ignore[no-untyped-def]
    # 30,000 Hangul syllables: under 64 Ki characters, but 90,000 bytes.
    korean = json.dumps({"type": "offer", "sdp": "가" * 30_000}, ensure_ascii=False)
    assert len(korean) < 64 * 1024 < len(korean.encode())
    assert _code(parse, korean) == "message_too_large"
    sdp_korean = json.dumps({"type": "offer", "sdp": "v=0 " + "가" * 12_000}, ensure_ascii=False)
    assert len(sdp_korean) < 32 * 1024 < len(sdp_korean.encode()) < 64 * 1024
    assert _code(parse, sdp_korean) == "sdp_too_large"
    assert _code(parse, "[" * 5000 + "]" * 5000) == "json_too_deep"
    assert _code(parse, '{"type": "ping", "a": ' + "[" * 40 + "]" * 40 + "}") == "json_too_deep"
    assert _code(parse, '{"type": "ping", "a": "' + "[" * 5000 + '"}') == "invalid_message"  # in a string: fine


@pytest.mark.unit
def test_binary_frames_are_refused() -> None:
    assert frame_text({"type": "websocket.receive", "text": "{}"}) == "{}"
    for event in ({"type": "websocket.receive", "bytes": b'{"type": "ping"}'}, {"type": "websocket.receive"}):
        with pytest.raises(SignallingError) as caught:
            frame_text(event)
        assert caught.value.code == "binary_frame"


# ------------------------------------------------------------------ candidates


GOOD_CANDIDATES = [
    "candidate:1 1 udp 2122260223 8.8.8.8 54321 typ host",
    "candidate:1467250027 1 udp 2122260223 2a00:1450:4001:80b::200e 58000 typ host generation 0",
    CHROME_HOST,
    "candidate:3 1 tcp 1518280447 9.9.9.9 9 typ host tcptype active",
    "candidate:4 1 UDP 41885439 1.1.1.1 3478 typ relay raddr 211.234.10.20 rport 50123",
    "1 1 udp 1 8.8.4.4 1 typ prflx",
]
BAD_CANDIDATES = [
    "candidate:1 1 udp 2122260223 999.999.0.1 54321 typ host",
    "candidate:1 1 udp 2122260223 8.8.8.8 70000 typ host",
    "candidate:1 1 udp 2122260223 8.8.8.8 0 typ host",
    "candidate:1 1 sctp 2122260223 8.8.8.8 5000 typ host",
    "candidate:1 1 udp 99999999999 8.8.8.8 5000 typ host",
    "candidate:1 0 udp 1 8.8.8.8 5000 typ host",
    "candidate:1 1 udp 1 8.8.8.8 5000 kind host",
    "candidate:1 1 udp 1 8.8.8.8 5000 typ magic",
    "candidate:1 1 udp 1 8.8.8.8 5000",
    "candidate:1 1 udp 1 example.com 5000 typ host",
    "candidate:1 1 udp 1 8.8.8.8 5000 typ host raddr",
    "candidate:1 1 udp 1 8.8.8.8 5000 typ host tcptype active",
    "candidate:f@o 1 udp 1 8.8.8.8 5000 typ host",
    "candidate:1 1 udp 1 8.8.8.8 5000 typ host rport 99999",
]


@pytest.mark.unit
def test_candidate_lines_follow_the_grammar() -> None:
    for line in GOOD_CANDIDATES:
        assert not parse_candidate(line).private, line
    for line in BAD_CANDIDATES:
        with pytest.raises(MediaError) as caught:
            parse_candidate(line)
        assert caught.value.code == "bad_candidate", line
    # The socket refuses them at once, before any offer (not `no_peer`).
    for line in BAD_CANDIDATES:
        raw = json.dumps({"type": "ice", "candidate": {"candidate": line, "sdpMid": "0", "sdpMLineIndex": 0}})
        assert _code(parse_client_message, raw) == "bad_candidate", line
        assert _code(parse_room_message, raw) == "bad_candidate", line


@pytest.mark.unit
@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "172.20.0.5", "192.168.1.10", "169.254.3.4", "0.0.0.0", "100.64.0.1", "::1",
     "fd00::1", "fe80::1", "::ffff:127.0.0.1", "::", "224.0.0.1", "3d4c0c6a-71c5-4e9c-b1f5-0e8cba0f2a61.local"],
)  # fmt: skip
def test_local_and_private_candidates_are_marked(address: str) -> None:
    assert parse_candidate(f"candidate:1 1 udp 2122260223 {address} 54321 typ host").private


@pytest.mark.media
async def test_a_peer_that_disallows_private_candidates_refuses_them() -> None:
    strict = PeerSession(peer_id="strict", allow_private_candidates=False)
    lenient = PeerSession(peer_id="lenient")
    strict.start()
    lenient.start()
    try:
        sdp = await offer_sdp()
        await strict.accept_offer(sdp)
        await lenient.accept_offer(sdp)
        for address in ("127.0.0.1", "192.168.0.7", "fe80::1"):
            line = f"candidate:9 1 udp 2122260223 {address} 50000 typ host"
            with pytest.raises(MediaError) as caught:
                await strict.add_remote_candidate({"candidate": line, "sdpMid": "0", "sdpMLineIndex": 0})
            assert caught.value.code == "candidate_not_allowed"
            await lenient.add_remote_candidate({"candidate": line, "sdpMid": "0", "sdpMLineIndex": 0})
        await strict.add_remote_candidate({"candidate": GOOD_CANDIDATES[0], "sdpMid": "0", "sdpMLineIndex": 0})
    finally:
        await strict.close()
        await lenient.close()


@pytest.mark.unit
def test_the_private_candidate_setting_defaults_by_environment() -> None:
    assert Settings(environment="development").allow_private_ice_candidates
    assert Settings(environment="test").allow_private_ice_candidates
    production = Settings(environment="production", secret_key="p" * 40)
    assert not production.allow_private_ice_candidates
    assert Settings(environment="production", secret_key="p" * 40,
                    ice_allow_private_candidates=True).allow_private_ice_candidates  # fmt: skip


# ------------------------------------------------------------------ offers


@pytest.mark.media
async def test_an_offer_needs_a_usable_fingerprint_and_ice_credentials() -> None:
    sdp = await offer_sdp()
    assert check_offer(sdp, allow_private_candidates=True)

    def refused(text: str) -> str:
        with pytest.raises(MediaError) as caught:
            check_offer(text, allow_private_candidates=True)
        return caught.value.code

    no_fingerprint = "\r\n".join(line for line in sdp.splitlines() if not line.startswith("a=fingerprint"))
    assert refused(no_fingerprint) == "invalid_sdp"
    sha1_only = re.sub(r"a=fingerprint:sha-\d+ ", "a=fingerprint:sha-1 ", sdp)
    assert refused(sha1_only) == "invalid_sdp"
    no_ufrag = "\r\n".join(line for line in sdp.splitlines() if not line.startswith("a=ice-ufrag"))
    assert refused(no_ufrag) == "invalid_sdp"
    bad_candidate = sdp.replace("a=mid:0\r\n", "a=mid:0\r\na=candidate:1 1 udp 1 999.999.0.1 5000 typ host\r\n", 1)
    assert refused(bad_candidate) == "invalid_sdp"
    assert refused("this is not sdp") == "bad_sdp"
    assert refused("v=0\r\n" + "a=x\r\n" * 20_000) == "sdp_too_large"


@pytest.mark.media
async def test_private_candidates_are_removed_from_offers_when_not_allowed() -> None:
    sdp = await offer_sdp()
    local = [line for line in sdp.splitlines() if line.startswith("a=candidate:")]
    assert local and all(parse_candidate(line[2:]).private for line in local)  # aiortc offers on loopback
    public = "a=candidate:7 1 udp 2122260223 8.8.8.8 50000 typ host"
    with_public = sdp.replace(local[0], f"{local[0]}\r\n{public}", 1)
    strict = check_offer(with_public, allow_private_candidates=False)
    assert public in strict and not any(line in strict for line in local)
    assert all(line in check_offer(with_public, allow_private_candidates=True) for line in local)


# ------------------------------------------------------------------ error codes and docs


def _documented_codes() -> set[str]:
    """Codes in every `| code | meaning |` table of docs/signalling.md."""
    codes: set[str] = set()
    in_table = False
    for line in (ROOT / "docs" / "signalling.md").read_text().splitlines():
        if line.strip() == "| code | meaning |":
            in_table = True
            continue
        if in_table and line.startswith("|"):
            match = re.match(r"\|\s*`([a-z_]+)`\s*\|", line)
            if match:
                codes.add(match.group(1))
            continue
        in_table = False
    return codes


# MediaError codes that never reach a socket: trickle errors become `bad_candidate` and a
# disallowed candidate is dropped without an error; the rest are programming errors inside
# the server (a peer used before start(), a mid the server made up, a tap fitted too late).
NEVER_SENT_MEDIA_CODES = {"candidate_not_allowed", "not_started", "unknown_mid", "tap_too_late"}
SENDERS = {"send_error", "error", "error_message", "SignallingError"}


def _codes_in_code() -> set[str]:
    codes: set[str] = set()
    for path in [*sorted((ROOT / "server").rglob("*.py")),
                 ROOT / "media" / "peer.py", ROOT / "media" / "room.py", ROOT / "media" / "sdp_checks.py"]:  # fmt: skip
        tree = ast.parse(path.read_text())
        in_media = path.parent.name == "media"
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if isinstance(func, ast.Attribute) and getattr(func.value, "id", "") in ("log", "logger"):
                    continue  # log.error(...), not a member's error
                value = node.args[0].value
                if isinstance(value, str) and (name in SENDERS or (in_media and name == "MediaError")):
                    codes.add(value)
            if isinstance(node, ast.FunctionDef) and node.name == "create_answer":
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Return) and isinstance(inner.value, ast.Constant):
                        codes.add(str(inner.value.value))
    return codes - NEVER_SENT_MEDIA_CODES


@pytest.mark.unit
def test_every_socket_error_code_is_documented_and_translated() -> None:
    documented = _documented_codes()
    assert documented == SOCKET_ERROR_CODES, (
        f"in docs only: {sorted(documented - SOCKET_ERROR_CODES)}; "
        f"in code only: {sorted(SOCKET_ERROR_CODES - documented)}"
    )
    sent = _codes_in_code()
    assert "sdp_too_large" in sent and "invalid_sdp" in sent and "not_your_question" in sent
    assert sent <= SOCKET_ERROR_CODES, f"sent but not listed: {sorted(sent - SOCKET_ERROR_CODES)}"
    for locale in ("ko", "en"):
        missing = [c for c in SOCKET_ERROR_CODES if translate(locale, f"signalling.{c}") == f"signalling.{c}"]
        assert not missing, (locale, missing)
    assert translate("ko", "signalling.json_too_deep") != translate("en", "signalling.json_too_deep")


# ------------------------------------------------------------------ on the live server


async def _refusals(url: str, headers: dict[str, str], frames: list[str | bytes]) -> list[str]:
    codes = []
    async with websockets.connect(url, additional_headers=headers, max_size=None) as ws:
        await next_message(ws, "hello")
        for frame in frames:
            await ws.send(frame)
            codes.append((await next_error(ws))["code"])
        await ws.send(json.dumps({"type": "ping"}))
        await next_message(ws, "pong")  # the connection is still up
    return codes


def _edge_frames(sdp: str) -> tuple[list[str | bytes], list[str]]:
    no_fingerprint = "\r\n".join(line for line in sdp.splitlines() if not line.startswith("a=fingerprint"))
    frames: list[str | bytes] = [
        b'{"type": "ping"}',
        "[" * 5000 + "]" * 5000,
        '{"type": "ping", "deep": ' + "{" * 5000 + "}" * 5000 + "}",
        json.dumps({"type": "offer", "sdp": "가" * 30_000}, ensure_ascii=False),
        json.dumps({"type": "offer", "sdp": "v=0 " + "가" * 12_000}, ensure_ascii=False),
        json.dumps({"type": "offer", "sdp": no_fingerprint}),
        json.dumps({"type": "ice", "candidate": {"candidate": BAD_CANDIDATES[0], "sdpMid": "0"}}),
        json.dumps({"type": "ice", "candidate": {"candidate": BAD_CANDIDATES[1], "sdpMid": "0"}}),
        '{"type": "ping", "n": ' + "1" * 4400 + "}",
    ]
    codes = ["binary_frame", "json_too_deep", "json_too_deep", "message_too_large", "sdp_too_large",
             "invalid_sdp", "bad_candidate", "bad_candidate", "malformed_json"]  # fmt: skip
    return frames, codes


@pytest.mark.media
@pytest.mark.timeout(120)
def test_both_socket_kinds_answer_edge_frames_with_typed_errors(live_server) -> None:
    practice = practice_socket(live_server.base_url)
    room = room_socket(live_server.base_url)

    async def run() -> tuple[list[str], list[str]]:
        frames, expected = _edge_frames(await offer_sdp())
        practice_codes = await _refusals(practice.url, practice.headers, [
            *frames,
            json.dumps({"type": "start_answer", "question_id": "12"}),
            json.dumps({"type": "start_answer", "question_id": 10**30}),
            json.dumps({"type": "set_nudges", "enabled": "yes"}),
        ])  # fmt: skip
        room_codes = await _refusals(room.url, room.headers, [
            *frames,
            json.dumps({"type": "consent", "recording": "yes"}),
            json.dumps({"type": "chat", "text": "가" * 30_000}, ensure_ascii=False),
        ])  # fmt: skip
        assert practice_codes == [*expected, "invalid_message", "invalid_message", "invalid_message"]
        assert room_codes == [*expected, "invalid_message", "message_too_large"]
        return practice_codes, room_codes

    asyncio.run(run())
    practice.client.close()
    room.client.close()


@pytest.mark.media
@pytest.mark.model
@pytest.mark.timeout(180)
def test_a_bad_offer_leaves_the_working_peer_connected(live_server) -> None:
    target = practice_socket(live_server.base_url)
    media = answer_media(seconds=20)

    async def run() -> dict:
        async with websockets.connect(target.url, additional_headers=target.headers) as ws:
            await next_message(ws, "hello")
            pc, players = await connect_peer(ws, media)
            try:
                good = await offer_sdp()
                no_fingerprint = "\r\n".join(l for l in good.splitlines() if not l.startswith("a=fingerprint"))  # noqa: E741
                for sdp, code in ((no_fingerprint, "invalid_sdp"), ("this is not sdp", "bad_sdp"),
                                  (re.sub(r"a=ice-pwd:\S+", "", good), "invalid_sdp")):  # fmt: skip
                    await ws.send(json.dumps({"type": "offer", "sdp": sdp}))
                    message = json.loads(await asyncio.wait_for(ws.recv(), 10))
                    # The next message is the refusal: no peer_closed came before it.
                    assert message["type"] == "error" and message["code"] == code, message
                await asyncio.sleep(1.0)
                assert pc.connectionState == "connected"
                question_id = target.info["questions"][0]["id"]
                await ws.send(json.dumps({"type": "start_answer", "question_id": question_id}))
                started = await next_message(ws, "answer_started")
                await asyncio.sleep(3)
                await ws.send(json.dumps({"type": "stop_answer"}))
                stopped = await next_message(ws, "answer_stopped")
                return {"started": started, "stopped": stopped}
            finally:
                await close_peer(pc, players)

    result = asyncio.run(run())
    assert result["stopped"]["partial"] is False and result["stopped"]["duration_s"] > 2
    target.client.close()
