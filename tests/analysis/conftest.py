"""Fixtures for the analysis tests: one Whisper model per session, generated media with truth."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from analysis import AnalysisOptions, Report, analyze_file
from analysis.models import ModelPool, Transcriber
from tests import mediakit

ENGLISH_TEXT = (
    "Um, in my last job I worked at a small online shop. Our team had a problem with slow delivery, "
    "and customers were not happy. Uh, my task was to find the cause and fix it within one month. "
    "So I looked at every step of the order process, like, from payment to packing. "
    "I found that the packing list was printed only once a day. You know, I changed it to print every hour, "
    "and I trained the team to use the new list. Um, as a result, the delivery time went down from four days "
    "to two days, and, uh, the number of complaints fell by half."
)
ENGLISH_QUESTION = "Tell me about a problem you solved at work and what the result was."
# (after word index, seconds): after "month." and after "hour,"
ENGLISH_PAUSES = ((ENGLISH_TEXT.split().index("month."), 3.0), (ENGLISH_TEXT.split().index("hour,"), 3.0))
KOREAN_TEXT = (
    "저는 지난 회사에서 배송 문제를 맡았습니다. 당시 고객 불만이 많았습니다. "
    "그래서 주문 과정을 모두 분석했습니다. 그 결과 배송 시간이 절반으로 줄었습니다."
)
KOREAN_QUESTION = "업무에서 문제를 해결한 경험을 말씀해 주세요."

_NUMBERS = {"1": "one", "2": "two", "3": "three", "4": "four", "5": "five", "10": "ten"}


def normalize_words(text: str) -> list[str]:
    words = re.sub(r"[^a-z0-9' ]", " ", text.lower()).split()
    return [_NUMBERS.get(w, w) for w in words]


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Levenshtein distance over normalised words / reference length."""
    r, h = normalize_words(reference), normalize_words(hypothesis)
    d = list(range(len(h) + 1))
    for i in range(1, len(r) + 1):
        prev, d[0] = d[:], i
        for j in range(1, len(h) + 1):
            d[j] = min(prev[j] + 1, d[j - 1] + 1, prev[j - 1] + (r[i - 1] != h[j - 1]))
    return d[len(h)] / max(1, len(r))


@pytest.fixture(scope="session")
def model_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModelPool]:
    """One pool per test session; the base model is assembled into a temporary cache once."""
    pool = ModelPool(tmp_path_factory.mktemp("whisper-cache"))
    yield pool
    pool.clear()


@pytest.fixture(scope="session")
def transcriber(model_pool: ModelPool) -> Transcriber:
    return model_pool.get("base")


@pytest.fixture(scope="session")
def english_clip() -> mediakit.SpeechClip:
    return mediakit.speech_wav(ENGLISH_TEXT, words_per_minute=160, pauses=ENGLISH_PAUSES)


@dataclass(frozen=True)
class AnalysedAnswer:
    clip: mediakit.SpeechClip
    path: Path
    report: Report


@pytest.fixture(scope="session")
def english_answer(english_clip: mediakit.SpeechClip, model_pool: ModelPool) -> AnalysedAnswer:
    """The English answer (face looking at the camera, WebM) analysed once for many tests."""
    path = mediakit.answer_recording("facing", english_clip, fmt="webm")
    options = AnalysisOptions(
        question_text=ENGLISH_QUESTION,
        expected_keywords=("delivery", "customers", "budget"),
        answer_time_limit_s=60,
    )
    return AnalysedAnswer(english_clip, path, analyze_file(path, options, pool=model_pool))
