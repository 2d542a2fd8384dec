"""What every kind of recorded answer shows of itself in JSON: one shape for practice,
one-way interviews and the consultant's review."""

from __future__ import annotations

from typing import Any


def answer_summary(answer: Any) -> dict[str, Any]:
    """An answer row (`RecordedAnswer` columns) as JSON: status, scores and flags, no report."""
    report: dict[str, Any] = dict(answer.report or {})
    return {
        "id": answer.id,
        "question_id": answer.question_id,
        "attempt": answer.attempt,
        "status": answer.status,
        "duration_s": answer.duration_s,
        "partial": answer.partial,
        "overall": answer.overall_score,
        "scores": {k: (v or {}).get("score") for k, v in report.get("scores", {}).items()},
        "flags": report.get("flags", []),
        "error_code": answer.error_code,
    }
