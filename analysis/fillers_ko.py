"""Korean fillers that need evidence of hesitation, not just a word on a list.

Fluent read speech has no fillers, yet a word list counts 이제, 그, 뭐 and 좀 in it, and Whisper
turns the first syllable of a word after a silence into "아," now and then. So a Korean word
counts as a filler only with evidence from the audio or the grammar:

- **pause after it**: a gap of at least ``PAUSE_AFTER_S`` to the next word, or an energy
  silence (see :func:`analysis.speech.energy_silences`) starting at its end. A pause only
  *before* a word is how an utterance starts, not a hesitation;
- **lengthening**: its voiced duration (the word's span minus the energy silences in it, since
  Whisper stretches a word's end into the silence after it) is at least ``LENGTHENING_RATIO``
  times the speaker's typical syllable duration in this answer, and at least
  ``MIN_LENGTHENED_S``;
- **repetition**: the same word right before or after it ("어 어", "그 그");
- **tag**: the morphological analyser (:mod:`analysis.morph`) reads it, in its sentence, as an
  interjection (IC) and not as a determiner, pronoun or adverb ("그 사람" is MM, "이제 좀" MAG).

A pure interjection (음, 어, 아, 에, 으, 흠) counts with any one timing evidence (pause after,
lengthening, repetition). A word that is also an ordinary word (그, 저, 뭐, 좀, 이제, 막, 그냥,
약간, 그러니까) counts when repeated, or when tagged IC *and* followed by a pause or lengthened,
or when both followed by a pause and lengthened. Every filler must also be voiced for at
least ``MIN_VOICED_S`` (0.12 s; a hesitation sound is longer, and a 20 ms "word" inside a silence is a
timestamp artefact).
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence

from .morph import analyse
from .report import FillerItem, Word

__all__ = ["KOREAN_AMBIGUOUS_FILLERS", "KOREAN_INTERJECTION_FILLERS", "find_korean_fillers"]

KOREAN_INTERJECTION_FILLERS = frozenset({"음", "어", "아", "에", "으", "흠", "음음", "어어", "으음", "엄"})
KOREAN_AMBIGUOUS_FILLERS = frozenset({"그", "저", "뭐", "좀", "이제", "약간", "그러니까", "막", "그냥"})
PAUSE_AFTER_S = 0.25
LENGTHENING_RATIO = 2.2
MIN_LENGTHENED_S = 0.35
MIN_VOICED_S = 0.12
# When the answer has too few words to learn the speaker's syllable length from.
DEFAULT_SYLLABLE_S = 0.17
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_NOT_WORD = re.compile(r"[^\w\uac00-\ud7a3]+", re.UNICODE)


def _norm(word: str) -> str:
    return _NOT_WORD.sub("", word.strip().lower())


def _voiced_s(word: Word, silences: Sequence[tuple[float, float]]) -> float:
    span = max(0.0, word.end_s - word.start_s)
    silent = sum(max(0.0, min(e, word.end_s) - max(s, word.start_s)) for s, e in silences)
    return max(0.0, span - silent)


def _typical_syllable_s(
    words: Sequence[Word], tokens: Sequence[str], silences: Sequence[tuple[float, float]]
) -> float:
    per_syllable = []
    for w, tok in zip(words, tokens, strict=True):
        n = len(_HANGUL.findall(tok))
        if n >= 2 and tok not in KOREAN_AMBIGUOUS_FILLERS:
            per_syllable.append(_voiced_s(w, silences) / n)
    return statistics.median(per_syllable) if len(per_syllable) >= 5 else DEFAULT_SYLLABLE_S


def _interjection_tags(words: Sequence[Word]) -> list[bool]:
    """Per word: does the analyser read its first morpheme as an interjection (IC) in context?"""
    pieces, starts = [], []
    pos = 0
    for w in words:
        text = w.word.strip()
        starts.append(pos)
        pieces.append(text)
        pos += len(text) + 1
    tagged = [False] * len(words)
    morphs = analyse(" ".join(pieces))
    j = 0
    for m in morphs:
        while j + 1 < len(starts) and starts[j + 1] <= m.start:
            j += 1
        if m.start == starts[j] and m.tag == "IC":
            tagged[j] = True
    return tagged


def _pause_after(i: int, words: Sequence[Word], silences: Sequence[tuple[float, float]]) -> bool:
    w = words[i]
    if i + 1 < len(words) and words[i + 1].start_s - w.end_s >= PAUSE_AFTER_S:
        return True
    # A silence that starts after the word does and reaches its end (Whisper stretched the word
    # over it) or starts just after it.
    return any(w.start_s < s <= w.end_s + 0.3 and e >= w.end_s - 0.05 for s, e in silences)


def find_korean_fillers(
    words: Sequence[Word], silences: Sequence[tuple[float, float]] = ()
) -> list[FillerItem]:
    """Korean fillers with evidence (see the module docstring), with their start times."""
    if not words:
        return []
    tokens = [_norm(w.word) for w in words]
    candidates = [
        i for i, t in enumerate(tokens) if t in KOREAN_INTERJECTION_FILLERS or t in KOREAN_AMBIGUOUS_FILLERS
    ]
    if not candidates:
        return []
    syllable_s = _typical_syllable_s(words, tokens, silences)
    ic = _interjection_tags(words)
    items: list[FillerItem] = []
    for i in candidates:
        tok = tokens[i]
        voiced = _voiced_s(words[i], silences)
        if voiced < MIN_VOICED_S:
            continue
        syllables = max(1, len(_HANGUL.findall(tok)))
        lengthened = voiced >= max(MIN_LENGTHENED_S, LENGTHENING_RATIO * syllable_s * syllables)
        repeated = (i > 0 and tokens[i - 1] == tok) or (i + 1 < len(tokens) and tokens[i + 1] == tok)
        pause = _pause_after(i, words, silences)
        if tok in KOREAN_INTERJECTION_FILLERS:
            counted = pause or lengthened or repeated
        else:
            counted = repeated or (ic[i] and (pause or lengthened)) or (pause and lengthened)
        if counted:
            items.append(FillerItem(tok, words[i].start_s))
    return items
