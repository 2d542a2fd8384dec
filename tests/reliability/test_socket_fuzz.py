"""A bounded, seeded fuzz of both socket kinds against the live server (issue 10).

1,000 frames per category on the practice answer socket and on the interview room socket.
After each category: the server answers /healthz, every frame got a typed `error` (in order,
with a code the category allows), the socket still answers `ping`, and a real answer recorded
in parallel by an aiortc client is still connected; at the end it completes with a report.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import websockets

from tests.reliability.socket_clients import (
    SocketTarget,
    answer_media,
    close_peer,
    connect_peer,
    next_message,
    offer_sdp,
    practice_socket,
    room_socket,
)

pytestmark = [pytest.mark.media, pytest.mark.model]

SEED = 20261202
PER_CATEGORY = 1000
Frame = tuple[str | bytes, frozenset[str]]
Generator = Callable[[random.Random, str, str], Frame]

PRACTICE_TYPES = ("offer", "ice", "start_answer", "stop_answer", "set_nudges", "ping")
ROOM_TYPES = ("offer", "ice", "ping", "admit", "deny", "consent", "chat", "mute", "start_recording",
              "stop_recording", "leave", "captions")  # fmt: skip
GARBAGE = "abcdefxyz0123456789 :,.\"'\\-+_=!?<>가나다라한국어\t\n"


def _codes(*codes: str) -> frozenset[str]:
    return frozenset(codes)


def malformed_json(rng: random.Random, kind: str, sdp: str) -> Frame:
    valid = json.dumps({"type": "ping"} if rng.random() < 0.5 else {"type": "chat", "text": "안녕"})
    choice = rng.randrange(4)
    if choice == 0:
        text = valid[: rng.randrange(1, len(valid))]  # every proper prefix of an object is invalid
    elif choice == 1:  # trailing or leading junk around a valid message
        junk = rng.choice(["}", "]", ",", "x", '"', "{", "'"])
        text = valid + junk if rng.random() < 0.5 else junk + valid
    elif choice == 2:
        text = "".join(rng.choice(GARBAGE) for _ in range(rng.randrange(1, 200)))
    else:
        text = rng.choice(["{", "}", "[", '{"type": ', "{'type': 'ping'}", "NaN]", '{"type": "ping",}', ""])
    return text, _codes("malformed_json", "missing_type", "invalid_message")


def wrong_types(rng: random.Random, kind: str, sdp: str) -> Frame:
    bad_values: list[Any] = ["12", "yes", 1.5, True, None, [], {}, "true", 0, -3]
    if kind == "practice":
        field_of = {"start_answer": "question_id", "set_nudges": "enabled", "offer": "sdp", "ice": "candidate"}
    else:
        field_of = {"consent": "recording", "captions": "on", "chat": "text", "admit": "identity", "offer": "sdp"}
    message_type = rng.choice(sorted(field_of))
    name = field_of[message_type]
    value = rng.choice(bad_values)
    # Keep only values of the wrong type for this field (a bool field takes False, a text field "12").
    while (name in ("enabled", "recording", "on") and isinstance(value, bool)) or (
        name in ("sdp", "text", "identity") and isinstance(value, str)
    ) or (name == "question_id" and type(value) is int and value > 0) or (name == "candidate" and value is None):
        value = rng.choice(bad_values)
    return json.dumps({"type": message_type, name: value}), _codes("invalid_message")


def unknown_types(rng: random.Random, kind: str, sdp: str) -> Frame:
    known = PRACTICE_TYPES if kind == "practice" else ROOM_TYPES
    if rng.random() < 0.2:
        return json.dumps({"type": rng.choice([1, None, [], {}, True])}), _codes("missing_type")
    name = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz_가") for _ in range(rng.randrange(1, 30)))
    while name in known:
        name += "x"
    return json.dumps({"type": name, "x": 1}, ensure_ascii=False), _codes("unknown_type")


def oversize(rng: random.Random, kind: str, sdp: str) -> Frame:
    if rng.random() < 0.5:  # over 64 KiB of UTF-8, often with fewer than 64 Ki characters
        size = rng.randrange(64 * 1024 + 1, 80 * 1024)
        unit = rng.choice(["a", "가", "😀", "a가"])
        body = unit * (size // len(unit.encode()) + 1)
        text = json.dumps({"type": "chat" if kind == "room" else "ping", "text": body}, ensure_ascii=False)
        return text, _codes("message_too_large")
    size = rng.randrange(32 * 1024 + 1, 60 * 1024)
    return json.dumps({"type": "offer", "sdp": "v=0 " + "가" * (size // 3)}, ensure_ascii=False), _codes(
        "sdp_too_large"
    )


def deep_nesting(rng: random.Random, kind: str, sdp: str) -> Frame:
    depth = rng.choice([33, 34, 50, 100, 1000, 5000, rng.randrange(33, 6000)])
    opens = "".join(rng.choice("[{") if i else "[" for i in range(depth))
    inner = "".join("[" if c == "[" else '{"k": ' for c in opens) + "1" + "".join(
        "]" if c == "[" else "}" for c in reversed(opens)
    )
    if rng.random() < 0.5:
        return '{"type": "ping", "x": ' + inner + "}", _codes("json_too_deep")
    return inner, _codes("json_too_deep")


def binary(rng: random.Random, kind: str, sdp: str) -> Frame:
    if rng.random() < 0.3:
        return json.dumps({"type": "ping"}).encode(), _codes("binary_frame")
    return rng.randbytes(rng.randrange(0, 2000)), _codes("binary_frame")


def bad_sdp(rng: random.Random, kind: str, sdp: str) -> Frame:
    lines = sdp.splitlines()
    choice = rng.randrange(8)
    if choice == 0:
        text = "\r\n".join(line for line in lines if not line.startswith("a=fingerprint"))
    elif choice == 1:  # every fingerprint with an algorithm aiortc cannot check
        text = re.sub(r"a=fingerprint:sha-\d+", rng.choice(["a=fingerprint:sha-1", "a=fingerprint:md5"]), sdp)
    elif choice == 2:
        drop = rng.choice(["a=ice-ufrag", "a=ice-pwd"])
        text = "\r\n".join(line for line in lines if not line.startswith(drop))
    elif choice == 3:
        first_media = next(i for i, line in enumerate(lines) if line.startswith("m="))
        text = "\r\n".join(lines[: rng.randrange(1, first_media + 1)])  # no media section
    elif choice == 4:
        text = "".join(rng.choice(GARBAGE) for _ in range(rng.randrange(1, 500)))
    elif choice == 5:
        octet = rng.randrange(256, 1000)
        bad = f"a=candidate:1 1 udp 1 {octet}.1.2.3 {rng.randrange(1, 65536)} typ host"
        index = next(i for i, line in enumerate(lines) if line.startswith("a=mid:"))
        text = "\r\n".join([*lines[: index + 1], bad, *lines[index + 1 :]])
    elif choice == 6:
        text = rng.choice(["", " ", "\r\n", "v=0", "m=audio"])
    else:  # every fingerprint value is not hex
        text = re.sub(r"(a=fingerprint:\S+) \S+", lambda m: m.group(1) + " " + "ZZ:" * 31 + "ZZ", sdp)
    return json.dumps({"type": "offer", "sdp": text}), _codes("bad_sdp", "invalid_sdp")


def _bad_candidate_line(rng: random.Random) -> str:
    fields = ["candidate:" + str(rng.randrange(1, 10**9)), "1", "udp", str(rng.randrange(1, 2**31)),
              "8.8.8.8", str(rng.randrange(1, 65536)), "typ", "host"]  # fmt: skip
    broken = rng.randrange(8)
    if broken == 0:
        fields[4] = ".".join(str(rng.randrange(256, 1000) if i == rng.randrange(4) else 1) for i in range(4))
        if all(0 <= int(p) <= 255 for p in fields[4].split(".")):
            fields[4] = "999.999.0.1"
    elif broken == 1:
        fields[5] = str(rng.choice([0, 65536, 70000, rng.randrange(65536, 10**6), -1]))
    elif broken == 2:
        fields[2] = rng.choice(["sctp", "quic", "UDPX", "", "tls"])
    elif broken == 3:
        fields[3] = str(rng.randrange(2**32, 10**12))
    elif broken == 4:
        fields = fields[: rng.randrange(1, 8)]
    elif broken == 5:
        fields[7] = rng.choice(["magic", "HOST", "srflxx", ""])
    elif broken == 6:
        fields[4] = rng.choice(["example.com", "localhost", "evil.local.", "a..local", "-x.local"])
    else:
        fields[1] = str(rng.choice([0, 257, 1000]))
    return " ".join(fields)


def bad_candidates(rng: random.Random, kind: str, sdp: str) -> Frame:
    candidate: dict[str, Any] = {"candidate": _bad_candidate_line(rng), "sdpMid": "0", "sdpMLineIndex": 0}
    return json.dumps({"type": "ice", "candidate": candidate}), _codes("bad_candidate")


def huge_ints(rng: random.Random, kind: str, sdp: str) -> Frame:
    value = rng.choice([2**63, 10**30, -(2**63) - 1, 10 ** rng.randrange(19, 200), -1, 2**64])
    if rng.random() < 0.1:  # longer than Python's 4,300-digit limit for int()
        return '{"type": "start_answer", "question_id": ' + "9" * 4400 + "}", _codes("malformed_json")
    if kind == "practice" and rng.random() < 0.7:
        return json.dumps({"type": "start_answer", "question_id": value}), _codes("invalid_message")
    candidate = {"candidate": "", "sdpMid": "0", "sdpMLineIndex": value}
    return json.dumps({"type": "ice", "candidate": candidate}), _codes("invalid_message")


CATEGORIES: dict[str, Generator] = {
    "malformed_json": malformed_json,
    "wrong_types": wrong_types,
    "unknown_types": unknown_types,
    "oversize": oversize,
    "deep_nesting": deep_nesting,
    "binary": binary,
    "bad_sdp": bad_sdp,
    "bad_candidates": bad_candidates,
    "huge_ints": huge_ints,
}


async def _fuzz_category(ws: Any, frames: list[Frame]) -> list[str]:
    """Send every frame and read one `error` per frame (in order); room broadcasts are skipped."""
    codes: list[str] = []

    async def read() -> None:
        while len(codes) < len(frames):
            message = json.loads(await asyncio.wait_for(ws.recv(), 30))
            assert message["type"] not in ("answer", "answer_started"), message  # nothing was accepted
            if message["type"] == "error":
                codes.append(message["code"])

    reader = asyncio.ensure_future(read())
    for frame, _ in frames:
        await ws.send(frame)
    await reader
    return codes


async def _fuzz_socket(target: SocketTarget, kind: str, sdp: str, health: httpx.AsyncClient,
                       answer_alive: Callable[[], Any], timings: dict[str, float]) -> dict[str, int]:  # fmt: skip
    rng = random.Random(f"{SEED}-{kind}")
    counts: dict[str, int] = {}
    async with websockets.connect(target.url, additional_headers=target.headers, max_size=None) as ws:
        await next_message(ws, "hello")
        for name, generate in CATEGORIES.items():
            frames = [generate(rng, kind, sdp) for _ in range(PER_CATEGORY)]
            began = time.monotonic()
            codes = await _fuzz_category(ws, frames)
            timings[f"{kind}/{name}"] = time.monotonic() - began
            for index, ((frame, allowed), code) in enumerate(zip(frames, codes, strict=True)):
                assert code in allowed, f"{kind}/{name} #{index}: {code} for {frame[:200]!r}"
            assert (await health.get("/healthz")).status_code == 200, f"{kind}/{name}: server down"
            await ws.send(json.dumps({"type": "ping"}))
            await next_message(ws, "pong", 20)
            await answer_alive()
            counts[name] = len(codes)
    return counts


@pytest.mark.timeout(600)
def test_both_sockets_survive_a_seeded_fuzz_while_a_real_answer_completes(live_server) -> None:
    base = live_server.base_url
    log_start = len(live_server.log())
    practice_target = practice_socket(base)
    room_target = room_socket(base)
    answerer = practice_socket(base)
    media = answer_media(seconds=30)

    async def real_answer(answer_ws: Any, practice_fuzzed: asyncio.Event) -> dict[str, Any]:
        question_id = answerer.info["questions"][0]["id"]
        await answer_ws.send(json.dumps({"type": "start_answer", "question_id": question_id}))
        started = await next_message(answer_ws, "answer_started")
        began = time.monotonic()
        # Recording spans the whole practice-socket fuzz (and at least 9 s); the analysis and
        # the report then overlap the room-socket fuzz.
        await practice_fuzzed.wait()
        await asyncio.sleep(max(0.0, 9 - (time.monotonic() - began)))
        await answer_ws.send(json.dumps({"type": "stop_answer"}))
        stopped = await next_message(answer_ws, "answer_stopped", 30)
        # The report comes from the live analysis (`report_ready`) or, when that ran out of
        # time on a loaded machine, from the whole-file job it queued (`analysis_delayed`).
        while True:
            message = json.loads(await asyncio.wait_for(answer_ws.recv(), 180))
            if message["type"] == "report_ready" or (
                message["type"] == "error" and message["code"] == "analysis_delayed"
            ):
                break
            assert message["type"] != "error", message
        return {"started": started, "stopped": stopped, "ready": message}

    async def run() -> dict[str, Any]:
        sdp = await offer_sdp()
        async with (
            httpx.AsyncClient(base_url=base, timeout=30) as health,
            websockets.connect(answerer.url, additional_headers=answerer.headers) as answer_ws,
        ):
            await next_message(answer_ws, "hello")
            pc, players = await connect_peer(answer_ws, media)
            practice_fuzzed = asyncio.Event()
            try:
                answer_task = asyncio.ensure_future(real_answer(answer_ws, practice_fuzzed))

                async def answer_alive() -> None:
                    if not answer_task.done():  # recording or being analysed: its peer is up
                        assert pc.connectionState == "connected", "the real answer's peer went away"

                timings: dict[str, float] = {}
                practice_counts = await _fuzz_socket(practice_target, "practice", sdp, health, answer_alive, timings)
                practice_fuzzed.set()
                room_counts = await _fuzz_socket(room_target, "room", sdp, health, answer_alive, timings)
                answer = await answer_task
            finally:
                await close_peer(pc, players)
        print("fuzz seconds per category:", {k: round(v, 2) for k, v in timings.items()})
        return {**answer, "practice": practice_counts, "room": room_counts}

    result = asyncio.run(run())
    assert result["practice"] == dict.fromkeys(CATEGORIES, PER_CATEGORY)
    assert result["room"] == dict.fromkeys(CATEGORIES, PER_CATEGORY)
    assert result["stopped"]["partial"] is False and result["stopped"]["duration_s"] >= 7
    report_url = f"/api/practice/answers/{result['started']['answer_id']}/report"
    deadline = time.monotonic() + 300
    while (response := answerer.client.get(report_url)).status_code != 200 and time.monotonic() < deadline:
        time.sleep(1)
    assert response.status_code == 200, response.text
    report = response.json()["report"]
    words = set(report["transcript"]["text"].lower().replace(",", " ").replace(".", " ").split())
    assert len({"volunteer", "schedule", "community", "reduced", "shifts"} & words) >= 3, report["transcript"]
    server_log = live_server.log()[log_start:]
    assert "Traceback" not in server_log and "unhandled error" not in server_log, server_log[-3000:]
    for target in (practice_target, room_target, answerer):
        target.client.close()
