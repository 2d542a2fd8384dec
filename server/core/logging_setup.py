"""Structured (JSON lines) logging to stdout."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "color_message",
}


# Secrets that travel in URLs: share-link tokens in the path, room (and any other) tokens in the
# query. Access logs keep the first 4 characters, so two lines about one link can be matched.
_TOKEN_PATH = re.compile(r"(/shared/review/)([A-Za-z0-9_\-]{4})[A-Za-z0-9_\-]*")
_TOKEN_QUERY = re.compile(r"([?&](?:token|access_token|share_token|room_token)=)([^&\s\"']{0,4})[^&\s\"']*", re.I)


def redact_secrets(text: str) -> str:
    """The text with URL tokens cut to their first 4 characters and an ellipsis."""
    text = _TOKEN_PATH.sub(lambda m: f"{m.group(1)}{m.group(2)}…", text)
    return _TOKEN_QUERY.sub(lambda m: f"{m.group(1)}{m.group(2)}…", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": redact_secrets(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = redact_secrets(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
