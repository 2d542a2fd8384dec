"""Offline content scoring of an answer (or any text, e.g. a cover letter).

Method (deliberately simple and explainable; it runs without any model):

- **Relevance** — cosine similarity of content-term vectors of the answer and the question (and,
  if given, the job posting). English terms are lower-cased words without stop words, cut to a
  crude stem (first 6 letters); Korean terms are Hangul syllable bigrams of each word after common
  particles are stripped, which survives Korean's attached particles and endings. The raw cosine
  is mapped to 0–1 by ``min(1, cosine / 0.35)`` because answers share only part of the
  question's wording even when on topic. Limits: synonyms and paraphrases are invisible, and an
  answer that repeats the question scores high. A stronger semantic scorer can replace it through
  the :class:`RelevanceScorer` protocol (``AnalysisOptions.relevance_scorer``).
- **STAR** — phrase markers for situation, task, action and result in Korean and English. A
  component is "found" when at least one marker occurs; the first matching phrase is the evidence.
  Limits: markers detect the usual wording of each part, not whether the story is coherent.
- **Keyword coverage** — the share of expected keywords that occur (case-insensitive; Korean by
  substring, English by stem).
- **Length fit** — with a time limit, an answer is ``too_short`` under 40 % of it and ``too_long``
  over 105 %.

Score (0–100): relevance 40, STAR 30 (7.5 per part), keywords 20, length 10. A missing input
(no keywords, no limit) gives its weight to the others in proportion.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["LexicalRelevanceScorer", "RelevanceScorer", "TextContentScore", "find_star", "score_text_content"]

_EN_STOP = set(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "about",
        "from",
        "into",
        "over",
        "after",
        "before",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "do",
        "does",
        "did",
        "done",
        "have",
        "has",
        "had",
        "having",
        "i",
        "me",
        "my",
        "we",
        "our",
        "you",
        "your",
        "he",
        "she",
        "it",
        "its",
        "they",
        "them",
        "their",
        "this",
        "that",
        "these",
        "those",
        "what",
        "which",
        "who",
        "whom",
        "when",
        "where",
        "why",
        "how",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "not",
        "no",
        "so",
        "than",
        "too",
        "very",
        "just",
        "also",
        "there",
        "here",
        "then",
        "out",
        "up",
        "down",
        "all",
        "any",
        "some",
        "such",
        "only",
        "own",
        "same",
        "other",
        "more",
        "most",
        "again",
        "further",
        "once",
        "tell",
        "us",
        "describe",
        "give",
        "example",
        "time",
        "please",
        "question",
        "answer",
    ]
)
_KO_PARTICLES = (
    "으로서", "으로써", "에서는", "에게서", "까지는", "이라는", "라는", "에서", "에게", "으로", "까지", "부터", "처럼",
    "보다", "하고", "이나", "이고", "은", "는", "이", "가", "을", "를", "에", "의", "도", "로", "와", "과", "만",
)  # fmt: skip
_HANGUL_WORD = re.compile(r"[\uac00-\ud7a3]+")
_EN_WORD = re.compile(r"[a-z][a-z'\-]*")

STAR_MARKERS: dict[str, dict[str, tuple[str, ...]]] = {
    "situation": {
        "en": ("when i was", "at my previous", "in my previous", "at my last", "in my last", "my last job", "our team had",
               "we had a problem", "had a problem", "situation", "background", "we were facing",
               "there was a", "last year", "during my", "while i was", "in my role", "at the time", "the context"),
        "ko": ("당시", "상황", "때", "시절", "근무하던", "재직", "프로젝트에서", "배경", "하던 중", "있었는데", "있었습니다"),
    },
    "task": {
        "en": ("my task", "my goal", "my job was", "responsible for", "i needed to", "i had to", "my role was", "the goal",
               "the challenge", "objective", "was asked to", "we needed to", "the problem was", "in charge of"),
        "ko": ("목표", "과제", "역할", "담당", "맡았", "맡게", "해야 했", "책임", "문제는", "해결해야", "임무"),
    },
    "action": {
        "en": ("i decided", "i implemented", "i built", "i led", "i organized", "i organised", "i created", "i analyzed",
               "i analysed", "so i", "i started", "i designed", "i proposed", "i introduced", "i talked", "i set up",
               "i wrote", "i worked with", "i took", "i measured", "i changed", "i developed", "first, i", "then i"),
        "ko": ("하기 위해", "위해서", "직접", "주도", "제안", "도입", "분석했", "분석하여", "설득", "실행", "개발했",
               "진행했", "구축", "설계", "정리했", "시도", "노력했"),
    },
    "result": {
        "en": ("as a result", "result", "outcome", "increased", "reduced", "improved", "saved", "achieved", "percent",
               "%", "in the end", "finally", "we delivered", "we shipped", "i learned", "faster", "grew", "won"),
        "ko": ("결과", "성과", "향상", "증가", "감소", "달성", "절감", "개선되", "배웠", "배울 수", "얻었", "성공",
               "퍼센트", "%", "단축"),
    },
}  # fmt: skip


class RelevanceScorer(Protocol):
    """Seam for a stronger (e.g. embedding-based) scorer. Returns 0–1."""

    @property
    def name(self) -> str: ...

    def relevance(self, answer: str, reference: str, language: str) -> float: ...


def _strip_particle(word: str) -> str:
    for p in _KO_PARTICLES:
        if len(word) > len(p) + 0 and word.endswith(p) and len(word) - len(p) >= 1:
            return word[: -len(p)]
    return word


def content_terms(text: str) -> Counter[str]:
    """Bag of content terms: English stems and Korean syllable bigrams (unigram for 1-syllable words)."""
    terms: Counter[str] = Counter()
    low = text.lower()
    for w in _EN_WORD.findall(low):
        w = w.strip("'-")
        if len(w) > 2 and w not in _EN_STOP:
            terms["en:" + w[:6]] += 1
    for w in _HANGUL_WORD.findall(text):
        stem = _strip_particle(w)
        if len(stem) == 1:
            terms["ko:" + stem] += 1
        for i in range(len(stem) - 1):
            terms["ko:" + stem[i : i + 2]] += 1
    return terms


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb) if na and nb else 0.0


@dataclass(frozen=True)
class LexicalRelevanceScorer:
    """Default offline scorer: term cosine, saturating at ``saturation``."""

    name: str = "lexical-cosine-v1"
    saturation: float = 0.35

    def relevance(self, answer: str, reference: str, language: str) -> float:
        # Binary term presence on the answer side: long answers are not punished for elaborating.
        a = Counter(dict.fromkeys(content_terms(answer), 1))
        r = Counter(dict.fromkeys(content_terms(reference), 1))
        return round(min(1.0, _cosine(a, r) / self.saturation), 4)


def find_star(text: str, language: str = "auto") -> dict[str, str | None]:
    """For each STAR part, the first marker phrase found in ``text`` (or None)."""
    low = " " + " ".join(text.lower().split()) + " "
    langs = ("en", "ko") if language == "auto" else (language, "en" if language == "ko" else "ko")
    found: dict[str, str | None] = {}
    for part, by_lang in STAR_MARKERS.items():
        hit = None
        for lang in langs:
            for m in by_lang[lang]:
                pattern = re.escape(m) if lang == "ko" or not m[0].isalnum() else r"\b" + re.escape(m)
                if re.search(pattern, low):
                    hit = m
                    break
            if hit:
                break
        found[part] = hit
    return found


def _keyword_found(keyword: str, text_low: str, answer_terms: Counter[str]) -> bool:
    k = keyword.strip().lower()
    if not k:
        return False
    if k in text_low:
        return True
    if _HANGUL_WORD.search(k):
        return _strip_particle(k) in text_low
    kt = content_terms(k)
    return bool(kt) and all(t in answer_terms for t in kt)


@dataclass(frozen=True)
class TextContentScore:
    score: int
    star: dict[str, str | None]
    keyword_coverage: float | None
    keywords_found: tuple[str, ...]
    keywords_missing: tuple[str, ...]
    relevance: float
    question_relevance: float
    job_relevance: float | None
    length_fit: str
    method: str
    weights: dict[str, float] = field(default_factory=dict)


def length_fit(duration_s: float | None, time_limit_s: float | None) -> str:
    if duration_s is None or time_limit_s is None:
        return "no_limit"
    if duration_s < 0.4 * time_limit_s:
        return "too_short"
    if duration_s > 1.05 * time_limit_s:
        return "too_long"
    return "fits"


def score_text_content(
    text: str,
    question: str = "",
    job_text: str | None = None,
    keywords: Sequence[str] = (),
    language: str = "auto",
    *,
    duration_s: float | None = None,
    time_limit_s: float | None = None,
    scorer: RelevanceScorer | None = None,
) -> TextContentScore:
    """Score an answer or any text (e.g. a cover letter) for relevance, STAR structure and keywords.

    Pure function, no model. ``language`` is ``"ko"``, ``"en"`` or ``"auto"``; ``duration_s`` and
    ``time_limit_s`` add the length check for spoken answers.
    """
    rel: RelevanceScorer = scorer if scorer is not None else LexicalRelevanceScorer()
    q_rel = rel.relevance(text, question, language) if question.strip() else 0.0
    j_rel = rel.relevance(text, job_text, language) if job_text and job_text.strip() else None
    refs = [r for r in (q_rel if question.strip() else None, j_rel) if r is not None]
    relevance = round(sum(refs) / len(refs), 4) if refs else 0.0
    star = find_star(text, language)
    low = text.lower()
    terms = content_terms(text)
    kws = tuple(k for k in (k.strip() for k in keywords) if k)
    found = tuple(k for k in kws if _keyword_found(k, low, terms))
    missing = tuple(k for k in kws if k not in found)
    coverage = round(len(found) / len(kws), 4) if kws else None
    fit = length_fit(duration_s, time_limit_s)

    weights = {"relevance": 40.0 if refs else 0.0, "star": 30.0, "keywords": 20.0 if kws else 0.0,
               "length": 10.0 if fit != "no_limit" else 0.0}  # fmt: skip
    parts = {
        "relevance": relevance,
        "star": sum(v is not None for v in star.values()) / 4,
        "keywords": coverage or 0.0,
        "length": 1.0 if fit == "fits" else 0.0,
    }
    total_w = sum(weights.values())
    score = round(100 * sum(weights[k] * parts[k] for k in weights) / total_w) if total_w else 0
    if not text.strip():
        score = 0
    return TextContentScore(
        score=int(score),
        star=star,
        keyword_coverage=coverage,
        keywords_found=found,
        keywords_missing=missing,
        relevance=relevance,
        question_relevance=q_rel,
        job_relevance=j_rel,
        length_fit=fit,
        method=rel.name,
        weights={k: round(v / total_w, 3) if total_w else 0.0 for k, v in weights.items()},
    )
