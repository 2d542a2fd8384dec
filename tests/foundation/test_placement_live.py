"""Placement across real processes (docs/scaling.md): one API node and two media nodes
(`untact serve --role ...`) on one database and the real Redis, with their own key prefix.

Rooms are placed on the least-loaded media node, every member of a room gets the same node,
the media node opens the socket with the room token alone (no login cookie reaches another
host), and a node that stops beating is dropped and its room placed again."""

from __future__ import annotations

import asyncio
import json
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import websockets

from tests.liveserver import LiveServer, free_port, start_live_server, stop_live_server
from tests.reliability.jobs_harness import wait_until
from tests.reliability.socket_clients import next_message

pytestmark = pytest.mark.unit

REDIS_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture
def prefix() -> Iterator[str]:
    import redis

    value = f"test-placement-live:{uuid.uuid4().hex[:12]}:"
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis unreachable: {exc}")
    yield value
    keys = list(client.scan_iter(f"{value}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def cluster(tmp_path: Path, prefix: str) -> Iterator[dict[str, LiveServer]]:
    common = {
        "UNTACT_PLACEMENT": "redis", "UNTACT_REDIS_URL": REDIS_URL, "UNTACT_PLACEMENT_PREFIX": prefix,
        "UNTACT_NODE_HEARTBEAT_S": "0.3", "UNTACT_NODE_TTL_S": "1.5", "UNTACT_PREWARM_MODELS": "false",
        "UNTACT_NODE_DRAIN_GRACE_S": "1", "UNTACT_MEDIA_CONNECT_SRC": "ws://127.0.0.1:*",
    }
    servers: dict[str, LiveServer] = {}
    try:
        servers["api"] = start_live_server(tmp_path, {**common, "UNTACT_ROLES": "api"}, args=(), log_name="api.log")
        for name in ("m1", "m2"):
            port = free_port()
            servers[name] = start_live_server(
                tmp_path,
                {**common, "UNTACT_ROLES": "media", "UNTACT_MEDIA_PUBLIC_URL": f"ws://127.0.0.1:{port}"},
                port=port, args=(), log_name=f"{name}.log",
            )
        yield servers
    finally:
        for server in servers.values():
            if server.process.poll() is None:
                stop_live_server(server)


class Person:
    def __init__(self, api: LiveServer, role: str, **extra: str) -> None:
        self.client = httpx.Client(base_url=api.base_url, timeout=30)
        self.client.get("/login")
        self.headers = {"X-CSRF-Token": self.client.cookies["untact_csrf"]}
        self.email = f"node-{role}-{uuid.uuid4().hex[:10]}@example.kr"
        body = {"email": self.email, "password": "node-pass-123", "display_name": "노드", "role": role, **extra}
        assert self.client.post("/api/auth/signup", json=body, headers=self.headers).status_code == 201

    def post(self, path: str, body: object | None = None) -> httpx.Response:
        return self.client.post(path, json=body, headers=self.headers)


def _live_interview(api: LiveServer) -> tuple[Person, Person, int]:
    seeker = Person(api, "seeker")
    employer = Person(api, "employer", company_name="노드면접")
    invitation = employer.post(
        "/api/interviews/invitations",
        {"seeker_email": seeker.email, "kind": "live", "scheduled_at": "2030-01-01T10:00:00"},
    )
    assert invitation.status_code == 201, invitation.text
    invitation_id = int(invitation.json()["id"])
    assert seeker.post(f"/api/interviews/invitations/{invitation_id}/respond", {"action": "accept"}).status_code == 200
    return employer, seeker, invitation_id


def _grant(person: Person, invitation_id: int) -> dict:
    response = person.post(f"/api/interviews/invitations/{invitation_id}/room-token")
    assert response.status_code == 200, response.text
    return dict(response.json())


def _node_of(grant: dict, cluster: dict[str, LiveServer]) -> str:
    for name in ("m1", "m2"):
        if grant["ws_url"].startswith(cluster[name].base_url.replace("http://", "ws://") + "/"):
            return name
    raise AssertionError(f"not a media node's URL: {grant['ws_url']}")


async def _hello(grant: dict, **headers: str) -> dict:
    """Open the room socket as a browser on the API node's page would: the token, no cookie."""
    async with websockets.connect(f"{grant['ws_url']}?token={grant['token']}", additional_headers=headers) as ws:
        return await next_message(ws, "hello")


def test_rooms_spread_over_media_nodes_and_a_rooms_members_share_one(cluster) -> None:
    api = cluster["api"]
    employer_1, seeker_1, room_1 = _live_interview(api)
    employer_2, _seeker_2, room_2 = _live_interview(api)
    first, second = _grant(employer_1, room_1), _grant(employer_2, room_2)
    assert first["ws_url"].endswith(f"/ws/interviews/{room_1}/room")
    assert {_node_of(first, cluster), _node_of(second, cluster)} == {"m1", "m2"}
    candidate = _grant(seeker_1, room_1)  # the second member of room 1
    assert candidate["ws_url"] == first["ws_url"]

    async def run() -> None:
        origin = {"Origin": api.base_url}  # the page is on the API node
        host = await _hello(first, **origin)
        assert host["role"] == "interviewer" and host["state"] == "admitted"
        guest = await _hello(candidate, **origin)
        assert guest["role"] == "candidate" and guest["state"] == "lobby"
        # A tampered token opens nothing (refused in the handshake), nor does room 2's token for room 1.
        for url in (
            f"{first['ws_url']}?token={first['token'][:-2]}xx",
            f"{first['ws_url']}?token={second['token']}",
        ):
            with pytest.raises(websockets.InvalidStatus):
                async with websockets.connect(url, additional_headers=origin):
                    pass

    asyncio.run(run())


def test_a_node_that_stops_beating_is_dropped_and_its_room_is_placed_again(cluster) -> None:
    api = cluster["api"]
    employer, _seeker, room = _live_interview(api)
    first = _grant(employer, room)
    lost = _node_of(first, cluster)
    survivor = "m2" if lost == "m1" else "m1"
    cluster[lost].process.send_signal(signal.SIGKILL)  # no goodbye: only its heartbeat stops
    cluster[lost].process.wait(timeout=10)

    def placed_on_survivor() -> bool:
        return _node_of(_grant(employer, room), cluster) == survivor

    wait_until(placed_on_survivor, 20, "the room to move to the live media node")
    assert asyncio.run(_hello(_grant(employer, room)))["role"] == "interviewer"


def test_a_stopped_node_takes_no_new_rooms(cluster) -> None:
    api = cluster["api"]
    stop_live_server(cluster["m1"])  # a clean stop deregisters at once
    grants = [_grant(employer, room) for employer, _seeker, room in (_live_interview(api) for _ in range(3))]
    assert [_node_of(grant, cluster) for grant in grants] == ["m2", "m2", "m2"]
    stop_live_server(cluster["m2"])
    employer, _seeker, room = _live_interview(api)
    refused = employer.post(f"/api/interviews/invitations/{room}/room-token")
    assert refused.status_code == 503 and refused.json()["error"]["code"] == "no_media_node"
    assert refused.headers["Retry-After"] == "5"
    assert json.loads(refused.text)["error"]["message"]


def test_a_practice_session_is_placed_and_its_socket_opened_with_the_pages_token(cluster) -> None:
    import re

    api = cluster["api"]
    seeker = Person(api, "seeker")
    version = seeker.client.get("/api/practice/consent").json()["version"]
    assert seeker.post("/api/practice/consent", {"version": version}).status_code == 201

    def runner_config() -> dict:
        session = seeker.post(
            "/api/practice/sessions", {"source": "field", "field": "public_sector", "question_count": 2}
        ).json()
        page = seeker.client.get(f"/practice/{session['id']}")
        assert page.status_code == 200
        found = re.search(r'id="practice-config">(.*?)</script>', page.text)
        assert found is not None
        return dict(json.loads(found.group(1)))

    first, second = runner_config(), runner_config()
    assert {_node_of(first, cluster), _node_of(second, cluster)} == {"m1", "m2"}
    assert first["ws_url"].endswith(f"/ws/practice/{first['session_id']}") and first["ws_token"]

    async def run() -> None:
        async with websockets.connect(f"{first['ws_url']}?token={first['ws_token']}") as ws:
            assert (await next_message(ws, "hello"))["session_id"] == first["session_id"]
        # One session's token opens no other session, on any node.
        other_url = second["ws_url"] + f"?token={first['ws_token']}"
        with pytest.raises(websockets.InvalidStatus):
            async with websockets.connect(other_url):
                pass

    asyncio.run(run())


def test_a_stopping_node_drains_its_rooms_with_notice_and_they_move(cluster) -> None:
    api = cluster["api"]
    employer, _seeker, room = _live_interview(api)
    held = _grant(employer, room)
    draining = _node_of(held, cluster)
    other = "m2" if draining == "m1" else "m1"

    async def run() -> list[dict]:
        seen: list[dict] = []
        async with websockets.connect(f"{held['ws_url']}?token={held['token']}") as ws:
            await next_message(ws, "hello")
            cluster[draining].process.send_signal(signal.SIGTERM)
            notice = await next_message(ws, "room_closing")
            seen.append(notice)
            # Draining: a new room goes to the other node, while this room is still held here.
            newcomer, _s, new_room = await asyncio.to_thread(_live_interview, api)
            new_grant = await asyncio.to_thread(_grant, newcomer, new_room)
            seen.append({"new_room_on": _node_of(new_grant, cluster)})
            seen.append(await next_message(ws, "room_closed"))
        return seen

    notice, placed, closed = asyncio.run(run())
    assert notice == {"type": "room_closing", "reason": "node_draining", "grace_s": 1.0}
    assert placed == {"new_room_on": other}
    assert closed == {"type": "room_closed", "reason": "node_draining"}
    assert cluster[draining].process.wait(timeout=30) == 0
    rejoined = _grant(employer, room)  # the client asks for a fresh grant: another node
    assert _node_of(rejoined, cluster) == other
    assert asyncio.run(_hello(rejoined))["role"] == "interviewer"


@pytest.mark.browser
@pytest.mark.media
@pytest.mark.timeout(300)
def test_the_room_page_rejoins_on_another_node_when_its_node_drains(cluster, launch_chromium) -> None:
    from tests import mediakit
    from tests.conftest import login_in_browser, screenshot

    api = cluster["api"]
    employer, _seeker, room = _live_interview(api)
    page = launch_chromium(video=mediakit.face_video("facing", seconds=4, fmt="y4m")).new_page(
        viewport={"width": 1280, "height": 900}
    )
    login_in_browser(page, api.base_url, employer.email, "node-pass-123")
    page.goto(f"{api.base_url}/interviews/{room}/room")
    page.wait_for_selector("body[data-room-ready]")
    page.get_by_role("button", name="카메라·마이크 켜고 입장").click()
    page.wait_for_function("() => window.roomState && window.roomState.pc && window.roomState.pc.connectionState === 'connected'")
    first_url = page.evaluate("() => window.roomSocketUrl")
    draining = _node_of({"ws_url": first_url}, cluster)
    other_ws = cluster["m2" if draining == "m1" else "m1"].base_url.replace("http://", "ws://")

    cluster[draining].process.send_signal(signal.SIGTERM)  # drains: notice, room_closed node_draining
    page.wait_for_function(
        "(other) => window.roomSocketUrl.startsWith(other + '/') && window.roomState.pc"
        " && window.roomState.pc.connectionState === 'connected'"
        " && document.querySelector('#room-state').dataset.state === 'in_room'",
        arg=other_ws, timeout=60_000,
    )
    assert cluster[draining].process.wait(timeout=30) == 0
    assert page.locator("#room-error").text_content() == ""  # the moving notice is gone once back in
    screenshot(page, "room-rejoined-on-another-node")
