"""Synthetic labelled data for evaluating and benchmarking matching (see docs/benchmarks.md, "Matching").

Method, in short:
1. Every seeker and posting is drawn from *latent* attributes: a true job field,
   a set of true skills (canonical ids from that field's pool plus common
   skills), a home region, years of experience and education.
2. The *observed* records the matcher sees are a noisy rendering of those:
   skills are written in a random spelling (Korean name, English name or an
   alias such as "JS" or "지게차운전기능사"), some true skills are only mentioned
   in the career-history prose and some are not written down at all, 20% of
   seekers also list a second desired field, desired regions may add a
   neighbouring region, and posting duties are built from field phrases.
3. Graded relevance (0-3) comes from a rule on the latent attributes only
   (`true_relevance`), plus Gaussian noise. The matcher never sees the latent
   attributes, so spelling variants, hidden skills and the extra fields are
   exactly what it must see through.

Deterministic for a given seed (numpy Generator + sorted pools).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from server.domain.matching import JobPosting, SeekerProfile
from server.domain.questions import JOB_FIELDS
from server.domain.skills import all_skills

__all__ = [
    "LabelledSet",
    "LatentPosting",
    "LatentSeeker",
    "generate_labelled_set",
    "generate_postings",
    "true_relevance",
]

REGION_WEIGHTS: dict[str, float] = {
    "seoul": 0.25,
    "gyeonggi": 0.26,
    "incheon": 0.06,
    "busan": 0.07,
    "daegu": 0.05,
    "daejeon": 0.03,
    "gwangju": 0.03,
    "ulsan": 0.02,
    "sejong": 0.01,
    "gangwon": 0.03,
    "chungbuk": 0.03,
    "chungnam": 0.04,
    "jeonbuk": 0.03,
    "jeonnam": 0.03,
    "gyeongbuk": 0.05,
    "gyeongnam": 0.06,
    "jeju": 0.01,
}
REGION_KO = {
    "seoul": "서울특별시",
    "gyeonggi": "경기도",
    "incheon": "인천광역시",
    "busan": "부산광역시",
    "daegu": "대구광역시",
    "daejeon": "대전광역시",
    "gwangju": "광주광역시",
    "ulsan": "울산광역시",
    "sejong": "세종특별자치시",
    "gangwon": "강원특별자치도",
    "chungbuk": "충청북도",
    "chungnam": "충청남도",
    "jeonbuk": "전북특별자치도",
    "jeonnam": "전라남도",
    "gyeongbuk": "경상북도",
    "gyeongnam": "경상남도",
    "jeju": "제주특별자치도",
}
NEIGHBOURS = {
    "seoul": ("gyeonggi", "incheon"),
    "gyeonggi": ("seoul", "incheon"),
    "incheon": ("seoul", "gyeonggi"),
    "busan": ("ulsan", "gyeongnam"),
    "ulsan": ("busan", "gyeongnam"),
    "gyeongnam": ("busan", "ulsan"),
    "daegu": ("gyeongbuk",),
    "gyeongbuk": ("daegu",),
    "daejeon": ("sejong", "chungnam"),
    "sejong": ("daejeon", "chungbuk"),
    "chungbuk": ("sejong", "daejeon"),
    "chungnam": ("daejeon", "sejong"),
    "gwangju": ("jeonnam",),
    "jeonnam": ("gwangju",),
    "jeonbuk": ("gwangju",),
    "gangwon": ("gyeonggi",),
    "jeju": (),
}

TITLES: dict[str, tuple[str, ...]] = {
    "it_dev": (
        "백엔드 개발자",
        "프론트엔드 개발자",
        "웹 개발자",
        "데이터 분석가",
        "모바일 앱 개발자",
        "시스템 엔지니어",
    ),
    "office_admin": (
        "경영지원 사무원",
        "회계 담당자",
        "총무 담당",
        "인사 담당자",
        "무역 사무원",
        "사무 보조",
    ),
    "sales_service": (
        "매장 판매원",
        "고객상담원",
        "영업 사원",
        "호텔 프런트 직원",
        "온라인 쇼핑몰 운영자",
        "마케팅 담당",
    ),
    "manufacturing": (
        "생산직 사원",
        "품질관리 담당",
        "설비 보전 기사",
        "물류 센터 관리자",
        "CNC 가공원",
        "용접원",
    ),
    "public_sector": (
        "행정 지원 인력",
        "직업상담원",
        "사회복지 담당",
        "민원 안내원",
        "사업 운영 담당",
        "홍보 담당",
    ),
    "healthcare": ("병동 간호사", "간호조무사", "요양보호사", "원무 담당", "물리치료사", "임상병리사"),
}
DUTIES: dict[str, tuple[str, ...]] = {
    "it_dev": (
        "서비스 기능 개발과 유지보수",
        "API 설계와 데이터베이스 운영",
        "코드 리뷰와 테스트 자동화",
        "사내 시스템 개선",
        "데이터 수집과 분석 리포트 작성",
        "서버 모니터링과 장애 대응",
    ),
    "office_admin": (
        "전표 처리와 월 마감 지원",
        "문서 관리와 사내 행사 지원",
        "급여 및 4대보험 업무",
        "거래처 관리와 발주 업무",
        "보고서 작성과 자료 정리",
        "예산 집행 관리",
    ),
    "sales_service": (
        "매장 고객 응대와 상품 진열",
        "전화 상담과 불만 접수 처리",
        "신규 거래처 발굴과 계약 관리",
        "온라인 판매 채널 운영",
        "판매 실적 관리",
        "프로모션 기획과 운영",
    ),
    "manufacturing": (
        "생산 라인 운영과 작업 일지 작성",
        "제품 품질 검사와 불량 분석",
        "설비 점검과 예방 정비",
        "입출고 관리와 재고 실사",
        "작업장 안전 점검",
        "공정 개선 활동",
    ),
    "public_sector": (
        "민원 접수와 안내",
        "사업 계획 수립과 예산 정산",
        "대상자 상담과 사례 관리",
        "공문서 작성과 기록물 관리",
        "교육 프로그램 운영",
        "보도자료 작성과 홍보",
    ),
    "healthcare": (
        "입원 환자 간호와 투약 관리",
        "활력징후 측정과 기록",
        "환자 이동 보조와 위생 관리",
        "외래 접수와 보험 청구",
        "재활 치료 프로그램 운영",
        "검체 채취와 검사 결과 관리",
    ),
}
HISTORY_TEMPLATES = (
    "{company}에서 {years}년 동안 {duty} 업무를 담당했습니다.",
    "{duty} 업무를 하면서 {skill}을 꾸준히 활용했습니다.",
    "최근에는 {skill} 관련 교육을 이수했습니다.",
)
COMPANIES = (
    "중소 제조업체",
    "스타트업",
    "공공기관",
    "대형 병원",
    "유통 회사",
    "물류 회사",
    "지역 복지관",
    "IT 서비스 회사",
)


@dataclass(frozen=True)
class LatentSeeker:
    profile: SeekerProfile
    true_field: str
    true_skills: frozenset[str]
    home_region: str
    years: float


@dataclass(frozen=True)
class LatentPosting:
    posting: JobPosting
    required: frozenset[str]
    region: str
    min_years: float


@dataclass(frozen=True)
class LabelledSet:
    seekers: tuple[LatentSeeker, ...]
    postings: tuple[LatentPosting, ...]
    # grades[seeker_id][posting_id] in 0..3
    grades: dict[str, dict[str, int]]


def _field_pools() -> dict[str, tuple[str, ...]]:
    skills = all_skills()
    # Dictionary order puts each field's core skills first; draws favour them (see _draw_skills).
    return {f: tuple(s.skill_id for s in skills if s.field == f) for f in (*JOB_FIELDS, "common")}


def _spelling(skill_id: str, rng: np.random.Generator) -> str:
    """A random way a person might write this skill: Korean name, English name or a (multi-letter) alias."""
    options = _spellings()[skill_id]
    return options[int(rng.integers(len(options)))]


@lru_cache(maxsize=1)
def _spellings() -> dict[str, tuple[str, ...]]:
    return {s.skill_id: (s.name_ko, s.name_en, *[a for a in s.aliases if len(a) > 1]) for s in all_skills()}


def _pick_region(rng: np.random.Generator) -> str:
    names = list(REGION_WEIGHTS)
    p = np.array([REGION_WEIGHTS[n] for n in names])
    return names[int(rng.choice(len(names), p=p / p.sum()))]


def _draw_skills(
    field: str, n: int, pools: dict[str, tuple[str, ...]], rng: np.random.Generator
) -> list[str]:
    own = pools[field]
    # Zipf-like popularity: a field's postings and people share its core skills
    # (Python, Excel, forklift...) far more often than its niche ones.
    popularity = 1.0 / np.arange(1, len(own) + 1) ** 0.9
    chosen = list(rng.choice(own, size=min(n, len(own)), replace=False, p=popularity / popularity.sum()))
    if rng.random() < 0.5:
        chosen.append(str(rng.choice(pools["common"])))
    return [str(c) for c in dict.fromkeys(chosen)]


def _seeker(i: int, field: str, pools: dict[str, tuple[str, ...]], rng: np.random.Generator) -> LatentSeeker:
    true_skills = _draw_skills(field, int(rng.integers(4, 8)), pools, rng)
    listed, prose_only = [], []
    for skill_id in true_skills:
        r = rng.random()
        if r < 0.6:
            listed.append(_spelling(skill_id, rng))
        elif r < 0.9:
            prose_only.append(skill_id)
        # else: a real skill the seeker never wrote down
    years = float(np.round(min(15.0, rng.exponential(3.0)), 1))
    home = _pick_region(rng)
    regions = [REGION_KO[home]]
    if NEIGHBOURS[home] and rng.random() < 0.5:
        regions.append(REGION_KO[NEIGHBOURS[home][0]])
    desired_fields = [field]
    if rng.random() < 0.2:
        desired_fields.append(str(rng.choice([f for f in JOB_FIELDS if f != field])))
    duty = DUTIES[field][int(rng.integers(len(DUTIES[field])))]
    company = COMPANIES[int(rng.integers(len(COMPANIES)))]
    sentences = [HISTORY_TEMPLATES[0].format(company=company, years=max(1, round(years)), duty=duty)]
    for skill_id in prose_only:
        template = HISTORY_TEMPLATES[1 + int(rng.integers(2))]
        sentences.append(template.format(duty=duty, skill=_spelling(skill_id, rng)))
    salary = int(round((2_600 + 250 * years + rng.normal(0, 300)) / 100) * 100) * 10_000
    profile = SeekerProfile(
        seeker_id=f"seeker-{i:03d}",
        desired_fields=tuple(desired_fields),
        desired_regions=tuple(regions),
        desired_salary_krw_per_year=salary,
        career_years=years,
        education=str(rng.choice(["high_school", "college", "bachelor", "bachelor"])),
        skills=tuple(listed),
        career_history_text=" ".join(sentences),
    )
    return LatentSeeker(profile, field, frozenset(true_skills), home, years)


def _posting(
    i: int, field: str, pools: dict[str, tuple[str, ...]], rng: np.random.Generator
) -> LatentPosting:
    required = _draw_skills(field, int(rng.integers(2, 5)), pools, rng)
    preferred = [s for s in _draw_skills(field, int(rng.integers(1, 4)), pools, rng) if s not in required]
    min_years = float(rng.choice([0, 0, 1, 2, 3, 5]))
    region = _pick_region(rng)
    duties = [DUTIES[field][int(j)] for j in rng.choice(len(DUTIES[field]), size=2, replace=False)]
    base = 2_600 + 250 * min_years
    low = int(round(base + rng.normal(0, 200), -2)) * 10_000
    posting = JobPosting(
        posting_id=f"posting-{i:06d}",
        title=TITLES[field][int(rng.integers(len(TITLES[field])))],
        field=field,
        duties=", ".join(duties) + ". " + ", ".join(_spelling(s, rng) for s in required) + " 활용.",
        required_skills=tuple(_spelling(s, rng) for s in required),
        preferred_skills=tuple(_spelling(s, rng) for s in preferred),
        career_level="entry" if min_years == 0 else "experienced",
        min_career_years=min_years,
        max_career_years=None,
        education=str(rng.choice(["none", "high_school", "college", "bachelor"])),
        employment_type="full_time",
        region=REGION_KO[region] + " " + ("중구" if rng.random() < 0.5 else "북구"),
        salary_min_krw_per_year=low,
        salary_max_krw_per_year=low + int(rng.integers(3, 12)) * 1_000_000,
        openings=int(rng.integers(1, 4)),
    )
    return LatentPosting(posting, frozenset(required), region, min_years)


def true_relevance(seeker: LatentSeeker, posting: LatentPosting, noise: float) -> int:
    """Graded relevance from latent attributes only: 3 = strong fit, 2 = good, 1 = partial, 0 = poor.

    Compatibility = 0.40 x same true field + 0.35 x share of required skills the
    seeker truly has + 0.15 x region reachable (home or neighbouring region) +
    0.10 x enough experience (1 if years >= minimum, falling to 0 two years
    short), plus noise; cut at 0.80 / 0.62 / 0.40.
    """
    same_field = 1.0 if seeker.true_field == posting.posting.field else 0.0
    coverage = len(seeker.true_skills & posting.required) / max(1, len(posting.required))
    reachable = (
        1.0
        if posting.region == seeker.home_region or posting.region in NEIGHBOURS[seeker.home_region]
        else 0.0
    )
    experience = float(np.clip(1.0 - (posting.min_years - seeker.years) / 2.0, 0.0, 1.0))
    compatibility = 0.40 * same_field + 0.35 * coverage + 0.15 * reachable + 0.10 * experience + noise
    if compatibility >= 0.80:
        return 3
    if compatibility >= 0.62:
        return 2
    if compatibility >= 0.40:
        return 1
    return 0


def generate_labelled_set(*, n_seekers: int = 30, n_postings: int = 50, seed: int = 0) -> LabelledSet:
    """n_seekers x n_postings graded pairs; fields are spread evenly over both sides."""
    rng = np.random.default_rng(seed)
    pools = _field_pools()
    seekers = tuple(_seeker(i, JOB_FIELDS[i % len(JOB_FIELDS)], pools, rng) for i in range(n_seekers))
    postings = tuple(_posting(i, JOB_FIELDS[i % len(JOB_FIELDS)], pools, rng) for i in range(n_postings))
    grades = {
        s.profile.seeker_id: {
            p.posting.posting_id: true_relevance(s, p, float(rng.normal(0, 0.05))) for p in postings
        }
        for s in seekers
    }
    return LabelledSet(seekers, postings, grades)


def generate_postings(n: int, *, seed: int = 1) -> list[JobPosting]:
    """Many postings for the scale benchmark (fields cycle, everything else random)."""
    rng = np.random.default_rng(seed)
    pools = _field_pools()
    return [_posting(i, JOB_FIELDS[i % len(JOB_FIELDS)], pools, rng).posting for i in range(n)]


def generate_seekers(n: int, *, seed: int = 2) -> list[SeekerProfile]:
    rng = np.random.default_rng(seed)
    pools = _field_pools()
    return [_seeker(i, JOB_FIELDS[i % len(JOB_FIELDS)], pools, rng).profile for i in range(n)]
