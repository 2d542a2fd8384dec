"""Notifications through channels: in-app, email (SMTP), text messages (SMS / 카카오 알림톡).

`notify()` is the one call every event makes; see docs/notifications.md.
"""

from server.notifications.service import Attachment, notify

__all__ = ["Attachment", "notify"]
