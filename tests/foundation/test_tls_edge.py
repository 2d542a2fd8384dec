"""The TLS edge: the compose file's Caddyfile, run by a real Caddy on loopback in front of a real
`untact serve`, serves pages, the API and the signalling WebSocket over https with a verified
certificate, and the app behind it sends HSTS and secure cookies."""

from __future__ import annotations

import asyncio
import json
import os
import re
import ssl
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import websockets

from tests.liveserver import LiveServer, free_port, start_live_server, stop_live_server

pytestmark = pytest.mark.unit  # a live server and Caddy (apt, ./scripts/setup.sh --test), no media

CADDYFILE = Path(__file__).resolve().parents[2] / "deploy" / "Caddyfile"


@dataclass
class Edge:
    url: str
    ca_file: Path
    app: LiveServer
    log: Path


def _trusting(ca_file: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca_file))


def start_caddy(workdir: Path, site_port: int, upstreams: dict[str, str]) -> tuple[subprocess.Popen[bytes], Path, Path]:
    """Caddy with deploy/Caddyfile and its own local CA (no ACME, no trust store change)."""
    env = {
        **os.environ,
        "UNTACT_SITE_ADDRESS": f"https://127.0.0.1:{site_port}",
        "UNTACT_TLS": "tls internal",
        "CADDY_GLOBAL_OPTIONS": "admin off\nskip_install_trust\nauto_https disable_redirects",
        "XDG_DATA_HOME": str(workdir / "data"),
        "XDG_CONFIG_HOME": str(workdir / "config"),
        **upstreams,
    }
    log = workdir / "caddy.log"
    process = subprocess.Popen(
        ["caddy", "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=workdir,
    )
    ca_file = workdir / "data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"caddy exited:\n{log.read_text(errors='replace')}")
        if ca_file.exists():
            try:
                httpx.get(f"https://127.0.0.1:{site_port}/healthz", verify=_trusting(ca_file), timeout=2)
                return process, ca_file, log
            except httpx.HTTPError:
                pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"caddy did not serve https:\n{log.read_text(errors='replace')}")


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[Edge]:
    site_port = free_port()
    url = f"https://127.0.0.1:{site_port}"
    app = start_live_server(tmp_path / "app", {
        "UNTACT_PUBLIC_BASE_URL": url,
        "UNTACT_FORWARDED_ALLOW_IPS": "127.0.0.1",
    })
    (tmp_path / "caddy").mkdir()
    upstream = app.base_url.removeprefix("http://")
    try:
        caddy, ca_file, log = start_caddy(tmp_path / "caddy", site_port, {"UNTACT_API_UPSTREAM": upstream})
    except Exception:
        stop_live_server(app)
        raise
    try:
        yield Edge(url, ca_file, app, log)
    finally:
        caddy.terminate()
        caddy.wait(timeout=10)
        stop_live_server(app)


def test_pages_api_and_the_signalling_socket_go_through_the_tls_edge(edge: Edge) -> None:
    # A certificate this client checks against Caddy's own CA: a real TLS handshake, not verify=False.
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{edge.url}/healthz", timeout=5)  # the system trust store does not know it
    http = httpx.Client(base_url=edge.url, verify=_trusting(edge.ca_file), timeout=30)
    login = http.get("/login")
    assert login.status_code == 200 and "로그인" in login.text
    assert login.headers["strict-transport-security"].startswith("max-age=")
    csrf = http.cookies["untact_csrf"]
    signup = http.post("/api/auth/signup", headers={"X-CSRF-Token": csrf}, json={
        "email": "edge@example.kr", "password": "edge-pass-123", "display_name": "엣지", "role": "seeker"})
    assert signup.status_code == 201, signup.text
    assert "secure" in signup.headers["set-cookie"].lower()  # the session cookie never goes over http
    headers = {"X-CSRF-Token": http.cookies["untact_csrf"]}
    version = http.get("/api/practice/consent").json()["version"]
    http.post("/api/practice/consent", json={"version": version}, headers=headers).raise_for_status()
    session = http.post("/api/practice/sessions", headers=headers, json={
        "source": "field", "field": "sales_service", "question_count": 1, "language": "ko"})
    assert session.status_code == 201, session.text
    session_id = session.json()["id"]

    async def ping() -> dict:
        context = _trusting(edge.ca_file)
        cookie = "; ".join(f"{name}={value}" for name, value in http.cookies.items())
        async with websockets.connect(
            f"{edge.url.replace('https', 'wss')}/ws/practice/{session_id}", ssl=context,
            additional_headers={"Cookie": cookie, "Origin": edge.url},
        ) as socket:
            await socket.send(json.dumps({"type": "ping"}))
            while True:
                message = json.loads(await asyncio.wait_for(socket.recv(), 20))
                if message["type"] == "pong":
                    return message

    assert asyncio.run(ping())["type"] == "pong"
    # The edge writes no access log: socket URLs carry tokens.
    assert "/ws/practice" not in edge.log.read_text(errors="replace")


REDIS_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture
def edge_cluster(tmp_path: Path) -> Iterator[tuple[str, Path, dict[str, LiveServer]]]:
    """Caddy in front of one API node and two media nodes placed through the real Redis, each
    media node reached at the edge's /media/<n> as in docker-compose.yml."""
    import redis

    prefix = f"test-edge:{uuid.uuid4().hex[:12]}:"
    site_port = free_port()
    url = f"https://127.0.0.1:{site_port}"
    common = {
        "UNTACT_PLACEMENT": "redis", "UNTACT_REDIS_URL": REDIS_URL, "UNTACT_PLACEMENT_PREFIX": prefix,
        "UNTACT_NODE_HEARTBEAT_S": "0.3", "UNTACT_NODE_TTL_S": "1.5", "UNTACT_PREWARM_MODELS": "false",
        "UNTACT_PUBLIC_BASE_URL": url, "UNTACT_FORWARDED_ALLOW_IPS": "127.0.0.1",
    }
    servers: dict[str, LiveServer] = {}
    caddy = None
    try:
        servers["api"] = start_live_server(tmp_path, {**common, "UNTACT_ROLES": "api"}, args=(), log_name="api.log")
        for n in ("1", "2"):
            servers[n] = start_live_server(tmp_path, {
                **common, "UNTACT_ROLES": "media", "UNTACT_MEDIA_PUBLIC_URL": f"wss://127.0.0.1:{site_port}/media/{n}",
            }, args=(), log_name=f"media-{n}.log")
        (tmp_path / "caddy").mkdir()
        caddy, ca_file, _log = start_caddy(tmp_path / "caddy", site_port, {
            "UNTACT_API_UPSTREAM": servers["api"].base_url.removeprefix("http://"),
            "UNTACT_MEDIA_1_UPSTREAM": servers["1"].base_url.removeprefix("http://"),
            "UNTACT_MEDIA_2_UPSTREAM": servers["2"].base_url.removeprefix("http://"),
        })
        yield url, ca_file, servers
    finally:
        if caddy is not None:
            caddy.terminate()
            caddy.wait(timeout=10)
        for server in servers.values():
            if server.process.poll() is None:
                stop_live_server(server)
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        keys = list(client.scan_iter(f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()


def test_answer_sessions_are_placed_on_both_media_nodes_and_reached_through_the_edge(edge_cluster) -> None:
    url, ca_file, servers = edge_cluster
    http = httpx.Client(base_url=url, verify=_trusting(ca_file), timeout=30)
    http.get("/login")
    headers = {"X-CSRF-Token": http.cookies["untact_csrf"]}
    assert http.post("/api/auth/signup", headers=headers, json={
        "email": "edge-nodes@example.kr", "password": "edge-pass-123", "display_name": "엣지", "role": "seeker",
    }).status_code == 201
    headers = {"X-CSRF-Token": http.cookies["untact_csrf"]}
    version = http.get("/api/practice/consent").json()["version"]
    http.post("/api/practice/consent", json={"version": version}, headers=headers).raise_for_status()

    def runner_config() -> dict:
        session = http.post("/api/practice/sessions", headers=headers, json={
            "source": "field", "field": "public_sector", "question_count": 1}).json()
        page = http.get(f"/practice/{session['id']}")
        found = re.search(r'id="practice-config">(.*?)</script>', page.text)
        assert page.status_code == 200 and found is not None
        return dict(json.loads(found.group(1)))

    configs = [runner_config(), runner_config()]
    # Placed on the two nodes, each at its own path of the one public address.
    paths = sorted(c["ws_url"].removeprefix(url.replace("https", "wss")).split("/ws/")[0] for c in configs)
    assert paths == ["/media/1", "/media/2"], [c["ws_url"] for c in configs]

    async def hello(config: dict) -> dict:
        async with websockets.connect(
            f"{config['ws_url']}?token={config['ws_token']}", ssl=_trusting(ca_file),
            additional_headers={"Origin": url},
        ) as socket:
            while True:
                message = json.loads(await asyncio.wait_for(socket.recv(), 20))
                if message["type"] == "hello":
                    return message

    for config in configs:
        assert asyncio.run(hello(config))["session_id"] == config["session_id"]
    # Each session was opened on the node it was placed on, through the edge's path for it.
    for config in configs:
        node = config["ws_url"].split("/media/")[1].split("/")[0]
        log = servers[node].log_path.read_text(errors="replace")
        assert f"/ws/practice/{config['session_id']}" in log, node
