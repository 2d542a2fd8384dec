"""Review tests get a practice session with a real recording and its real analysis report,
inserted directly (no WebRTC needed)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from server.core.db import session_scope
from server.models import PracticeAnswer, PracticeSession
from tests import mediakit

ANSWER_TEXT = (
    "Um, at my last job I led a team of four. We had a tight deadline, so I planned weekly goals, "
    "and we delivered the project on time."
)


@dataclass(frozen=True)
class RecordedAnswer:
    path: Path
    report: dict[str, Any]


@pytest.fixture(scope="session")
def recorded_answer() -> RecordedAnswer:
    """A webm answer (face + espeak speech with a 3 s pause) and its real analysis."""
    from analysis import AnalysisOptions, analyze_file

    clip = mediakit.speech_wav(ANSWER_TEXT, words_per_minute=150, pauses=[(9, 3.0)])
    path = mediakit.answer_recording("facing", clip, fmt="webm")
    options = AnalysisOptions(question_text="Tell me about a time you led a team.", language="en")
    return RecordedAnswer(path, analyze_file(path, options).to_dict())


def insert_ready_answer(
    sessionmaker: Any, recordings_dir: Path, session_id: int, recorded: RecordedAnswer, *, question_index: int = 0
) -> tuple[int, Path]:
    """Adds an analysed answer to the session and puts its recording where the app keeps it."""
    with session_scope(sessionmaker) as db:
        session = db.get(PracticeSession, session_id)
        answer = PracticeAnswer(
            session_id=session_id,
            question_id=session.questions[question_index].id,
            status="ready",
            report=recorded.report,
            overall_score=recorded.report["scores"]["overall"]["score"],
            duration_s=recorded.report["duration_s"],
        )
        db.add(answer)
        db.flush()
        relative = f"practice/{session.seeker_id}/{session_id}/answer-{answer.id}.webm"
        answer.recording_path = relative
        target = recordings_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(recorded.path, target)
        return answer.id, target
