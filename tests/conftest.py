"""Shared test harness: databases (SQLite and PostgreSQL), the app in-process, the real
server on a free port, and Debian's Chromium driven by Playwright with fake media."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

PROJECT_ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("UNTACT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
CHROMIUM = os.environ.get("UNTACT_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS_DIR = PROJECT_ROOT / "test-artifacts"
CHROMIUM_BASE_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]


# --------------------------------------------------------------------------- databases


def _postgres_unavailable_reason() -> str | None:
    try:
        import psycopg

        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return None
    except Exception as exc:
        return f"PostgreSQL at {POSTGRES_URL} is unreachable: {exc}"


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh database for this test run on the real server, dropped afterwards."""
    reason = _postgres_unavailable_reason()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI must run the PostgreSQL tests)")
        pytest.skip(reason)
    import psycopg

    name = f"untact_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = POSTGRES_URL.rpartition("/")
    yield f"{base}/{name}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Every DB test runs twice: on a SQLite file and on a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'untact.db'}"
        return
    import psycopg

    database = request.getfixturevalue("postgres_database")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield f"{database}?options=-csearch_path%3D{schema}"
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


# --------------------------------------------------------------------------- app in-process


class ApiClient(TestClient):
    """TestClient that echoes the CSRF cookie like the app's own scripts do."""

    def csrf(self) -> str:
        token = self.cookies.get("untact_csrf")
        if token is None:
            self.get("/healthz")
            token = self.cookies.get("untact_csrf")
        assert token
        return token

    def send_json(self, method: str, url: str, body: object | None = None) -> httpx.Response:
        return self.request(method, url, json=body, headers={"X-CSRF-Token": self.csrf()})

    def login(self, email: str, password: str) -> httpx.Response:
        response = self.send_json("POST", "/api/auth/login", {"email": email, "password": password})
        assert response.status_code == 200, response.text
        return response

    def signup(self, role: str, email: str, password: str = "correct-horse-1", **extra: str) -> dict:
        body = {"email": email, "password": password, "display_name": extra.pop("name", "테스트"), "role": role}
        body.update(extra)
        response = self.send_json("POST", "/api/auth/signup", body)
        assert response.status_code == 201, response.text
        return response.json()


@pytest.fixture
def make_settings(tmp_path: Path, database_url: str) -> Callable[..., object]:
    from server.core.config import Settings

    def factory(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "environment": "test",
            "database_url": database_url,
            "data_dir": tmp_path / "data",
            "log_level": "WARNING",
            "prewarm_models": False,
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    return factory


@pytest.fixture
def app_overrides() -> dict[str, object]:
    """Settings for `app_client` on top of the test defaults; a test package overrides this
    fixture (tests/notifications/ points the app at its SMTP server)."""
    return {}


@pytest.fixture
def app_client(make_settings: Callable[..., object], app_overrides: dict[str, object]) -> Iterator[ApiClient]:
    from server.app import create_app

    app = create_app(make_settings(**app_overrides))  # type: ignore[arg-type]
    with ApiClient(app, base_url="http://testserver", raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def make_client(app_client: ApiClient) -> Callable[[], ApiClient]:
    """More clients (separate cookie jars) on the same running app."""
    clients: list[ApiClient] = []

    def factory() -> ApiClient:
        client = ApiClient(app_client.app, base_url="http://testserver", raise_server_exceptions=False)
        clients.append(client)
        return client

    return factory


# --------------------------------------------------------------------------- real server

from tests.liveserver import LiveServer, start_live_server, stop_live_server  # noqa: E402


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real server (`untact serve`) on a free port, with SQLite and demo accounts."""
    server = start_live_server(tmp_path_factory.mktemp("live-server"))
    yield server
    stop_live_server(server)


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="module")
def playwright_instance() -> Iterator[object]:
    # Module scope, not session: Playwright's sync API keeps its event loop marked as running in
    # this thread while it is started, and asyncio.run() or pytest-asyncio in later modules
    # would then refuse to start theirs.
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run ./scripts/setup.sh --test")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture
def launch_chromium(playwright_instance: object, tmp_path: Path) -> Iterator[Callable[..., object]]:
    """Launch Debian's Chromium with a fake camera/microphone fed from files.

    `launch_chromium(video=path_to_y4m, audio=path_to_wav)`; with neither, Chromium's
    built-in test pattern and beep are used.
    """
    browsers: list[object] = []

    def launch(video: Path | None = None, audio: Path | None = None, extra_args: list[str] | None = None):
        args = list(CHROMIUM_BASE_FLAGS)
        if video is not None:
            args.append(f"--use-file-for-fake-video-capture={video}")
        if audio is not None:
            args.append(f"--use-file-for-fake-audio-capture={audio}")
        args += extra_args or []
        browser = playwright_instance.chromium.launch(  # type: ignore[attr-defined]
            executable_path=CHROMIUM, headless=True, args=args
        )
        browsers.append(browser)
        return browser

    yield launch
    for browser in browsers:
        browser.close()  # type: ignore[attr-defined]


def login_in_browser(page: object, base_url: str, email: str, password: str) -> None:
    """Log in through the Korean login page, as a person would, and land on the dashboard."""
    page.goto(base_url + "/login")  # type: ignore[attr-defined]
    page.get_by_label("이메일").fill(email)  # type: ignore[attr-defined]
    page.get_by_label("비밀번호").fill(password)  # type: ignore[attr-defined]
    page.get_by_role("button", name="로그인").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/dashboard")  # type: ignore[attr-defined]


def screenshot(page: object, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ for people to look at."""
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    path = ARTIFACTS_DIR / f"{re.sub(r'[^a-zA-Z0-9_-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
