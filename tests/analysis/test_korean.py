"""A Korean answer runs end to end: Hangul transcript and syllable-based pace.

espeak-ng's Korean voice is poor, so this checks the pipeline, not transcription accuracy."""

from __future__ import annotations

import pytest

from analysis import AnalysisOptions, analyze_file
from analysis.models import ModelPool
from analysis.speech import text_syllables
from tests import mediakit
from tests.analysis.conftest import KOREAN_QUESTION, KOREAN_TEXT

pytestmark = [pytest.mark.model, pytest.mark.media]


def _hangul(text: str) -> int:
    return sum("\uac00" <= ch <= "\ud7a3" for ch in text)


@pytest.fixture(scope="module")
def korean_report(model_pool: ModelPool):  # type: ignore[no-untyped-def]
    clip = mediakit.speech_wav(KOREAN_TEXT, voice="ko", words_per_minute=150)
    path = mediakit.answer_recording("facing", clip, fmt="webm")
    return clip, analyze_file(
        path, AnalysisOptions(question_text=KOREAN_QUESTION, language="ko"), pool=model_pool
    )


def test_korean_answer_gives_hangul_text_and_syllable_pace(korean_report) -> None:  # type: ignore[no-untyped-def]
    clip, report = korean_report
    print("Korean transcript:", report.transcript.text)
    assert report.language == "ko"
    # Whatever Whisper makes of espeak's Korean, every voiced second is transcribed: the words run
    # from the start of the speech to its end (no decoder pass that ends its window early).
    assert _hangul(report.transcript.text) >= 0.5 * _hangul(KOREAN_TEXT)
    assert report.transcript.words[0].start_s <= clip.speech_start_s + 1.0
    assert report.transcript.words[-1].end_s >= clip.speech_end_s - 1.5
    pace = report.pace
    assert pace.unit == "net_syllables_per_minute"  # the band applies to the rate without pauses
    assert pace.target_provisional is False
    # syllables per minute counts the transcript's syllables as read aloud over the speech span
    syllables = text_syllables(report.transcript.text)
    assert pace.syllables_per_minute == pytest.approx(syllables / pace.speech_duration_s * 60, rel=0.05)
    truth_spm = _hangul(KOREAN_TEXT) / clip.speech_duration_s * 60
    print(f"syllables/min measured {pace.syllables_per_minute} vs spoken {truth_spm:.0f}")
    assert 0.5 * truth_spm <= pace.syllables_per_minute <= 1.5 * truth_spm
    assert "음절/분" in report.scores.delivery.explanation_ko
    assert report.scores.delivery.explanation == report.scores.delivery.explanation_ko
