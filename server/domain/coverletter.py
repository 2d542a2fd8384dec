"""Automatic cover-letter feedback (journey step 2): length, structure, keywords, clichés and STAR.

Korean job sites count characters both with and without spaces (공백 포함 / 공백
제외), so both are reported; a line break counts as one character. STAR markers
come from `analysis.content.find_star`, the same detector the interview
analysis uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from analysis.content import find_star
from server.domain.errors import DomainError
from server.domain.questionnaire import load_questionnaire
from server.domain.questions import extract_posting_keywords
from server.domain.skills import find_skills_in_text
from server.domain.text import content_words, normalize_text

__all__ = [
    "CharacterCount",
    "ClicheHit",
    "CoverLetterFeedback",
    "Finding",
    "count_characters",
    "review_cover_letter",
]

MAX_COVER_LETTER_CHARS = 20_000
TOO_SHORT_RATIO = 0.6
SHORT_RATIO = 0.85
LONG_PARAGRAPH_CHARS = 700
LONG_SENTENCE_CHARS = 150
HEADINGS_ADVISED_FROM_CHARS = 800

_OPENING_WORDS = (
    "지원",
    "동기",
    "관심",
    "이유",
    "강점",
    "목표",
    "apply",
    "applying",
    "interest",
    "because",
    "position",
    "role",
)
_CLOSING_WORDS = ("입사 후", "입사하면", "기여", "포부", "성장", "되겠습니다", "하겠습니다", "목표",
                  "contribute", "look forward", "future", "goal", "grow", "would welcome")  # fmt: skip
_HEADING_RE = re.compile(r"^\s*(\[[^\]]+\]|<[^>]+>|【[^】]+】|\d+[.)]\s|[■●◆▶-]\s)")
_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?。])\s+|(?<=다\.)|\n+")
_QUANTITY_RE = re.compile(
    r"\d[\d,.]*\s*(%|퍼센트|명|건|원|만\s*원|억|배|시간|일|개월|년|개|점|percent|people|customers|hours|days|times)"
)


@dataclass(frozen=True)
class CharacterCount:
    with_spaces: int
    without_spaces: int
    utf8_bytes: int
    # Some Korean forms still count Hangul as 2 bytes and ASCII as 1 (the old EUC-KR convention).
    legacy_bytes: int


def count_characters(text: str) -> CharacterCount:
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    return CharacterCount(
        with_spaces=len(normalised),
        without_spaces=sum(1 for ch in normalised if not ch.isspace()),
        utf8_bytes=len(normalised.encode("utf-8")),
        legacy_bytes=sum(1 if ord(ch) < 128 else 2 for ch in normalised),
    )


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # "info" | "warning" | "problem"
    message_ko: str
    message_en: str


@dataclass(frozen=True)
class ClicheHit:
    phrase_id: str
    label: str
    count: int
    suggestion_ko: str
    suggestion_en: str


@dataclass(frozen=True)
class CoverLetterFeedback:
    characters: CharacterCount
    limit_chars: int | None
    limit_counts_spaces: bool
    length_ratio: float | None
    length_verdict: str  # "no_limit" | "over_limit" | "too_short" | "short" | "good"
    paragraphs: int
    has_headings: bool
    has_opening: bool
    has_closing: bool
    keywords_covered: tuple[str, ...]
    keywords_missing: tuple[str, ...]
    keyword_coverage: float | None
    cliches: tuple[ClicheHit, ...]
    star: dict[str, str | None]  # part -> first marker phrase found, from analysis.content.find_star
    quantified_results: tuple[str, ...]
    findings: tuple[Finding, ...]


@lru_cache(maxsize=1)
def _cliche_patterns() -> tuple[tuple[dict[str, str], re.Pattern[str]], ...]:
    phrases = load_questionnaire("cliches")["phrases"]
    return tuple((p, re.compile(p["pattern"], re.IGNORECASE)) for p in phrases)


def _paragraphs(text: str) -> list[str]:
    normalised = text.replace("\r\n", "\n").strip()
    blocks = [b.strip() for b in re.split(r"\n\s*\n", normalised) if b.strip()]
    if len(blocks) == 1:
        # Many people separate paragraphs with single line breaks in web forms.
        blocks = [line.strip() for line in normalised.split("\n") if line.strip()]
    return blocks


def _contains_any(text: str, words: tuple[str, ...]) -> bool:
    low = normalize_text(text)
    return any(w in low for w in words)


def review_cover_letter(
    text: str,
    *,
    limit_chars: int | None = None,
    limit_counts_spaces: bool = True,
    posting_text: str | None = None,
) -> CoverLetterFeedback:
    """Automatic feedback on a cover letter, optionally against a character limit and a posting."""
    if not text.strip():
        raise DomainError("empty_cover_letter")
    if len(text) > MAX_COVER_LETTER_CHARS:
        raise DomainError("cover_letter_too_long", max=f"{MAX_COVER_LETTER_CHARS:,}")
    if limit_chars is not None and limit_chars <= 0:
        raise DomainError("invalid_limit")
    findings: list[Finding] = []
    counts = count_characters(text)

    ratio: float | None = None
    verdict = "no_limit"
    if limit_chars is not None:
        used = counts.with_spaces if limit_counts_spaces else counts.without_spaces
        basis_ko = "공백 포함" if limit_counts_spaces else "공백 제외"
        basis_en = "with spaces" if limit_counts_spaces else "without spaces"
        ratio = round(used / limit_chars, 3)
        if used > limit_chars:
            verdict = "over_limit"
            findings.append(Finding("over_limit", "problem",
                                    f"{basis_ko} {used:,}자로 제한 {limit_chars:,}자를 {used - limit_chars:,}자 넘었습니다.",
                                    f"{used:,} characters {basis_en}: {used - limit_chars:,} over the {limit_chars:,} limit."))  # fmt: skip
        elif ratio < TOO_SHORT_RATIO:
            verdict = "too_short"
            findings.append(Finding("too_short", "warning",
                                    f"{basis_ko} {used:,}자로 제한의 {ratio:.0%}만 사용했습니다. 경험을 더 구체적으로 쓰세요.",
                                    f"{used:,} characters {basis_en}, only {ratio:.0%} of the limit. Add concrete detail."))  # fmt: skip
        elif ratio < SHORT_RATIO:
            verdict = "short"
            findings.append(Finding("short", "info",
                                    f"제한의 {ratio:.0%}를 사용했습니다. 보통 85% 이상 채우는 것을 권합니다.",
                                    f"You used {ratio:.0%} of the limit; around 85% or more is usual."))  # fmt: skip
        else:
            verdict = "good"

    paragraphs = _paragraphs(text)
    has_headings = any(_HEADING_RE.match(p) for p in paragraphs)
    has_opening = _contains_any(paragraphs[0], _OPENING_WORDS)
    has_closing = len(paragraphs) > 1 and _contains_any(paragraphs[-1], _CLOSING_WORDS)
    if len(paragraphs) < 3 and counts.with_spaces >= 500:
        findings.append(Finding("few_paragraphs", "warning",
                                f"문단이 {len(paragraphs)}개입니다. 도입-경험-포부처럼 3개 이상으로 나누면 읽기 쉽습니다.",
                                f"{len(paragraphs)} paragraph(s). Splitting into 3+ (opening, experience, closing) reads better."))  # fmt: skip
    for number, paragraph in enumerate(paragraphs, start=1):
        if len(paragraph) > LONG_PARAGRAPH_CHARS:
            findings.append(Finding("long_paragraph", "info",
                                    f"{number}번째 문단이 {len(paragraph):,}자로 깁니다. 나누어 보세요.",
                                    f"Paragraph {number} is {len(paragraph):,} characters long; consider splitting it."))  # fmt: skip
    if not has_headings and counts.with_spaces >= HEADINGS_ADVISED_FROM_CHARS:
        findings.append(Finding("no_headings", "info",
                                "문단마다 [소제목]을 달면 핵심이 먼저 보입니다.",
                                "Short headings per paragraph put your key points first."))  # fmt: skip
    if not has_opening:
        findings.append(Finding("weak_opening", "warning",
                                "첫 문단에 지원 동기나 핵심 강점을 밝혀 주세요.",
                                "State your motivation or key strength in the first paragraph."))  # fmt: skip
    if not has_closing:
        findings.append(Finding("weak_closing", "info",
                                "마지막 문단에 입사 후 기여하고 싶은 점이나 포부를 써 보세요.",
                                "Close with what you want to contribute after joining."))  # fmt: skip
    long_sentences = [s for s in _SENTENCE_SPLIT_RE.split(text) if len(s.strip()) > LONG_SENTENCE_CHARS]
    if long_sentences:
        findings.append(Finding("long_sentences", "info",
                                f"{LONG_SENTENCE_CHARS}자가 넘는 긴 문장이 {len(long_sentences)}개 있습니다. 짧게 끊어 보세요.",
                                f"{len(long_sentences)} sentence(s) over {LONG_SENTENCE_CHARS} characters; shorten them."))  # fmt: skip

    covered: list[str] = []
    missing: list[str] = []
    coverage: float | None = None
    if posting_text and posting_text.strip():
        letter_skills = set(find_skills_in_text(text))
        letter_words = set(content_words(text))
        letter_low = normalize_text(text)
        for keyword in extract_posting_keywords(posting_text, limit=10):
            if keyword.skill_id is not None:
                hit = keyword.skill_id in letter_skills
            else:
                hit = keyword.term in letter_words or keyword.term in letter_low
            (covered if hit else missing).append(keyword.term)
        total = len(covered) + len(missing)
        coverage = round(len(covered) / total, 3) if total else None
        if missing:
            findings.append(Finding("missing_keywords", "warning",
                                    f"공고의 핵심어 중 빠진 것: {', '.join(missing)}. 관련 경험이 있다면 써 주세요.",
                                    f"Posting keywords not mentioned: {', '.join(missing)}. Add them if you have the experience."))  # fmt: skip

    cliches = []
    for phrase, pattern in _cliche_patterns():
        hits = len(pattern.findall(text))
        if hits:
            cliches.append(
                ClicheHit(
                    phrase["id"], phrase["label"], hits, phrase["suggestion_ko"], phrase["suggestion_en"]
                )
            )
    if cliches:
        labels = ", ".join(f"'{c.label}'" for c in cliches)
        findings.append(Finding("cliches", "warning",
                                f"상투적인 표현이 있습니다: {labels}.",
                                f"Overused phrases found: {labels}."))  # fmt: skip

    star = find_star(text)
    missing_parts = [part for part, hit in star.items() if hit is None]
    if missing_parts:
        names_ko = {"situation": "상황", "task": "과제", "action": "행동", "result": "결과"}
        findings.append(Finding("star_incomplete", "info",
                                f"경험 서술에 {', '.join(names_ko[p] for p in missing_parts)} 부분이 잘 드러나지 않습니다(STAR).",
                                f"Your stories do not clearly show: {', '.join(missing_parts)} (STAR)."))  # fmt: skip
    quantified = tuple(m.group(0) for m in _QUANTITY_RE.finditer(text))
    if not quantified:
        findings.append(Finding("no_numbers", "info",
                                "성과를 숫자(기간, 인원, 비율, 금액)로 보여 주면 설득력이 커집니다.",
                                "Numbers (time, people, percentages, money) make results convincing."))  # fmt: skip

    return CoverLetterFeedback(
        characters=counts,
        limit_chars=limit_chars,
        limit_counts_spaces=limit_counts_spaces,
        length_ratio=ratio,
        length_verdict=verdict,
        paragraphs=len(paragraphs),
        has_headings=has_headings,
        has_opening=has_opening,
        has_closing=has_closing,
        keywords_covered=tuple(covered),
        keywords_missing=tuple(missing),
        keyword_coverage=coverage,
        cliches=tuple(cliches),
        star=star,
        quantified_results=quantified,
        findings=tuple(findings),
    )
