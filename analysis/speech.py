"""Speech delivery metrics from word timestamps and the audio: pace, pauses, fillers, level.

Pauses come from the audio, not only from Whisper's word times (Whisper stretches a word's end
into the silence after it by up to a second): a frame-energy detector finds silences of at least
``min_pause_s`` between the first and the last word. The threshold adapts to the recording:
``max(noise_floor + 8 dB, speech_level - 35 dB)`` where the levels are the 10th and 95th
percentiles of 20 ms frame levels.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .fillers_ko import KOREAN_AMBIGUOUS_FILLERS, KOREAN_INTERJECTION_FILLERS, find_korean_fillers
from .options import PaceBand
from .report import FillerItem, FillersReport, PacePoint, PaceReport, PauseItem, PausesReport, Word

__all__ = [
    "AudioLevel",
    "audio_level",
    "count_syllables",
    "energy_silences",
    "find_fillers",
    "find_pauses",
    "korean_reading_syllables",
    "level_of_frames",
    "measure_pace",
    "silences_in_frames",
    "sino_korean_syllables",
    "text_syllables",
]

FRAME_S = 0.02
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_PUNCT = re.compile(r"[^\w\uac00-\ud7a3']+", re.UNICODE)

ENGLISH_FILLERS = (
    "um",
    "uh",
    "erm",
    "er",
    "ah",
    "uhm",
    "hmm",
    "mm",
    "like",
    "you know",
    "i mean",
    "basically",
)
KOREAN_FILLERS = tuple(sorted(KOREAN_INTERJECTION_FILLERS | KOREAN_AMBIGUOUS_FILLERS))
# "like" is a filler unless it is the verb or a comparison after one of these words.
_LIKE_NOT_FILLER_AFTER = {
    "i", "you", "we", "they", "would", "i'd", "we'd", "you'd", "they'd", "don't", "didn't", "do", "did",
    "feel", "feels", "felt", "look", "looks", "looked", "sound", "sounds", "seem", "seems", "something",
    "anything", "nothing", "things", "really", "not", "also", "people", "he", "she", "it", "that",
}  # fmt: skip


def normalize_token(word: str) -> str:
    return _PUNCT.sub("", word.strip().lower())


def count_syllables(word: str, language: str) -> int:
    """Syllables of ``word`` as spoken.

    Korean (or any word with Hangul): one per Hangul block, plus digits, amounts and Latin
    letters read out with :func:`korean_reading_syllables` ("2024년" = 이천이십사 년 = 6;
    "SQL을" = 에스큐엘을 = 5). English: vowel groups with a silent-e rule; a number counts one
    syllable per digit as a rough stand-in."""
    if language == "ko" or _HANGUL.search(word):
        return korean_reading_syllables(word)
    w = normalize_token(word)
    if not w:
        return 0
    if w.isdigit():
        return len(w)
    return _english_syllables(w)


def _english_syllables(w: str) -> int:
    groups = re.findall(r"[aeiouy]+", w)
    n = len(groups)
    if w.endswith("e") and not w.endswith(("le", "ee", "ye")) and n > 1:
        n -= 1
    if w.endswith("ed") and not w.endswith(("ted", "ded")) and n > 1:
        n -= 1
    return max(1, n)


# --- how Korean speakers read digits and Latin letters (syllable counts only)

# Letter names as read in Korean: A 에이, B 비, ... H 에이치, W 더블유.
_LETTER_SYLLABLES = dict(
    zip(
        "abcdefghijklmnopqrstuvwxyz",
        (2, 1, 1, 1, 1, 2, 1, 3, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 2, 3, 2, 2, 2),
        strict=True,
    )
)
# Native numerals before counters (한 시, 두 개, 스무 살): 1-9 and the tens 10-90.
_NATIVE_UNITS = (0, 1, 1, 1, 1, 2, 2, 2, 2, 2)  # -, 한, 두, 세, 네, 다섯, 여섯, 일곱, 여덟, 아홉
_NATIVE_TENS = (0, 1, 2, 2, 2, 1, 2, 2, 2, 2)  # -, 열, 스물, 서른, 마흔, 쉰, 예순, 일흔, 여든, 아흔
_NATIVE_COUNTERS = ("시간", "시", "개", "살", "명", "마리", "잔", "권", "달", "곳", "가지", "사람")
_SYMBOL_SYLLABLES = {
    "%": 3,
    "+": 2,
    "&": 2,
    "#": 2,
    "@": 1,
    "$": 2,
    "₩": 1,
}  # 퍼센트 플러스 앤드 샵 앳 달러 원
_TOKEN = re.compile(r"[\uac00-\ud7a3]+|\d[\d,]*(?:\.\d+)?|[A-Za-z]+|[%+&#@$₩]")


def _sino_group(n: int) -> int:
    """Syllables of 1-9999 read in Sino-Korean: 삼천육백 = 4, 천 = 1 (no 일 before 십/백/천)."""
    out = 0
    for place, unit in ((1000, True), (100, True), (10, True), (1, False)):
        d = n // place % 10
        if d:
            out += (1 if (d != 1 or not unit) else 0) + (1 if unit else 0)
    return out


def sino_korean_syllables(n: int) -> int:
    """Syllables of a whole number read in Sino-Korean: 2024 = 이천이십사 = 5, 36000000 =
    삼천육백만 = 5, 10000 = 만 = 1, 0 = 영 = 1."""
    if n == 0:
        return 1
    out = 0
    for big in range(5, -1, -1):  # 경, 조, 억, 만 and the ones: groups of four digits
        g = n // 10 ** (4 * big) % 10000
        if not g:
            continue
        out += 0 if (big == 1 and g == 1) else _sino_group(g)  # 만, not 일만; but 일억
        out += 1 if big else 0
    return out


def _native_counter(following: str, n: int) -> bool:
    """Whether a number before ``following`` is read with native numerals (세 시간, 두 개), not
    Sino-Korean (십삼 시, 십 개월, 오 분)."""
    if not following.startswith(_NATIVE_COUNTERS) or following.startswith("개월"):
        return False
    return not (following.startswith("시") and not following.startswith("시간") and n > 12)


def _native_syllables(n: int) -> int:
    return _NATIVE_TENS[n // 10] + _NATIVE_UNITS[n % 10]


def _number_syllables(digits: str, following: str) -> int:
    plain = digits.replace(",", "")
    whole, _, frac = plain.partition(".")
    if len(whole) > 1 and whole.startswith("0"):
        return len(whole) + (1 + len(frac) if frac else 0)  # 010: 공일공, digit by digit
    n = int(whole) if whole else 0
    if not frac and 1 <= n <= 99 and _native_counter(following, n):
        return _native_syllables(n)
    out = sino_korean_syllables(n)
    if frac:
        out += 1 + len(frac)  # 삼 점 오: 점 and each digit
    return out


def _latin_syllables(letters: str) -> int:
    """Acronyms (all capitals, or up to three letters) are spelled out (SQL = 에스큐엘 = 4);
    other Latin words (Python, Excel) are counted like English words, a lower bound of the
    Korean loanword reading (파이썬 = 3 against 2 vowel groups)."""
    if letters.isupper() or len(letters) <= 3:
        return sum(_LETTER_SYLLABLES.get(c, 1) for c in letters.lower())
    return _english_syllables(letters.lower())


def korean_reading_syllables(word: str) -> int:
    """Syllables of a Korean token as read aloud: Hangul blocks, numbers (Sino-Korean, or
    native before counters such as 시/개/살/명), Latin letters and a few symbols."""
    out = 0
    parts = _TOKEN.findall(word)
    for i, part in enumerate(parts):
        if _HANGUL.match(part):
            out += len(part)
        elif part[0].isdigit():
            following = parts[i + 1] if i + 1 < len(parts) else ""
            out += _number_syllables(part, following)
        elif part.isascii() and part.isalpha():
            out += _latin_syllables(part)
        else:
            out += _SYMBOL_SYLLABLES.get(part, 0)
    return out


def text_syllables(text: str, language: str = "ko") -> int:
    """Syllables of a whole text as spoken (e.g. a reference transcript)."""
    return sum(count_syllables(w, language) for w in text.split())


@dataclass(frozen=True)
class AudioLevel:
    speech_dbfs: float  # 95th percentile of 20 ms frame levels
    noise_dbfs: float  # 10th percentile
    threshold_dbfs: float
    peak_dbfs: float


def frame_levels_db(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    n = round(FRAME_S * sample_rate)
    if n <= 0 or samples.size < n:
        return np.full(0, -100.0)
    k = samples.size // n
    frames = samples[: k * n].reshape(k, n).astype(np.float64)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    return 20 * np.log10(np.maximum(rms, 1e-5))


def audio_level(samples: np.ndarray, sample_rate: int) -> AudioLevel:
    level = level_of_frames(frame_levels_db(samples, sample_rate))
    if samples.size and level.speech_dbfs > -100.0:
        peak = float(20 * np.log10(max(float(np.max(np.abs(samples))), 1e-5)))
        return AudioLevel(level.speech_dbfs, level.noise_dbfs, level.threshold_dbfs, peak)
    return level


def level_of_frames(levels_db: np.ndarray) -> AudioLevel:
    """:class:`AudioLevel` from 20 ms frame levels (the peak is the loudest frame's level)."""
    lv = np.asarray(levels_db, dtype=np.float64)
    if lv.size == 0:
        return AudioLevel(-100.0, -100.0, -100.0, -100.0)
    speech = float(np.percentile(lv, 95))
    noise = float(np.percentile(lv, 10))
    thr = max(noise + 8.0, speech - 35.0)
    return AudioLevel(speech, noise, thr, float(np.max(lv)))


def energy_silences(
    samples: np.ndarray, sample_rate: int, *, min_s: float, level: AudioLevel | None = None
) -> list[tuple[float, float]]:
    """Silent stretches (below the adaptive threshold) of at least ``min_s`` seconds."""
    level = level or audio_level(samples, sample_rate)
    return silences_in_frames(frame_levels_db(samples, sample_rate), level.threshold_dbfs, min_s=min_s)


def silences_in_frames(
    levels_db: np.ndarray, threshold_dbfs: float, *, min_s: float, offset_s: float = 0.0
) -> list[tuple[float, float]]:
    """Runs of 20 ms frames below ``threshold_dbfs`` lasting at least ``min_s``, in seconds from
    ``offset_s`` (the first frame's time)."""
    quiet = np.asarray(levels_db) < threshold_dbfs
    out: list[tuple[float, float]] = []
    start = None
    for i, q in enumerate(np.append(quiet, False)):
        if q and start is None:
            start = i
        elif not q and start is not None:
            if (i - start) * FRAME_S >= min_s:
                out.append((offset_s + start * FRAME_S, offset_s + i * FRAME_S))
            start = None
    return out


def find_pauses(
    words: Sequence[Word],
    silences: Sequence[tuple[float, float]],
    *,
    min_pause_s: float,
    long_pause_s: float,
) -> PausesReport:
    """Pauses inside the answer: energy silences between the first word's start and the last
    word's end. Without audio silences (e.g. steady background noise), gaps between words of at
    least ``min_pause_s`` are used instead."""
    items: list[PauseItem] = []
    if len(words) >= 2:
        lo, hi = words[0].start_s, words[-1].end_s
        for s, e in silences:
            s2, e2 = max(s, lo), min(e, hi)
            if e2 - s2 >= min_pause_s:
                items.append(PauseItem(round(s2, 3), round(e2, 3), round(e2 - s2, 3), e2 - s2 > long_pause_s))
        if not items:
            for a, b in itertools.pairwise(words):
                gap = b.start_s - a.end_s
                if gap >= min_pause_s:
                    items.append(
                        PauseItem(round(a.end_s, 3), round(b.start_s, 3), round(gap, 3), gap > long_pause_s)
                    )
    return PausesReport(
        count=len(items),
        long_count=sum(p.long for p in items),
        items=tuple(items),
        total_s=round(sum(p.duration_s for p in items), 3),
        min_pause_s=min_pause_s,
        long_pause_s=long_pause_s,
    )


def measure_pace(
    words: Sequence[Word],
    language: str,
    pauses: PausesReport,
    band: PaceBand,
    *,
    window_s: float = 10.0,
    step_s: float = 5.0,
) -> PaceReport:
    """Gross rate = words (or syllables as spoken) / (last word end - first word start); the net
    (articulation) rate leaves the pauses out. The band is compared with the rate its ``unit``
    names: Korean uses net syllables a minute, since pauses are measured on their own and a
    speaker who pauses to think is not a slow talker. The timeline is a rolling ``window_s``
    window every ``step_s`` seconds."""
    if not words:
        return PaceReport(
            None, None, None, (), 0.0, 0.0, band.unit, band.low, band.high, band.provisional, None
        )
    span = max(words[-1].end_s - words[0].start_s, 1e-3)
    speaking = max(span - pauses.total_s, 1e-3)
    n_words = len(words)
    syl = sum(count_syllables(w.word, language) for w in words)
    wpm = n_words / span * 60
    net = n_words / speaking * 60
    spm = syl / span * 60
    timeline: list[PacePoint] = []
    t0, t_end = words[0].start_s, words[-1].end_s
    t = t0
    while True:
        end = min(t + window_s, t_end)
        inside = [w for w in words if w.start_s >= t and w.start_s < end]
        dur = max(end - t, 1e-3)
        timeline.append(
            PacePoint(
                round(t, 2),
                round(end, 2),
                round(len(inside) / dur * 60, 1),
                round(sum(count_syllables(w.word, language) for w in inside) / dur * 60, 1),
            )
        )
        if end >= t_end:
            break
        t += step_s
    net_spm = syl / speaking * 60
    rate = {"syllables_per_minute": spm, "net_syllables_per_minute": net_spm}.get(band.unit, wpm)
    return PaceReport(
        words_per_minute=round(wpm, 1),
        net_words_per_minute=round(net, 1),
        syllables_per_minute=round(spm, 1),
        timeline=tuple(timeline),
        speech_duration_s=round(span, 3),
        speaking_time_s=round(speaking, 3),
        unit=band.unit,
        target_low=band.low,
        target_high=band.high,
        target_provisional=band.provisional,
        in_target=band.low <= rate <= band.high,
        net_syllables_per_minute=round(net_spm, 1),
    )


def find_fillers(
    words: Sequence[Word], language: str, *, silences: Sequence[tuple[float, float]] = ()
) -> list[FillerItem]:
    """Filler words and phrases with their start times. English by list and context; Korean only
    with evidence of hesitation (:mod:`analysis.fillers_ko`), which uses the energy ``silences``."""
    toks = [normalize_token(w.word) for w in words]
    items: list[FillerItem] = []
    i = 0
    while i < len(words):
        tok = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else ""
        prev = toks[i - 1] if i > 0 else ""
        if (tok, nxt) in (("you", "know"), ("i", "mean")) and (
            i + 2 >= len(toks) or toks[i + 2] not in ("what", "that", "how")
        ):
            items.append(FillerItem(f"{tok} {nxt}", words[i].start_s))
            i += 2
            continue
        if tok in ("um", "uh", "erm", "er", "ah", "uhm", "umm", "uhh", "hmm", "mm", "basically") or (
            tok == "like" and prev not in _LIKE_NOT_FILLER_AFTER
        ):
            items.append(FillerItem(tok, words[i].start_s))
        i += 1
    if any(_HANGUL.search(t) for t in toks):
        items = sorted([*items, *find_korean_fillers(words, silences)], key=lambda f: f.start_s)
    return items


def fillers_report(items: Sequence[FillerItem], speech_duration_s: float) -> FillersReport:
    minutes = max(speech_duration_s, 1.0) / 60
    return FillersReport(count=len(items), per_minute=round(len(items) / minutes, 2), items=tuple(items))
