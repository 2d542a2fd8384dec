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
    "measure_pace",
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
    """Hangul syllable blocks for Korean text; vowel groups (with a silent-e rule) for English.
    Digits count one syllable per digit as a rough stand-in."""
    hangul = len(_HANGUL.findall(word))
    if hangul or language == "ko":
        return hangul + len(re.findall(r"\d", word))
    w = normalize_token(word)
    if not w:
        return 0
    if w.isdigit():
        return len(w)
    groups = re.findall(r"[aeiouy]+", w)
    n = len(groups)
    if w.endswith("e") and not w.endswith(("le", "ee", "ye")) and n > 1:
        n -= 1
    if w.endswith("ed") and not w.endswith(("ted", "ded")) and n > 1:
        n -= 1
    return max(1, n)


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
    lv = frame_levels_db(samples, sample_rate)
    if lv.size == 0:
        return AudioLevel(-100.0, -100.0, -100.0, -100.0)
    speech = float(np.percentile(lv, 95))
    noise = float(np.percentile(lv, 10))
    thr = max(noise + 8.0, speech - 35.0)
    peak = float(20 * np.log10(max(float(np.max(np.abs(samples))), 1e-5)))
    return AudioLevel(speech, noise, thr, peak)


def energy_silences(
    samples: np.ndarray, sample_rate: int, *, min_s: float, level: AudioLevel | None = None
) -> list[tuple[float, float]]:
    """Silent stretches (below the adaptive threshold) of at least ``min_s`` seconds."""
    level = level or audio_level(samples, sample_rate)
    lv = frame_levels_db(samples, sample_rate)
    quiet = lv < level.threshold_dbfs
    out: list[tuple[float, float]] = []
    start = None
    for i, q in enumerate(np.append(quiet, False)):
        if q and start is None:
            start = i
        elif not q and start is not None:
            if (i - start) * FRAME_S >= min_s:
                out.append((start * FRAME_S, i * FRAME_S))
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
    """Gross rate = words / (last word end - first word start); net rate leaves the pauses out.
    The timeline is a rolling ``window_s`` window every ``step_s`` seconds."""
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
    rate = spm if band.unit == "syllables_per_minute" else wpm
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
