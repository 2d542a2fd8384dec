"""Job To Job Visit and 기업 진단 tests: the app sends its claim emails to a real aiosmtpd on
loopback (tests/notifications/conftest.py), and the tests read the link from its Maildir."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest

from tests.careers.conftest import people, posting_body  # noqa: F401  (fixtures)
from tests.notifications.conftest import SmtpServer, parts, smtp_server  # noqa: F401

CONTACT = "hr@dongnae-bakery.kr"


@pytest.fixture
def app_overrides(smtp_server: SmtpServer) -> dict[str, object]:  # noqa: F811
    return {
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_server.port,
        "smtp_from": "언택트 <no-reply@untact.test>",
        "smtp_starttls": False,
        "smtp_timeout_s": 5.0,
        "public_base_url": "http://untact.test",
    }


def registration_body(**posting: Any) -> dict[str, Any]:
    return {
        "company": {"name": "동네빵집 주식회사", "industry": "식품 제조", "size": "small", "region": "부산 해운대구",
                    "description": "매일 아침 빵을 굽는 지역 베이커리"},
        "contact_name": "김사장",
        "contact_email": CONTACT,
        "posting": posting_body(title="제빵 보조 (신입)", field="it_dev", **posting),
    }


def claim_link(smtp: SmtpServer, count: int = 1, to: str = CONTACT) -> str:
    """The claim link of the `count`-th email to `to`, as the button in the HTML part has it."""
    mail = smtp.wait_for(count, to=to)[count - 1]
    [link] = [unescape(h) for h in re.findall(r'href="([^"]+)" data-testid="email-action"', parts(mail)["html"])]
    return link
