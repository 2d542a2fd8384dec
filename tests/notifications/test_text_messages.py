"""Text messages (SMS / 카카오 알림톡) through the provider seam: a centre's class named by
UNTACT_TEXT_SENDER gets the message after the commit, a retryable provider failure is tried
again, and without a provider the message is only logged (phone masked)."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from server.core.db import session_scope
from server.models import NotificationDelivery
from server.notifications.sms import LoggingTextSender, TextMessageSender, load_text_sender
from tests.notifications.text_provider import OutboxTextSender

pytestmark = pytest.mark.unit


@pytest.fixture
def outbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "outbox.jsonl"
    monkeypatch.setenv("UNTACT_TEST_TEXT_OUTBOX", str(path))
    return path


@pytest.fixture
def app_overrides(app_overrides: dict[str, object], outbox: Path) -> dict[str, object]:
    return {**app_overrides, "text_sender": "tests.notifications.text_provider:OutboxTextSender"}


def _sent(outbox: Path, count: int, timeout_s: float = 30) -> list[dict[str, str]]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        lines = outbox.read_text(encoding="utf-8").splitlines() if outbox.exists() else []
        if len(lines) >= count:
            return [json.loads(line) for line in lines]
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} text messages were sent")


def test_a_centres_provider_sends_the_text_and_a_failure_is_retried(app_client, person, smtp_server, outbox) -> None:
    employer = person("employer", "boss@a.kr", "김면접", company="에이컴퍼니")
    seeker = person("seeker", "seeker@x.kr", "이구직")
    assert seeker.send_json("PUT", "/api/notifications/preferences", {
        "email": False, "text": True, "phone": "010-1234-5678"}).status_code == 200
    created = employer.send_json("POST", "/api/interviews/invitations", {
        "seeker_email": "seeker@x.kr", "kind": "live", "scheduled_at": "2030-03-02T14:00:00", "title": "백엔드 면접"})
    assert created.status_code == 201
    [message] = _sent(outbox, 1)
    assert message["phone"] == "01012345678"
    assert message["text"] == (
        "에이컴퍼니에서 화상 면접에 초대했습니다: 백엔드 면접, 2030년 3월 2일 (토) 오후 2:00 "
        f"http://untact.test/interviews/{created.json()['id']}"
    )

    outbox.with_suffix(".down").touch()  # the provider answers 503
    employer.send_json("POST", "/api/interviews/invitations", {
        "seeker_email": "seeker@x.kr", "kind": "live", "scheduled_at": "2030-04-02T14:00:00", "title": "2차 면접"})
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with session_scope(app_client.app.state.sessionmaker) as db:
            failing = db.scalars(select(NotificationDelivery).where(NotificationDelivery.last_error_code.is_not(None))).all()
        if failing:
            break
        time.sleep(0.1)
    assert [(d.channel, d.status, d.last_error_code) for d in failing] == [("text", "queued", "provider_unavailable")]
    outbox.with_suffix(".down").unlink()
    messages = _sent(outbox, 2)
    assert "2차 면접" in messages[1]["text"] and len(messages) == 2
    assert smtp_server.messages() == []  # email is off for this person


def test_without_a_provider_text_messages_are_logged_with_the_number_masked(caplog: pytest.LogCaptureFixture) -> None:
    sender = load_text_sender("")
    assert isinstance(sender, LoggingTextSender) and isinstance(sender, TextMessageSender)
    with caplog.at_level(logging.INFO, logger="untact.notifications.text"):
        sender.send("01012345678", "면접 알림")
    [record] = caplog.records
    assert record.phone == "010****5678" and record.text == "면접 알림"  # type: ignore[attr-defined]


def test_a_provider_is_named_by_its_dotted_path(outbox: Path) -> None:
    assert isinstance(load_text_sender("tests.notifications.text_provider:OutboxTextSender"), OutboxTextSender)
    assert isinstance(load_text_sender("tests.notifications.text_provider.OutboxTextSender"), OutboxTextSender)
    with pytest.raises(ModuleNotFoundError):
        load_text_sender("centre_sms.nowhere:Sender")
    with pytest.raises(TypeError, match="send"):
        load_text_sender("pathlib:PurePath")
