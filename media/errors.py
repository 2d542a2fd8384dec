"""Typed errors raised by the media layer.

The server turns these into signalling error messages; nothing here knows
about HTTP or WebSockets.
"""

from __future__ import annotations


class MediaError(Exception):
    """A media-layer failure with a stable machine code and a human message.

    ``code`` is stable and safe to send to a client (e.g. ``"bad_sdp"``);
    ``message`` is English prose for logs and developer-facing UIs.
    ``retryable`` says whether the same request may succeed later.
    """

    def __init__(self, code: str, message: str, *, retryable: bool = False) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retryable = retryable
