"""Session totals and the progress series across a seeker's practice sessions."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from statistics import mean
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import PracticeAnswer, PracticeSession, User

SCORE_KEYS = ("overall", "delivery", "gaze", "content")


@dataclass(frozen=True)
class SessionTotals:
    session_id: int
    title: str
    created_at: datetime
    answered_questions: int
    total_questions: int
    total_speaking_s: float
    scores: dict[str, float | None]
    words_per_minute: float | None
    fillers: int
    long_pauses: int
    eye_contact_ratio: float | None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        return data


def latest_ready_answers(session: PracticeSession) -> list[PracticeAnswer]:
    """The last finished attempt of each question: retakes replace earlier tries in totals."""
    latest: dict[int, PracticeAnswer] = {}
    for answer in session.answers:
        if answer.status == "ready" and answer.report is not None:
            current = latest.get(answer.question_id)
            if current is None or answer.attempt > current.attempt:
                latest[answer.question_id] = answer
    return [latest[q.id] for q in session.questions if q.id in latest]


def _avg(values: list[float]) -> float | None:
    return round(mean(values), 1) if values else None


def session_totals(session: PracticeSession) -> SessionTotals:
    answers = latest_ready_answers(session)
    reports: list[dict[str, Any]] = [a.report for a in answers if a.report]
    scores: dict[str, float | None] = {}
    for key in SCORE_KEYS:
        values = [r["scores"][key]["score"] for r in reports if r["scores"][key]["score"] is not None]
        scores[key] = _avg([float(v) for v in values])
    wpm = [float(r["pace"]["words_per_minute"]) for r in reports if r["pace"]["words_per_minute"] is not None]
    eye = [
        float(r["gaze"]["eye_contact_ratio"]) for r in reports if r["gaze"]["eye_contact_ratio"] is not None
    ]
    return SessionTotals(
        session_id=session.id,
        title=session.title,
        created_at=session.created_at,
        answered_questions=len(answers),
        total_questions=len(session.questions),
        total_speaking_s=round(sum(float(r["duration_s"]) for r in reports), 1),
        scores=scores,
        words_per_minute=_avg(wpm),
        fillers=sum(int(r["fillers"]["count"]) for r in reports),
        long_pauses=sum(int(r["pauses"]["long_count"]) for r in reports),
        eye_contact_ratio=round(mean(eye), 3) if eye else None,
    )


def progress_points(db: Session, seeker: User) -> list[SessionTotals]:
    """Totals of every session with at least one analysed answer, oldest first."""
    sessions = db.scalars(
        select(PracticeSession)
        .where(PracticeSession.seeker_id == seeker.id)
        .order_by(PracticeSession.created_at)
    ).all()
    return [t for t in (session_totals(s) for s in sessions) if t.answered_questions > 0]
