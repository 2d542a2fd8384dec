"""Offline Korean/English text helpers: normalisation, tokenisation, content words, stopwords.

Korean goes through the shared morphological analyser (:mod:`analysis.morph`, kiwipiepy):
content words are noun lemmas with compounds split, so "회계사무원을" gives 회계 and 사무원 and
"개발했습니다" gives 개발. Latin words (C++, C#, node.js) and numbers keep the regular
expression below.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from analysis.morph import analyse, has_hangul, strip_particles

__all__ = [
    "Language",
    "attach_particle",
    "content_words",
    "has_final_consonant",
    "normalize_text",
    "ordered_terms",
    "strip_josa",
    "tokenize",
]

Language = Literal["ko", "en"]

_TOKEN_RE = re.compile(r"[가-힣]+|[a-z][a-z0-9+#]*(?:\.[a-z][a-z0-9]*)*|[0-9]+(?:\.[0-9]+)?")

# fmt: off
_KO_STOPWORDS = frozenset((
    "가능", "가능자", "가능하신", "가능한", "각종", "개", "건", "것", "경력", "경우", "경험", "경험자", "관련", "관리", "그", "그래서",
    "그러나", "그리고", "근무", "근무시간", "근무지", "급여", "기간", "기본", "기타", "내용", "년", "능력", "능숙", "능숙자", "능통", "능통자", "다양",
    "다양한", "담당", "당사", "대한", "대해", "더", "등", "등을", "따라서", "때", "또는", "또한", "만원", "많은", "매우", "명", "모든",
    "모집", "및", "바랍니다", "보유", "보유자", "보유한", "복리후생", "분", "분야", "사용", "사항", "새로운", "소지", "소지자", "수", "수행",
    "습니다", "시", "신입", "업무", "없는", "없습니다", "여러", "연봉", "요건", "요구", "우대", "우대사항", "우대함", "우대합니다", "우리",
    "원", "월", "위한", "위해", "유관", "이", "이번", "이상", "이용", "이하", "이해", "일", "입니다", "있는", "있는분", "있습니다",
    "있으신", "자", "자격", "자격요건", "장소", "저", "저는", "저의", "저희", "저희는", "전반", "정말", "제", "제가", "조건", "좋은",
    "주", "주세요", "주요", "지원", "직무", "진행", "채용", "통한", "통해", "필수", "필요", "하다", "하지만", "한다", "함께", "합니다",
    "항상", "해당", "해당자", "했다", "활용", "회", "회사"
))
_EN_STOPWORDS = frozenset((
    "a", "ability", "about", "all", "also", "an", "and", "any", "applicants", "apply", "are", "as",
    "at", "based", "be", "been", "being", "but", "by", "can", "candidate", "candidates", "could", "did",
    "do", "does", "duties", "each", "etc", "excellent", "experience", "for", "from", "good", "had",
    "has", "have", "he", "how", "i", "if", "in", "including", "into", "is", "it", "its", "job",
    "knowledge", "level", "may", "me", "more", "most", "must", "my", "new", "no", "not", "of", "on",
    "or", "other", "our", "over", "per", "plus", "position", "preferred", "related", "required",
    "responsibilities", "responsible", "role", "she", "should", "skill", "skills", "so", "some",
    "strong", "such", "team", "than", "that", "the", "their", "then", "these", "they", "this", "those",
    "to", "under", "us", "use", "using", "very", "was", "we", "were", "what", "when", "where", "which",
    "who", "whom", "why", "will", "with", "within", "work", "working", "would", "year", "years", "yes",
    "you", "your"
))
# fmt: on


def normalize_text(text: str) -> str:
    """NFKC + case-fold, so full-width letters and 'PYTHON' compare equal to 'python'."""
    return unicodedata.normalize("NFKC", text).casefold()


def strip_josa(token: str) -> str:
    """A Hangul token without its trailing particles, by the morphological analyser ("파이썬을" -> "파이썬")."""
    return strip_particles(token)


def tokenize(text: str) -> list[str]:
    """Split normalised text into Hangul runs, Latin words (keeping C++, C#, node.js) and numbers."""
    return _TOKEN_RE.findall(normalize_text(text))


def _is_hangul(token: str) -> bool:
    return bool(token) and "가" <= token[0] <= "힣"


def ordered_terms(text: str) -> list[str]:
    """Korean noun lemmas (compounds split) and Latin words and numbers, in text order, unfiltered."""
    norm = normalize_text(text)
    found: list[tuple[int, str]] = [
        (m.start(), m.group()) for m in _TOKEN_RE.finditer(norm) if not _is_hangul(m.group())
    ]
    if has_hangul(norm):
        found.extend((m.start, m.lemma) for m in analyse(norm) if m.is_noun and has_hangul(m.lemma))
    found.sort(key=lambda t: t[0])
    return [tok for _, tok in found]


def content_words(text: str) -> list[str]:
    """Korean noun lemmas and Latin words without stopwords, numbers and one-letter tokens, in text order."""
    words: list[str] = []
    for token in ordered_terms(text):
        if _is_hangul(token):
            if len(token) < 2 or token in _KO_STOPWORDS:
                continue
            words.append(token)
        else:
            if len(token) < 2 or token in _EN_STOPWORDS or token[0].isdigit():
                continue
            words.append(token)
    return words


# How the last letter of a Latin or digit-final word is read aloud in Korean,
# which decides the particle: "SQL을" (에스큐엘) but "Java를" (자바).
_LATIN_FINAL_WITH_BATCHIM = frozenset("lmnr")
_DIGIT_FINAL_WITH_BATCHIM = frozenset("013678")


def has_final_consonant(word: str) -> bool:
    """True if the word, read in Korean, ends in a consonant (받침)."""
    stripped = word.rstrip(" )]}'\".")
    if not stripped:
        return False
    last = stripped[-1]
    if "가" <= last <= "힣":
        return (ord(last) - ord("가")) % 28 != 0
    if last.isdigit():
        return last in _DIGIT_FINAL_WITH_BATCHIM
    if last.isascii() and last.isalpha():
        lowered = stripped.lower()
        # Whole words ending in -ng/-m/-n/-l are read with a final consonant; a
        # final "r" only when the word is an acronym (R = 알), not "Manager".
        if stripped.isupper() and len(stripped) <= 5:
            return last.lower() in _LATIN_FINAL_WITH_BATCHIM
        return lowered.endswith(("ng", "m", "n", "l"))
    return False


_PARTICLE_PAIRS = {
    "을": ("을", "를"),
    "를": ("을", "를"),
    "은": ("은", "는"),
    "는": ("은", "는"),
    "이": ("이", "가"),
    "가": ("이", "가"),
    "과": ("과", "와"),
    "와": ("과", "와"),
}


def attach_particle(word: str, particle: str) -> str:
    """Attach a Korean particle in the form the word's last sound needs: 파이썬+을, 엑셀+을, 자바+를."""
    if particle in ("으로", "로"):
        last = word.rstrip()[-1:] if word.strip() else ""
        # ㄹ-final words take 로, like vowel-final ones: 서울로, 파이썬으로.
        if last and "가" <= last <= "힣" and (ord(last) - ord("가")) % 28 == 8:
            return word + "로"
        return word + ("으로" if has_final_consonant(word) else "로")
    with_batchim, without_batchim = _PARTICLE_PAIRS.get(particle, (particle, particle))
    return word + (with_batchim if has_final_consonant(word) else without_batchim)
