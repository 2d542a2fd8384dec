"""The columns every recorded answer has, whatever it answers (practice, one-way interviews).

A feature's answer table is `class XAnswer(RecordedAnswer, Base)` plus its own foreign keys
(the scope it belongs to, and `question_id`); `server/answers/` works on these columns only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.core.db import UTCDateTime, utcnow

ANSWER_STATUSES = ("recording", "analyzing", "ready", "failed")


class RecordedAnswer:
    """One recorded attempt at a question; retakes are further rows for the same question."""

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="recording")  # ANSWER_STATUSES
    recording_path: Mapped[str | None] = mapped_column(String(500), default=None)
    duration_s: Mapped[float | None] = mapped_column(Float, default=None)
    partial: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    report: Mapped[dict[str, object] | None] = mapped_column(JSON, default=None)
    overall_score: Mapped[float | None] = mapped_column(Float, default=None)
    error_code: Mapped[str | None] = mapped_column(String(64), default=None)
    # The app process (`process_heartbeats.instance_id`) recording or analysing this answer
    # live; recovery leaves the answer alone while that process is alive.
    owner_instance: Mapped[str | None] = mapped_column(String(128), default=None)
