"""Pure functions: content scoring of plain text (reused for cover letters), syllables, fillers,
pauses and pace from word timings."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.content import score_text_content
from analysis.options import ENGLISH_BAND, KOREAN_BAND
from analysis.report import Word
from analysis.speech import count_syllables, energy_silences, find_fillers, find_pauses, measure_pace

pytestmark = pytest.mark.unit

EN_STAR = (
    "When I was at my previous company, our checkout page was slow. My task was to cut the load time. "
    "I analyzed the requests and I introduced caching. As a result, the page became 40% faster."
)
KO_STAR = (
    "이전 회사에 근무하던 당시 결제 페이지가 느렸습니다. 제 역할은 로딩 시간을 줄이는 것이었습니다. "
    "이를 해결하기 위해 요청을 분석하여 캐시를 도입했습니다. 그 결과 속도가 40% 향상되었습니다."
)


def test_star_markers_in_english_and_korean() -> None:
    for text, lang in ((EN_STAR, "en"), (KO_STAR, "ko")):
        result = score_text_content(text, "Tell me about a performance problem you fixed.", None, (), lang)
        assert all(result.star[p] is not None for p in ("situation", "task", "action", "result")), result.star
    flat = score_text_content("I like dogs and cats.", "Tell me about a problem you fixed.", None, (), "en")
    assert all(v is None for v in flat.star.values())
    assert flat.score < 30


def test_relevance_is_higher_on_topic_than_off_topic() -> None:
    question = "How did you improve the performance of the checkout page?"
    on = score_text_content(EN_STAR, question, None, (), "en")
    off = score_text_content(
        "I enjoy hiking in the mountains with my family every weekend.", question, None, (), "en"
    )
    assert on.relevance > off.relevance + 0.3
    ko_q = "결제 페이지의 로딩 속도 문제를 어떻게 해결했나요?"
    ko_on = score_text_content(KO_STAR, ko_q, None, (), "ko")
    ko_off = score_text_content("주말에는 가족과 함께 산에 가는 것을 좋아합니다.", ko_q, None, (), "ko")
    assert ko_on.relevance > ko_off.relevance + 0.3


def test_keyword_coverage_and_job_relevance() -> None:
    result = score_text_content(
        KO_STAR,
        "성과를 낸 경험을 말해 주세요.",
        "백엔드 개발자: 캐시와 성능 최적화 경험 우대",
        ("캐시", "성능", "쿠버네티스"),
        "ko",
    )
    assert result.keywords_found == ("캐시",)  # "캐시를" still counts: particles are ignored
    assert result.keywords_missing == ("성능", "쿠버네티스")
    assert result.keyword_coverage == pytest.approx(1 / 3, abs=1e-3)
    assert result.job_relevance is not None and result.job_relevance > 0


def test_length_fit_against_time_limit() -> None:
    short = score_text_content(EN_STAR, "q", None, (), "en", duration_s=20.0, time_limit_s=90.0)
    assert short.length_fit == "too_short"
    assert (
        score_text_content(EN_STAR, "q", None, (), "en", duration_s=80, time_limit_s=90).length_fit == "fits"
    )
    assert (
        score_text_content(EN_STAR, "q", None, (), "en", duration_s=100, time_limit_s=90).length_fit
        == "too_long"
    )


def test_syllable_counts() -> None:
    assert count_syllables("안녕하세요,", "ko") == 5
    assert count_syllables("delivery", "en") == 4
    assert count_syllables("time", "en") == 1
    assert count_syllables("shipped", "en") == 1
    assert count_syllables("the", "en") == 1


def _words(spec: list[tuple[str, float, float]]) -> list[Word]:
    return [Word(w, s, e, 0.9) for w, s, e in spec]


def test_fillers_english_and_korean_with_context() -> None:
    en = _words([("Um,", 0.0, 0.3), ("I", 0.4, 0.5), ("like", 0.5, 0.7), ("pizza,", 0.7, 1.0), ("like,", 1.2, 1.4),
                 ("you", 1.5, 1.6), ("know", 1.6, 1.8), ("the", 1.9, 2.0), ("uh", 2.1, 2.3), ("thing.", 2.4, 2.8)])  # fmt: skip
    assert [(f.word, f.start_s) for f in find_fillers(en, "en")] == [
        ("um", 0.0),
        ("like", 1.2),
        ("you know", 1.5),
        ("uh", 2.1),
    ]
    ko = _words([("음,", 0.0, 0.5), ("그", 0.9, 1.0), ("사람이", 1.0, 1.4), ("그", 1.45, 1.6), ("그", 1.6, 1.75),
                 ("이제", 1.8, 2.0), ("뭐", 2.4, 2.55), ("했습니다", 2.55, 3.1)])  # fmt: skip
    # "음" is lengthened and followed by a pause; "그 사람이" is a determiner; "그 그" is repeated;
    # "이제" and "뭐" are ordinary words here: a pause alone is no evidence (see test_korean_fillers.py)
    assert [f.word for f in find_fillers(ko, "ko")] == ["음", "그", "그"]


def test_pauses_from_audio_energy_and_pace_from_words() -> None:
    sr = 16000
    rng = np.random.default_rng(0)
    tone = lambda s: (0.3 * np.sin(2 * np.pi * 220 * np.arange(int(s * sr)) / sr)).astype(np.float32)  # noqa: E731
    audio = np.concatenate(
        [tone(2.0), np.zeros(3 * sr, np.float32), tone(2.0), np.zeros(int(0.5 * sr), np.float32), tone(1.0)]
    )
    audio += (rng.standard_normal(audio.size) * 1e-4).astype(np.float32)
    silences = energy_silences(audio, sr, min_s=0.35)
    assert [(round(s, 2), round(e, 2)) for s, e in silences] == [(2.0, 5.0), (7.0, 7.5)]
    words = _words(
        [("one", 0.0, 1.0), ("two", 1.0, 2.0), ("three", 5.0, 6.0), ("four", 6.0, 7.0), ("five", 7.5, 8.5)]
    )
    pauses = find_pauses(words, silences, min_pause_s=0.35, long_pause_s=2.5)
    assert pauses.count == 2 and pauses.long_count == 1
    assert (pauses.items[0].start_s, pauses.items[0].end_s) == (2.0, 5.0)
    pace = measure_pace(words, "en", pauses, ENGLISH_BAND)
    assert pace.words_per_minute == pytest.approx(5 / 8.5 * 60, abs=0.1)
    assert pace.net_words_per_minute == pytest.approx(5 / 5.0 * 60, abs=0.1)
    assert pace.in_target is False
    ko_pace = measure_pace(
        _words([("안녕하세요", 0.0, 1.0), ("반갑습니다", 1.0, 2.0)]),
        "ko",
        find_pauses([], [], min_pause_s=0.35, long_pause_s=2.5),
        KOREAN_BAND,
    )
    assert ko_pace.syllables_per_minute == pytest.approx(10 / 2 * 60)
    assert ko_pace.net_syllables_per_minute == pytest.approx(10 / 2 * 60)
    assert ko_pace.unit == "net_syllables_per_minute" and not ko_pace.target_provisional
