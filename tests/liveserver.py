"""Start and stop the real server (`untact serve`) on a free port: for tests and benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    base_url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_live_server(
    data_dir: Path, extra_env: dict[str, str] | None = None, *, port: int | None = None,
    args: tuple[str, ...] = ("--seed-demo",), log_name: str = "server.log",
) -> LiveServer:
    """`port` lets a caller put the server's own address in its environment first
    (UNTACT_PUBLIC_BASE_URL, for links in emails); `args` go after `serve --port N` (e.g.
    `--role media`); several servers on one data directory need their own `log_name`."""
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "UNTACT_ENVIRONMENT": "test",
        "UNTACT_DATA_DIR": str(data_dir),
        "UNTACT_LOG_LEVEL": "INFO",
        "DATABASE_URL": "",
        # Every person the tests sign up comes from 127.0.0.1, like a whole centre behind one
        # address: the per-address sign-up cap would turn the session's later sign-ups away.
        "UNTACT_SIGNUP_MAX_PER_ADDRESS": "100000",
        "UNTACT_TEST_HOOKS": "true",  # page state on `window` for the browser tests
        **(extra_env or {}),
    }
    log_path = data_dir / log_name
    log_file = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port), *args],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log_path.read_text(errors='replace')}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return LiveServer(base_url, data_dir, process, log_path)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"server did not become healthy:\n{log_path.read_text(errors='replace')}")


def stop_live_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()




class LiveApi:
    """A person's JSON API over real HTTP to a live server, with the CSRF header the app's
    scripts send. `call` asserts success and returns the JSON body."""

    def __init__(self, base: str) -> None:
        self.client = httpx.Client(base_url=base, timeout=30)
        self.client.get("/healthz")

    def call(self, method: str, url: str, body: object | None = None) -> dict:
        token = self.client.cookies.get("untact_csrf") or ""
        response = self.client.request(method, url, json=body, headers={"X-CSRF-Token": token})
        assert response.status_code < 300, response.text
        return response.json() if response.content else {}
