"""Korean morphological analysis: the one tokeniser that analysis and the server share.

Backed by kiwipiepy (model from the ``kiwipiepy-model`` package, no Java and no download at run
time). One Kiwi instance is created lazily per process (about 1 s and 100 MB) and guarded by a
lock, because a Kiwi object is not safe to call from two threads at once. Results are cached per
text, so featurising the same posting twice costs nothing. A short list of job and skill nouns
that Kiwi's model splits wrongly (백엔드 -> 백 + 엔드) is added to its dictionary at creation
(``data/ko_user_nouns.txt``).

English is not analysed here: callers keep their own word rules for Latin text. Latin letters and
digits inside Korean text come back as ``SL``/``SN`` morphemes.

Tags are Kiwi's (Sejong-based): ``NNG``/``NNP`` nouns, ``NNB`` bound nouns (때문, 것), ``NP``
pronouns, ``VV`` verbs, ``VA`` adjectives, ``VX`` auxiliaries (않다, 하다 in 해야 하다), ``XR``
roots (성실 in 성실하다), ``XSV``/``XSA`` the 하다 suffixes, ``IC`` interjections, ``MM``
determiners (그 in "그 때문에"), ``MAG``/``MAJ`` adverbs, ``J*`` particles, ``E*`` endings.
"""

from __future__ import annotations

import threading
import unicodedata
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = [
    "Morpheme",
    "analyse",
    "has_hangul",
    "lemmas",
    "noun_lemmas",
    "strip_particles",
]

# Nouns and noun-like roots: what keywords, search terms and matching features are made of.
NOUN_TAGS = frozenset({"NNG", "NNP", "XR"})
PREDICATE_TAGS = frozenset({"VV", "VA", "VX", "VCN", "VCP"})

_BRACKETS_TO_SPACE = str.maketrans(dict.fromkeys("[]【】<>「」『』〈〉《》", " "))
_lock = threading.Lock()
_kiwi: Any = None


@dataclass(frozen=True)
class Morpheme:
    """One morpheme: ``form`` as written, ``lemma`` (verbs and adjectives end in 다), ``tag``,
    character offsets ``start``/``end`` into the analysed text, and ``word_index``, the
    space-separated word it belongs to (0-based)."""

    form: str
    lemma: str
    tag: str
    start: int
    end: int
    word_index: int

    @property
    def is_noun(self) -> bool:
        return self.tag in NOUN_TAGS


def _get_kiwi() -> Any:
    global _kiwi
    if _kiwi is None:
        with _lock:
            if _kiwi is None:
                from kiwipiepy import Kiwi

                with warnings.catch_warnings():
                    # kiwipiepy warns that 0 changed meaning in 0.21; single-threaded is what we want.
                    warnings.simplefilter("ignore", DeprecationWarning)
                    kiwi = Kiwi(num_workers=0)
                for word in _user_nouns():
                    kiwi.add_user_word(word, "NNP", 0.0)
                _kiwi = kiwi
    return _kiwi


def _user_nouns() -> list[str]:
    path = Path(__file__).with_name("data") / "ko_user_nouns.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


def has_hangul(text: str) -> bool:
    return any("가" <= ch <= "힣" for ch in text)


@lru_cache(maxsize=8192)
def _analyse_cached(text: str) -> tuple[Morpheme, ...]:
    kiwi = _get_kiwi()
    # Section brackets ("[주요업무] 파이썬과 ...") make Kiwi read the next word as one unknown noun
    # (파이썬과); a space of the same length keeps the offsets.
    plain = text.translate(_BRACKETS_TO_SPACE)
    with _lock:
        tokens = kiwi.tokenize(plain, split_complex=True)
    out: list[Morpheme] = []
    for t in tokens:
        tag = str(t.tag).split("-")[0]  # "VV-R"/"VV-I" mark (ir)regular conjugation; the class is enough
        lemma = str(t.lemma) if getattr(t, "lemma", None) else str(t.form)
        out.append(
            Morpheme(str(t.form), lemma, tag, int(t.start), int(t.start + t.len), int(t.word_position))
        )
    return tuple(out)


def analyse(text: str) -> tuple[Morpheme, ...]:
    """All morphemes of ``text`` in order (NFKC-normalised first; offsets refer to that form)."""
    text = unicodedata.normalize("NFKC", text)
    if not text.strip():
        return ()
    return _analyse_cached(text)


def noun_lemmas(text: str, *, min_len: int = 1) -> list[str]:
    """Korean nouns and noun roots of ``text``, compounds split, in order: "회계사무원을" gives
    ["회계", "사무원"], "데이터를 분석했습니다" gives ["데이터", "분석"]."""
    return [m.lemma for m in analyse(text) if m.is_noun and has_hangul(m.lemma) and len(m.lemma) >= min_len]


def lemmas(text: str) -> list[str]:
    """Lemmas of the content morphemes (nouns, roots, verbs, adjectives), in order."""
    return [m.lemma for m in analyse(text) if (m.is_noun or m.tag in PREDICATE_TAGS) and has_hangul(m.lemma)]


_TRAILING_TAG_PREFIXES = ("J", "E", "XSV", "XSA", "VCP")


def strip_particles(word: str) -> str:
    """``word`` without its trailing particles (조사), endings and 하다/이다 suffix: "파이썬을" gives
    "파이썬", "고객과는" "고객", "개발했습니다" "개발", "개발자입니다" "개발자"."""
    word = unicodedata.normalize("NFKC", word).strip()
    end = len(word)
    for m in reversed(analyse(word)):
        if m.start > 0 and m.tag.startswith(_TRAILING_TAG_PREFIXES):
            end = min(end, m.start)
        else:
            break
    return word[:end].rstrip()
