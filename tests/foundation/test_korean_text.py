"""Korean text as people read it: particles that fit the word, dates with the weekday."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from server.core.i18n import resolve_particles, translate
from server.core.templating import format_when

pytestmark = pytest.mark.unit

SEOUL = ZoneInfo("Asia/Seoul")


@pytest.mark.parametrize(
    ("role", "shown"),
    [("구직자", "구직자로"), ("상담사", "상담사로"), ("기업 담당자", "기업 담당자로"), ("관리인", "관리인으로")],
)
def test_the_role_particle_fits_the_word(role: str, shown: str) -> None:
    text = translate("ko", "dashboard.signed_in_as", role=role)
    assert text.startswith(shown) and "(으)" not in text


def test_particles_follow_the_final_consonant() -> None:
    assert resolve_particles("서울(으)로 사람(이)가 책(을)를 밥(은)는 너(과)와") == "서울로 사람이 책을 밥은 너와"
    assert resolve_particles("바다(으)로 나무(이)가 차(을)를") == "바다로 나무가 차를"


def test_korean_dates_show_the_weekday_and_half_day() -> None:
    now = datetime(2026, 1, 10, tzinfo=SEOUL)
    moment = datetime(2026, 3, 5, 5, 0, tzinfo=UTC).astimezone(SEOUL)  # 14:00 in Seoul, a Thursday
    assert format_when(moment, "ko", now=now) == "3월 5일 (목) 오후 2:00"
    assert format_when(moment, "en", now=now) == "Thu 5 Mar, 2:00 PM"
    morning = datetime(2025, 12, 31, 9, 5, tzinfo=SEOUL)
    assert format_when(morning, "ko", now=now) == "2025년 12월 31일 (수) 오전 9:05"
    assert format_when(datetime(2026, 3, 5, 0, 30, tzinfo=SEOUL), "en", now=now) == "Thu 5 Mar, 12:30 AM"
