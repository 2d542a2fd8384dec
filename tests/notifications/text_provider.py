"""A centre's text-message provider as a test would plug one in: `UNTACT_TEXT_SENDER` names it.
It appends each message to the file named by UNTACT_TEST_TEXT_OUTBOX (a stand-in for the
provider's HTTP API, which a test cannot reach), or fails (retryably) while a ".down" file sits beside it."""

from __future__ import annotations

import json
import os
from pathlib import Path

from server.notifications.sms import TextMessageError


class OutboxTextSender:
    def __init__(self) -> None:
        self.outbox = Path(os.environ["UNTACT_TEST_TEXT_OUTBOX"])

    def send(self, phone: str, text: str) -> None:
        if self.outbox.with_suffix(".down").exists():
            raise TextMessageError("provider_unavailable", "the provider answered 503", retryable=True)
        with self.outbox.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"phone": phone, "text": text}, ensure_ascii=False) + "\n")
