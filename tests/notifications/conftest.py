"""A real SMTP server for the notification tests: aiosmtpd as its own process on loopback,
writing every message it accepts into a Maildir that the tests read back."""

from __future__ import annotations

import email
import email.policy
import mailbox
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from server.accounts.service import ensure_user
from server.core.db import session_scope
from server.models import Role
from tests.liveserver import free_port

PASSWORD = "notify-pass-123"


class SmtpServer:
    """`python -m aiosmtpd -n -l 127.0.0.1:PORT -c aiosmtpd.handlers.Mailbox DIR`, stoppable and
    restartable on the same port (to take the server down and bring it back)."""

    def __init__(self, maildir: Path, port: int, log_path: Path) -> None:
        self.maildir = maildir
        self.port = port
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert self.process is None
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}",
             "-c", "aiosmtpd.handlers.Mailbox", str(self.maildir)],
            stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"aiosmtpd exited: {self.log_path.read_text(errors='replace')}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    if sock.recv(100).startswith(b"220"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("aiosmtpd did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def messages(self) -> list[EmailMessage]:
        if not self.maildir.exists():
            return []
        box = mailbox.Maildir(self.maildir, factory=None, create=False)
        found = []
        for key in sorted(box.keys(), key=_arrival):
            with box.get_file(key) as handle:
                found.append(email.message_from_binary_file(handle, policy=email.policy.default))
        return found

    def wait_for(
        self, count: int, *, to: str | None = None, timeout_s: float = 30.0
    ) -> list[EmailMessage]:
        """The messages (to one address, if given) once at least `count` have arrived."""
        deadline = time.monotonic() + timeout_s
        while True:
            found = [m for m in self.messages() if to is None or to in str(m["To"])]
            if len(found) >= count or time.monotonic() > deadline:
                assert len(found) >= count, f"{len(found)} of {count} emails arrived: {[str(m['Subject']) for m in found]}"
                return found
            time.sleep(0.1)


def _arrival(key: str) -> tuple[int, int, str]:
    """Maildir names start with the delivery time: "<seconds>.M<microseconds>P<pid>…"."""
    seconds, _, rest = key.partition(".M")
    micros = rest.split("P", 1)[0]
    return (int(seconds), int(micros), key) if seconds.isdigit() and micros.isdigit() else (0, 0, key)


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[SmtpServer]:
    server = SmtpServer(tmp_path / "maildir", free_port(), tmp_path / "aiosmtpd.log")
    server.start()
    yield server
    server.stop()


def smtp_env(smtp_server: SmtpServer, base_url: str) -> dict[str, str]:
    """A live server's environment that sends its email to the test SMTP server, with links to
    `base_url` (start it with `start_live_server(..., smtp_env(smtp_server, base), port=port)`)."""
    return {
        "UNTACT_SMTP_HOST": "127.0.0.1",
        "UNTACT_SMTP_PORT": str(smtp_server.port),
        "UNTACT_SMTP_FROM": "언택트 <no-reply@untact.test>",
        "UNTACT_SMTP_STARTTLS": "false",
        "UNTACT_PUBLIC_BASE_URL": base_url,
    }


@pytest.fixture
def app_overrides(smtp_server: SmtpServer) -> dict[str, object]:
    """The app sends email to the test SMTP server (no TLS on loopback)."""
    return {
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_server.port,
        "smtp_from": "언택트 <no-reply@untact.test>",
        "smtp_starttls": False,
        "smtp_timeout_s": 5.0,
        "public_base_url": "http://untact.test",
    }


@pytest.fixture
def person(app_client, make_client) -> Callable[..., Any]:
    """`person(role, email, name)` -> a logged-in client; staff are created as admins do."""

    def make(role: str, address: str, name: str, company: str | None = None) -> Any:
        client = make_client()
        if role in ("seeker", "employer"):
            extra = {"company_name": company or "에이컴퍼니"} if role == "employer" else {}
            client.signup(role, address, password=PASSWORD, name=name, **extra)
        else:
            with session_scope(app_client.app.state.sessionmaker) as db:
                ensure_user(db, email=address, password=PASSWORD, role=Role(role), display_name=name)
            client.login(address, PASSWORD)
        return client

    return make


def parts(message: EmailMessage) -> dict[str, Any]:
    """The plain text, the HTML and the attachments of a notification email."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return {
        "text": text.get_content() if text is not None else "",
        "html": html.get_content() if html is not None else "",
        "attachments": list(message.iter_attachments()),
    }
