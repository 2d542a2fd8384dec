"""Offline content scoring of an answer (or any text, e.g. a cover letter).

Method (deliberately simple and explainable; it runs without any model):

- **Relevance** — cosine similarity of content-term vectors of the answer and the question (and,
  if given, the job posting). English terms are lower-cased words without stop words, cut to a
  crude stem (first 6 letters); Korean terms are syllable bigrams of the content lemmas (nouns,
  roots, verb and adjective stems) from the morphological analyser :mod:`analysis.morph`. The raw cosine
  is mapped to 0–1 by ``min(1, cosine / 0.35)`` because answers share only part of the
  question's wording even when on topic. Limits: synonyms and paraphrases are invisible, and an
  answer that repeats the question scores high. A stronger semantic scorer can replace it through
  the :class:`RelevanceScorer` protocol (``AnalysisOptions.relevance_scorer``).
- **STAR** — English: phrase markers. Korean: morphemes with their part of speech (see
  :func:`find_star_ko`): 때 only as a noun (not 때문), 책임 only as the noun itself (not 책임감),
  action and result words only when used as a 하다/되다 predicate ("분석했습니다", not "데이터 분석
  경험"), and a negated marker (안/못, -지 않다/못하다, 없다) does not count. A component is "found"
  when at least one marker occurs; the words holding the first marker are the evidence. Limits:
  markers detect the usual wording of each part, not whether the story is coherent.
- **Keyword coverage** — the share of expected keywords that occur. English by substring or stem;
  Korean by noun lemmas with compounds split: every noun of the keyword must occur as a lemma of
  the answer, or head a noun one syllable longer (만족 in 만족도), so "데이터 분석" is found in
  "데이터를 분석했습니다" and 자바 is not found in 자바스크립트.
- **Length fit** — with a time limit, an answer is ``too_short`` under 40 % of it and ``too_long``
  over 105 %.

Score (0–100): relevance 40, STAR 30 (7.5 per part), keywords 20, length 10. A missing input
(no keywords, no limit) gives its weight to the others in proportion.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from .morph import Morpheme, analyse, has_hangul

__all__ = [
    "LexicalRelevanceScorer",
    "RelevanceScorer",
    "TextContentScore",
    "find_star",
    "find_star_ko",
    "score_text_content",
]

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
_HANGUL_WORD = re.compile(r"[\uac00-\ud7a3]+")
_EN_WORD = re.compile(r"[a-z][a-z'\-]*")

STAR_MARKERS: dict[str, dict[str, tuple[str, ...]]] = {
    "situation": {
        "en": ("when i was", "at my previous", "in my previous", "at my last", "in my last", "my last job", "our team had",
               "we had a problem", "had a problem", "situation", "background", "we were facing",
               "there was a", "last year", "during my", "while i was", "in my role", "at the time", "the context"),
    },
    "task": {
        "en": ("my task", "my goal", "my job was", "responsible for", "i needed to", "i had to", "my role was", "the goal",
               "the challenge", "objective", "was asked to", "we needed to", "the problem was", "in charge of"),
    },
    "action": {
        "en": ("i decided", "i implemented", "i built", "i led", "i organized", "i organised", "i created", "i analyzed",
               "i analysed", "so i", "i started", "i designed", "i proposed", "i introduced", "i talked", "i set up",
               "i wrote", "i worked with", "i took", "i measured", "i changed", "i developed", "first, i", "then i"),
    },
    "result": {
        "en": ("as a result", "result", "outcome", "increased", "reduced", "improved", "saved", "achieved", "percent",
               "%", "in the end", "finally", "we delivered", "we shipped", "i learned", "faster", "grew", "won"),
    },
}  # fmt: skip


class RelevanceScorer(Protocol):
    """Seam for a stronger (e.g. embedding-based) scorer. Returns 0–1."""

    @property
    def name(self) -> str: ...

    def relevance(self, answer: str, reference: str, language: str) -> float: ...


def content_terms(text: str) -> Counter[str]:
    """Bag of content terms: English stems and Korean syllable bigrams of content lemmas (nouns,
    roots, verb and adjective stems from :mod:`analysis.morph`; unigram for one-syllable ones)."""
    terms: Counter[str] = Counter()
    low = text.lower()
    for w in _EN_WORD.findall(low):
        w = w.strip("'-")
        if len(w) > 2 and w not in _EN_STOP:
            terms["en:" + w[:6]] += 1
    if has_hangul(text):
        for stem in _ko_content_stems(text):
            if len(stem) == 1:
                terms["ko:" + stem] += 1
            for i in range(len(stem) - 1):
                terms["ko:" + stem[i : i + 2]] += 1
    return terms


def _ko_content_stems(text: str) -> list[str]:
    out = []
    for m in analyse(text):
        if not has_hangul(m.lemma):
            continue
        if m.is_noun:
            out.append(m.lemma)
        elif m.tag in ("VV", "VA"):
            out.append(m.lemma.removesuffix("다"))
    return out


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


def _find_star_en(text: str) -> dict[str, str | None]:
    low = " " + " ".join(text.lower().split()) + " "
    found: dict[str, str | None] = {}
    for part, by_lang in STAR_MARKERS.items():
        found[part] = None
        for m in by_lang["en"]:
            pattern = re.escape(m) if not m[0].isalnum() else r"\b" + re.escape(m)
            if re.search(pattern, low):
                found[part] = m
                break
    return found


def find_star(text: str, language: str = "auto") -> dict[str, str | None]:
    """For each STAR part, the evidence found in ``text`` (or None): for English the first marker
    phrase, for Korean the words holding the first marker morpheme (see :func:`find_star_ko`)."""
    en = _find_star_en(text) if language != "ko" or not has_hangul(text) else dict.fromkeys(STAR_MARKERS)
    ko = find_star_ko(text) if has_hangul(text) else dict.fromkeys(STAR_MARKERS)
    first, second = (ko, en) if language == "ko" else (en, ko)
    return {part: first[part] or second[part] for part in STAR_MARKERS}


# Korean STAR markers as lemmas with their parts of speech, not substrings: 때 only as a noun
# (not 때문 in "그 때문에"), 책임 only as the noun 책임 (not 책임감), and action and result words only
# when used as a predicate ("분석했습니다", not "데이터 분석 경험").
_KO_SITUATION_NOUNS = frozenset({"당시", "상황", "시절", "배경", "무렵", "재직", "때", "그때", "근무"})
_KO_TASK_NOUNS = frozenset({"목표", "과제", "역할", "임무", "책임", "담당", "미션"})
_KO_TASK_VERBS = frozenset({"맡다", "담당하다"})
_KO_ACTION_PREDICATE_NOUNS = frozenset({
    "주도", "제안", "도입", "분석", "설득", "실행", "개발", "진행", "구축", "설계", "정리", "시도", "노력",
    "기획", "개선", "조율", "협의", "수립", "적용", "구현", "자동화", "정비", "검토", "조사", "해결",
})  # fmt: skip
_KO_ACTION_WORDS = frozenset({"직접", "위하다"})
_KO_RESULT_NOUNS = frozenset({"결과", "성과", "퍼센트", "결실"})
_KO_RESULT_PREDICATE_NOUNS = frozenset(
    {"향상", "증가", "감소", "달성", "절감", "개선", "단축", "성공", "완료", "해결"}
)
# 늘다/줄다 are left out: "문의가 늘었습니다" describes the problem as often as the outcome.
_KO_RESULT_VERBS = frozenset({"배우다", "얻다", "깨닫다"})
_NEGATING_AUX = frozenset({"않다", "못하다", "말다"})


def _negated(morphs: Sequence[Morpheme], i: int, j: int) -> bool:
    """True when the predicate spanning morphs[i..j] is negated: 안/못 before it, 지 않다/못하다
    after it, or a noun marker followed by 없다/아니다 in its clause."""
    if i > 0 and morphs[i - 1].tag == "MAG" and morphs[i - 1].lemma in ("안", "못"):
        return True
    for k in range(j + 1, min(j + 5, len(morphs))):
        m = morphs[k]
        if m.tag in ("VX", "VV") and m.lemma in _NEGATING_AUX:
            return True
        if (m.tag == "VA" and m.lemma == "없다") or m.tag == "VCN":
            return True
        if m.tag in ("EF", "SF") or (m.tag == "EC" and m.form not in ("지", "게", "고")) or m.is_noun:
            break
    return False


def _is_predicate_use(morphs: Sequence[Morpheme], i: int) -> int | None:
    """If the noun morphs[i] is used as a 하다/되다 verb ("분석했", "개선되었"), the index of the suffix."""
    nxt = morphs[i + 1] if i + 1 < len(morphs) else None
    if nxt is not None and (
        nxt.tag in ("XSV", "XSA") or (nxt.tag == "VV" and nxt.lemma in ("되다", "시키다"))
    ):
        return i + 1
    return None


def _ko_star_part(morphs: Sequence[Morpheme], i: int) -> tuple[str, int] | None:
    """The STAR part morphs[i] marks and the last morpheme of the marker, or None."""
    m = morphs[i]
    if m.tag in ("NNG", "NNP"):
        pred = _is_predicate_use(morphs, i)
        if pred is not None:
            if m.lemma in _KO_RESULT_PREDICATE_NOUNS and not _negated(morphs, i, pred):
                return "result", pred
            if m.lemma in _KO_ACTION_PREDICATE_NOUNS and not _negated(morphs, i, pred):
                return "action", pred
            if m.lemma in ("담당",) and not _negated(morphs, i, pred):
                return "task", pred
        if m.lemma in _KO_SITUATION_NOUNS:
            return "situation", i
        if m.lemma in _KO_TASK_NOUNS and not _negated(morphs, i, i):
            return "task", i
        if m.lemma in _KO_RESULT_NOUNS and not _negated(morphs, i, i):
            return "result", i
        return None
    if m.tag == "VV":
        if m.lemma in _KO_TASK_VERBS and not _negated(morphs, i, i):
            return "task", i
        if m.lemma in _KO_RESULT_VERBS and not _negated(morphs, i, i):
            return "result", i
        if m.lemma == "위하다":
            return "action", i
        return None
    if m.tag == "MAG" and m.lemma == "직접":
        return "action", i
    # "해야 했습니다": an obligation (어야/아야 + 하다) states the task.
    if m.tag == "EC" and m.form in ("어야", "아야", "여야") and i + 1 < len(morphs):
        nxt = morphs[i + 1]
        if nxt.tag == "VX" and nxt.lemma in ("하다", "되다"):
            return "task", i + 1
    # "프로젝트를 하던 중", "일하던 중에": an ongoing past activity sets the scene.
    if (
        m.tag == "NNB"
        and m.lemma == "중"
        and i > 1
        and morphs[i - 1].tag == "ETM"
        and morphs[i - 1].form == "던"
    ):
        return "situation", i
    # "...이 있었는데": a past existence clause introduces the background.
    if (
        m.tag == "EC"
        and m.form in ("는데", "었는데")
        and i >= 2
        and any(x.lemma == "있다" for x in morphs[max(0, i - 3) : i])
    ):
        return "situation", i
    if m.tag == "SW" and m.form == "%":
        return "result", i
    return None


def _evidence(text: str, morphs: Sequence[Morpheme], i: int, j: int) -> str:
    start, end = morphs[i].start, morphs[j].end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return text[start:end].strip(" ,.!?;:\"'()[]")


def find_star_ko(text: str) -> dict[str, str | None]:
    """Korean STAR markers by morpheme: for each part, the words holding the first marker."""
    norm = unicodedata.normalize("NFKC", text)
    morphs = analyse(norm)
    found: dict[str, str | None] = dict.fromkeys(STAR_MARKERS)
    for i in range(len(morphs)):
        hit = _ko_star_part(morphs, i)
        if hit is not None and found[hit[0]] is None:
            # "하던 중": show the verb too, not the bare 중.
            first = i - 2 if morphs[i].tag == "NNB" else i
            found[hit[0]] = _evidence(norm, morphs, first, hit[1])
    return found


def _lemma_present(lemma: str, answer_lemmas: frozenset[str]) -> bool:
    """``lemma`` occurs as a lemma, or heads a noun with one more syllable (만족 in 만족도, 이탈 in
    이탈률, 개발 in 개발자), which Kiwi keeps whole; 자바 does not head 자바스크립트."""
    if lemma in answer_lemmas:
        return True
    return len(lemma) >= 2 and any(len(a) == len(lemma) + 1 and a.startswith(lemma) for a in answer_lemmas)


def _keyword_found(
    keyword: str, text_low: str, answer_terms: Counter[str], answer_lemmas: frozenset[str]
) -> bool:
    k = keyword.strip().lower()
    if not k:
        return False
    if has_hangul(k):
        # Noun lemmas, compounds split: "데이터 분석" is found in "데이터를 분석했습니다", and 자바
        # is not found inside 자바스크립트 (the old substring rule found it).
        wanted = [m.lemma for m in analyse(k) if (m.is_noun or m.tag in ("VV", "VA")) and has_hangul(m.lemma)]
        latin = [w for w in _EN_WORD.findall(k) if len(w) > 1]
        if not wanted:
            return k in text_low
        return all(_lemma_present(w, answer_lemmas) for w in wanted) and all(w in text_low for w in latin)
    if k in text_low:
        return True
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
    lemma_set = frozenset(m.lemma for m in analyse(text)) if has_hangul(text) else frozenset()
    kws = tuple(k for k in (k.strip() for k in keywords) if k)
    found = tuple(k for k in kws if _keyword_found(k, low, terms, lemma_set))
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
