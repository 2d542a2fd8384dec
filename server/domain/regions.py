"""Korean regions (시·도) with Korean/English spellings and the wider areas used for commuting fit."""

from __future__ import annotations

from dataclasses import dataclass

from server.domain.skills import skill_key
from server.domain.text import Language

__all__ = [
    "NATIONWIDE",
    "REGIONS",
    "REMOTE",
    "Region",
    "normalize_region",
    "region_display_name",
    "region_fit",
]

REMOTE = "remote"
NATIONWIDE = "nationwide"


@dataclass(frozen=True)
class Region:
    region_id: str
    name_ko: str
    name_en: str
    # Regions in the same area are usually reachable by a daily commute or a
    # short move (수도권, 충청권, ...), so they get partial credit.
    area: str
    aliases: tuple[str, ...]


REGIONS: tuple[Region, ...] = (
    Region("seoul", "서울", "Seoul", "capital", ("서울시", "서울특별시")),
    Region("incheon", "인천", "Incheon", "capital", ("인천시", "인천광역시")),
    Region("gyeonggi", "경기", "Gyeonggi", "capital", ("경기도", "gyeonggido", "gyeonggi-do")),
    Region("busan", "부산", "Busan", "southeast", ("부산시", "부산광역시")),
    Region("ulsan", "울산", "Ulsan", "southeast", ("울산시", "울산광역시")),
    Region("gyeongnam", "경남", "South Gyeongsang", "southeast", ("경상남도", "gyeongsangnamdo")),
    Region("daegu", "대구", "Daegu", "daegyeong", ("대구시", "대구광역시")),
    Region("gyeongbuk", "경북", "North Gyeongsang", "daegyeong", ("경상북도", "gyeongsangbukdo")),
    Region("daejeon", "대전", "Daejeon", "chungcheong", ("대전시", "대전광역시")),
    Region("sejong", "세종", "Sejong", "chungcheong", ("세종시", "세종특별자치시")),
    Region("chungbuk", "충북", "North Chungcheong", "chungcheong", ("충청북도", "chungcheongbukdo")),
    Region("chungnam", "충남", "South Chungcheong", "chungcheong", ("충청남도", "chungcheongnamdo")),
    Region("gwangju", "광주", "Gwangju", "honam", ("광주시", "광주광역시")),
    Region("jeonbuk", "전북", "North Jeolla", "honam", ("전라북도", "전북특별자치도", "jeollabukdo")),
    Region("jeonnam", "전남", "South Jeolla", "honam", ("전라남도", "jeollanamdo")),
    Region("gangwon", "강원", "Gangwon", "gangwon", ("강원도", "강원특별자치도", "gangwondo")),
    Region("jeju", "제주", "Jeju", "jeju", ("제주도", "제주특별자치도", "jejudo")),
    Region(REMOTE, "재택", "Remote", REMOTE, ("원격", "재택근무", "원격근무", "remotework", "wfh")),
    Region(NATIONWIDE, "전국", "Anywhere", NATIONWIDE, ("무관", "지역무관", "anywhere", "any")),
)

# Cities people often write without their province ("수원", "창원시 의창구").
_CITY_TO_REGION: dict[str, str] = {
    **dict.fromkeys(
        ("수원", "성남", "용인", "고양", "화성", "부천", "남양주", "안산", "평택", "안양", "시흥", "파주",
         "김포", "의정부", "광명", "하남", "오산", "군포", "이천", "양주", "구리", "안성", "포천", "의왕"),
        "gyeonggi",
    ),
    **dict.fromkeys(("춘천", "원주", "강릉", "속초", "동해"), "gangwon"),
    **dict.fromkeys(("청주", "충주", "제천", "음성", "진천"), "chungbuk"),
    **dict.fromkeys(("천안", "아산", "서산", "당진", "공주", "논산"), "chungnam"),
    **dict.fromkeys(("전주", "익산", "군산", "정읍", "완주"), "jeonbuk"),
    **dict.fromkeys(("목포", "여수", "순천", "광양", "나주"), "jeonnam"),
    **dict.fromkeys(("포항", "구미", "경주", "안동", "김천", "경산"), "gyeongbuk"),
    **dict.fromkeys(("창원", "김해", "진주", "양산", "거제", "통영", "사천"), "gyeongnam"),
    **dict.fromkeys(("서귀포",), "jeju"),
}  # fmt: skip

_BY_ID = {r.region_id: r for r in REGIONS}
_BY_KEY: dict[str, str] = {}
for _region in REGIONS:
    for _name in (_region.region_id, _region.name_ko, _region.name_en, *_region.aliases):
        _BY_KEY.setdefault(skill_key(_name), _region.region_id)

REGION_SAME_AREA_FIT = 0.6


def normalize_region(name: str) -> str:
    """Region id from "서울특별시 강남구", "Seoul" or "경기도 성남시"; unknown text gives "other:<key>"."""
    text = name.strip()
    if not text:
        return ""
    whole = skill_key(text)
    if whole in _BY_KEY:
        return _BY_KEY[whole]
    first_word = skill_key(text.split()[0])
    if first_word in _BY_KEY:
        return _BY_KEY[first_word]
    for key, region_id in _BY_KEY.items():
        if len(key) >= 2 and whole.startswith(key):
            return region_id
    for city, region_id in _CITY_TO_REGION.items():
        if first_word.startswith(city):
            return region_id
    return "other:" + whole


def region_display_name(region_id: str, language: Language = "ko") -> str:
    region = _BY_ID.get(region_id)
    if region is None:
        return region_id.removeprefix("other:")
    return region.name_ko if language == "ko" else region.name_en


def region_area(region_id: str) -> str:
    region = _BY_ID.get(region_id)
    return region.area if region is not None else region_id


def region_fit(desired_region_ids: tuple[str, ...], posting_region_id: str) -> float:
    """1.0 for a desired region, remote work or a seeker open to anywhere; 0.6 in the same area; else 0."""
    if (
        posting_region_id == REMOTE
        or NATIONWIDE in desired_region_ids
        or posting_region_id in desired_region_ids
    ):
        return 1.0
    posting_area = region_area(posting_region_id)
    if any(region_area(r) == posting_area for r in desired_region_ids):
        return REGION_SAME_AREA_FIT
    return 0.0
