from __future__ import annotations

from typing import Any

import pytest

from tests import mediakit


@pytest.fixture(scope="session")
def real_report() -> dict[str, Any]:
    """A report from the real analysis of a short generated answer (face + espeak speech)."""
    from analysis import AnalysisOptions, analyze_file

    clip = mediakit.speech_wav(
        "Um, at my last job I led a team of four. We had a tight deadline, so I planned weekly goals, "
        "and we delivered the project on time.",
        words_per_minute=150,
        pauses=[(9, 3.0)],
    )
    path = mediakit.answer_recording("facing", clip, fmt="webm")
    options = AnalysisOptions(question_text="Tell me about a time you led a team.", language="en")
    return analyze_file(path, options).to_dict()
