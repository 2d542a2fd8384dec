"""Node roles (docs/scaling.md): real `untact serve --role ...` processes on loopback, sharing one
SQLite database the way API, media and worker nodes share PostgreSQL."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import websockets
from sqlalchemy import select

from server.core.config import load_settings
from server.core.db import make_engine, make_sessionmaker, migrate, session_scope
from server.jobs.kinds import JobKind
from server.jobs.queue import enqueue
from server.models import Job
from tests.liveserver import PROJECT_ROOT, LiveServer, start_live_server, stop_live_server
from tests.reliability.socket_clients import SocketTarget, next_message, practice_socket, room_socket

pytestmark = pytest.mark.unit


@pytest.fixture
def servers() -> Iterator[list[LiveServer]]:
    started: list[LiveServer] = []
    yield started
    for server in started:
        stop_live_server(server)


def test_an_api_node_and_a_media_node_split_pages_from_sockets(tmp_path: Path, servers) -> None:
    """One API node and one media node on one database: pages and tokens on the first, the
    practice and live-room sockets (and health) on the second only."""
    api = start_live_server(tmp_path, args=("--role", "api"), log_name="api.log")
    servers.append(api)
    media = start_live_server(tmp_path, {"UNTACT_ROLES": "media"}, args=(), log_name="media.log")
    servers.append(media)
    assert httpx.get(f"{api.base_url}/healthz").json()["roles"] == ["api"]
    assert httpx.get(f"{media.base_url}/healthz").json()["roles"] == ["media"]
    assert httpx.get(f"{api.base_url}/login").status_code == 200
    assert httpx.get(f"{api.base_url}/static/js/signalling.js").status_code == 200
    for path in ("/login", "/api/me", "/static/js/signalling.js"):
        assert httpx.get(f"{media.base_url}{path}").status_code == 404, path

    practice = practice_socket(api.base_url)  # signed up, consented and created on the API node
    room = room_socket(api.base_url)  # an interviewer's room grant from the API node

    def on(server: LiveServer, target: SocketTarget) -> tuple[str, dict[str, str]]:
        path = target.url.split("/", 3)[3]
        return f"{server.base_url.replace('http://', 'ws://')}/{path}", {**target.headers, "Origin": server.base_url}

    async def hello(url: str, headers: dict[str, str]) -> dict:
        async with websockets.connect(url, additional_headers=headers) as ws:
            return await next_message(ws, "hello")

    async def refused(url: str, headers: dict[str, str]) -> int:
        with pytest.raises(websockets.InvalidStatus) as exc:
            async with websockets.connect(url, additional_headers=headers):
                pass
        return int(exc.value.response.status_code)

    async def run() -> None:
        assert (await hello(*on(media, practice)))["session_id"] == practice.info["id"]
        assert (await hello(*on(media, room)))["state"] == "admitted"
        # The API node mounts no signalling socket: the handshake finds no route.
        assert await refused(*on(api, practice)) == 403
        assert await refused(*on(api, room)) == 403

    asyncio.run(run())
    practice.client.close()
    room.client.close()


def test_roles_combine_and_the_default_is_all_three(tmp_path: Path, servers) -> None:
    both = start_live_server(tmp_path / "both", args=("--role", "api", "--role", "media"))
    servers.append(both)
    assert httpx.get(f"{both.base_url}/healthz").json()["roles"] == ["api", "media"]
    assert httpx.get(f"{both.base_url}/login").status_code == 200
    assert load_settings().role_set == {"api", "media", "worker"}


def test_unknown_roles_are_refused_with_one_line(tmp_path: Path) -> None:
    env = {"UNTACT_DATA_DIR": str(tmp_path), "DATABASE_URL": "", "UNTACT_ROLES": "api,frontend"}
    result = subprocess.run(
        [sys.executable, "-m", "server.cli", "serve"], cwd=PROJECT_ROOT, capture_output=True, text=True,
        env={**__import__("os").environ, **env}, timeout=60,
    )
    assert result.returncode == 1 and "UNTACT_ROLES" in result.stderr and "Traceback" not in result.stderr


def test_a_worker_node_runs_jobs_without_serving_http(tmp_path: Path) -> None:
    import os

    engine = make_engine(f"sqlite:///{tmp_path / 'untact.db'}")
    migrate(engine)
    factory = make_sessionmaker(engine)
    with session_scope(factory) as db:
        job_id = enqueue(db, JobKind.PURGE_EXPIRED_SESSIONS, {}).id
    env = {
        **os.environ, "UNTACT_ENVIRONMENT": "test", "UNTACT_DATA_DIR": str(tmp_path), "DATABASE_URL": "",
        "UNTACT_JOB_POLL_INTERVAL_S": "0.2", "UNTACT_PREWARM_MODELS": "false",
    }
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve", "--role", "worker"],
            cwd=PROJECT_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )
        try:
            from tests.reliability.jobs_harness import wait_until

            def done() -> bool:
                with session_scope(factory) as db:
                    return db.scalar(select(Job.status).where(Job.id == job_id)) == "done"

            wait_until(done, 60, "the worker node to run the job")
            assert "waiting for jobs" in log_path.read_text()
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
    engine.dispose()


def test_placement_settings_are_checked_and_media_origins_reach_the_csp() -> None:
    from pydantic import ValidationError

    from server.core.security_headers import content_security_policy

    settings = load_settings(media_connect_src="wss://*.media.centre.kr, ws://127.0.0.1:*")
    assert settings.media_connect_sources == ("wss://*.media.centre.kr", "ws://127.0.0.1:*")
    csp = content_security_policy("n", "app.centre.kr", settings.media_connect_sources)
    connect = next(part for part in csp.split("; ") if part.startswith("connect-src"))
    assert connect == "connect-src 'self' ws://app.centre.kr wss://app.centre.kr wss://*.media.centre.kr ws://127.0.0.1:*"
    for bad in (
        {"media_connect_src": "'unsafe-inline'"},
        {"placement": "redis"},  # no Redis URL
        {"placement": "redis", "redis_url": "redis://r:6379/0", "roles": "media"},  # no public URL
        {"media_public_url": "http://media.centre.kr"},
        {"roles": ""},
    ):
        with pytest.raises(ValidationError):
            load_settings(**bad)
    api_only = load_settings(placement="redis", redis_url="redis://r:6379/0", roles="api")
    assert api_only.role_set == {"api"}


def test_only_a_media_node_builds_live_services_and_only_a_worker_node_runs_jobs(make_settings) -> None:
    from fastapi.testclient import TestClient

    from server.app import create_app

    seen = {}
    for roles in ("api", "media", "worker,api", "api,media,worker"):
        app = create_app(make_settings(roles=roles, data_dir=make_settings().data_dir / roles.replace(",", "-")))
        with TestClient(app):
            state = app.state
            seen[roles] = (
                state.live_capacity is not None, state.live_services is not None,
                state.interview_rooms is not None, state.worker is not None,
            )
    assert seen == {
        "api": (False, False, False, False),
        "media": (True, True, True, False),
        "worker,api": (False, False, False, True),
        "api,media,worker": (True, True, True, True),
    }
