"""Text messages (SMS, 카카오 알림톡): a small seam for a centre's own provider.

A provider is a class with `send(phone, text)`; `UNTACT_TEXT_SENDER` names it by dotted path
(`centre_sms.provider:AligoSender`). It is built once per worker with no arguments and reads
its own credentials. Raise `TextMessageError(code, message, retryable=...)` for a failure:
retryable ones are tried again with back-off. Without a provider, messages are only logged,
so a centre sees what would have been sent. See docs/notifications.md.
"""

from __future__ import annotations

import importlib
import logging
from typing import Protocol, runtime_checkable

from server.jobs.queue import JobFailed

log = logging.getLogger("untact.notifications.text")


class TextMessageError(JobFailed):
    """A provider's failure; `retryable` when a later try may go through (timeouts, 5xx)."""


@runtime_checkable
class TextMessageSender(Protocol):
    def send(self, phone: str, text: str) -> None:
        """Send `text` to a Korean mobile number given as digits ("01012345678")."""


class LoggingTextSender:
    """The default: writes the message to the log instead of sending it."""

    def send(self, phone: str, text: str) -> None:
        masked = phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"
        log.info("text message (no provider configured)", extra={"phone": masked, "text": text})


def load_text_sender(path: str) -> TextMessageSender:
    """The provider named by `UNTACT_TEXT_SENDER` (`module:Class` or `module.Class`), else the logger."""
    if not path.strip():
        return LoggingTextSender()
    module_name, sep, attribute = path.strip().partition(":")
    if not sep:
        module_name, _, attribute = path.strip().rpartition(".")
    if not module_name or not attribute:
        raise ValueError(f"UNTACT_TEXT_SENDER must be 'module:Class', got {path!r}")
    sender = getattr(importlib.import_module(module_name), attribute)()
    if not isinstance(sender, TextMessageSender):
        raise TypeError(f"{path} has no send(phone, text) method")
    return sender
