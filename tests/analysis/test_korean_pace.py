"""Korean pace counts syllables as they are spoken, and the band applies to the net rate."""

from __future__ import annotations

import pytest

from analysis.options import KOREAN_BAND
from analysis.report import Word
from analysis.speech import count_syllables, find_pauses, measure_pace, sino_korean_syllables, text_syllables

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("word", "spoken", "syllables"),
    [
        ("2024년", "이천이십사 년", 6),
        ("SQL을", "에스큐엘을", 5),
        ("3,600만원", "삼천육백만 원", 6),
        ("1억", "일억", 2),
        ("10000원", "만 원", 2),
        ("1,000명", "천 명", 2),
        ("3.5%", "삼 점 오 퍼센트", 6),
        ("100%", "백 퍼센트", 4),
        ("5분", "오 분", 2),
        ("13시", "십삼 시", 3),
        ("3시", "세 시", 2),
        ("3시간", "세 시간", 3),
        ("2개", "두 개", 2),
        ("20살", "스무 살", 3),
        ("25살", "스물다섯 살", 5),
        ("10개월", "십 개월", 3),
        ("AI", "에이아이", 4),
        ("KPI를", "케이피아이를", 6),
        ("IT", "아이티", 3),
        ("010", "공일공", 3),
        ("가장", "가장", 2),
        ("인가요?", "인가요", 3),
    ],
)
def test_korean_tokens_are_counted_as_read_aloud(word: str, spoken: str, syllables: int) -> None:
    assert count_syllables(word, "ko") == syllables == len(spoken.replace(" ", ""))


def test_sino_korean_numbers() -> None:
    assert sino_korean_syllables(0) == 1  # 영
    assert sino_korean_syllables(11) == 2  # 십일
    assert sino_korean_syllables(2024) == 5  # 이천이십사
    assert sino_korean_syllables(110000) == 3  # 십일만
    assert sino_korean_syllables(100000000) == 2  # 일억
    assert sino_korean_syllables(36000000) == 5  # 삼천육백만


def test_whole_text_and_mixed_english() -> None:
    assert text_syllables("2024년에 SQL을 배웠습니다.") == 6 + 6 + 5  # 이천이십사년에 에스큐엘을 배웠습니다
    # English answers keep the vowel-group count
    assert count_syllables("delivery", "en") == 4


def test_korean_band_uses_the_net_rate() -> None:
    # 20 syllables spoken in 4 s of speech with a 2 s pause: 200/min net, 150/min gross
    words = [
        Word("안녕하세요", 0.0, 1.0, 0.9),
        Word("반갑습니다", 1.0, 2.0, 0.9),
        Word("저는", 4.0, 4.4, 0.9),
        Word("지원자입니다", 4.4, 5.4, 0.9),
        Word("감사합니다", 5.4, 6.0, 0.9),
    ]
    silences = [(2.0, 4.0)]
    pauses = find_pauses(words, silences, min_pause_s=0.35, long_pause_s=2.5)
    pace = measure_pace(words, "ko", pauses, KOREAN_BAND)
    assert pace.syllables_per_minute == pytest.approx(23 / 6.0 * 60, abs=0.1)
    assert pace.net_syllables_per_minute == pytest.approx(23 / 4.0 * 60, abs=0.1)
    assert pace.unit == "net_syllables_per_minute"
    assert pace.target_rate == pace.net_syllables_per_minute
    assert pace.in_target == (KOREAN_BAND.low <= pace.net_syllables_per_minute <= KOREAN_BAND.high)
