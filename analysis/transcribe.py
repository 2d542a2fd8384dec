"""Transcription with faster-whisper: word timestamps, Silero VAD, int8 on the CPU.

Whisper tends to drop "um"/"uh" because its training transcripts are clean. With
``keep_fillers`` the decoder is primed with an ``initial_prompt`` written in a disfluent style,
which makes it keep more fillers (the recall is measured in tests/analysis and docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from .errors import AnalysisError
from .models import Transcriber
from .report import Word
from .speech import FRAME_S, frame_levels_db, level_of_frames, normalize_token

__all__ = [
    "FILLER_PROMPTS",
    "DecodeSettings",
    "TranscriptionResult",
    "choose_language",
    "collapse_repeats",
    "decode_settings_for",
    "filler_candidates",
    "find_loops",
    "recover_fillers",
    "transcribe_samples",
    "untranscribed_speech",
]

SAMPLE_RATE = 16000
FILLER_PROMPTS = {
    "en": "Um, so, uh, I was, like, you know, thinking about it. Hmm, I mean, uh, yeah.",
    "ko": "음, 그러니까, 어, 제가 이제, 뭐, 약간 그런 거를 했는데요. 어, 그, 저는...",
}


@dataclass(frozen=True)
class TranscriptionResult:
    words: tuple[Word, ...]
    text: str
    language: str
    language_probability: float | None


def choose_language(
    transcriber: Transcriber, samples: np.ndarray, requested: str
) -> tuple[str, float | None]:
    """``requested`` if it is ko/en; for ``auto``, Whisper's more likely of Korean and English.
    The product serves Korean and English speakers, and restricting the choice avoids a noisy
    short clip being labelled, say, Japanese."""
    if requested in ("ko", "en"):
        if requested == "ko" and transcriber.english_only:
            raise AnalysisError(
                "invalid_options", f"model {transcriber.name!r} is English-only; use base for Korean"
            )
        return requested, None
    if transcriber.english_only:
        return "en", None
    if samples.size < SAMPLE_RATE // 2:
        return "ko", None
    try:
        _, _, probs = transcriber.whisper.detect_language(
            audio=samples[: 30 * SAMPLE_RATE], vad_filter=True, language_detection_segments=1
        )
    except Exception:  # no speech found by VAD, etc.
        return "ko", None
    table = dict(probs)
    ko, en = float(table.get("ko", 0.0)), float(table.get("en", 0.0))
    total = ko + en
    if total <= 0:
        return "ko", None
    return ("ko", ko / total) if ko >= en else ("en", en / total)


@dataclass(frozen=True)
class DecodeSettings:
    """How Whisper decodes one clip (explicit, so variants can be measured side by side).

    - ``beam_size``: 1 is greedy; larger is beam search. Both run at temperature 0 with no random
      fallback, so the same audio always gives the same transcript.
    - ``prompt``: the ``initial_prompt`` (None: none). The disfluent filler prompt keeps "um"/"uh".
    - ``hotwords``: faster-whisper's hotwords (words to favour, e.g. a job's keywords; None: none).
    - ``vad_min_silence_ms``/``vad_speech_pad_ms``: Silero VAD parameters (``vad=False``: no VAD).
    - ``repair``: decode loops and skipped speech again (see :func:`transcribe_samples`).
    - ``hallucination_silence_threshold``: faster-whisper skips silent stretches this long around
      a suspected hallucination (None: off).
    - ``condition_on_previous_text``: give each 30 s window the previous window's text.
    - ``filler_pass``: after decoding, look for hesitation sounds the decoder left out (see
      :func:`recover_fillers`): one extra window with the filler prompt, never the main text.
    """

    beam_size: int = 1
    prompt: str | None = None
    hotwords: str | None = None
    vad: bool = True
    vad_min_silence_ms: int = 500
    vad_speech_pad_ms: int = 200
    repair: bool = True
    hallucination_silence_threshold: float | None = 2.0
    condition_on_previous_text: bool = False
    filler_pass: bool = False


def decode_settings_for(
    language: str, *, beam_size: int | None = None, keep_fillers: bool = True
) -> DecodeSettings:
    """The settings the pipeline uses for ``language`` (measured in benchmarks/bench_korean.py and
    benchmarks/bench_analysis.py; see docs/benchmarks.md "Korean transcription").

    - English: greedy, with the disfluent filler prompt (it is what keeps "um"/"uh"), repairs on,
      Silero VAD cutting at 500 ms silences (the espeak tests' WER, WPM and filler recall).
    - Korean: beam 5, no prompt, no repair passes, and Silero VAD's own defaults (2000 ms /
      400 ms pad). On 50 real Korean utterances (benchmarks/bench_korean.py) each of the English
      choices costs accuracy: VAD cutting at 500 ms silences with 200 ms pads clips syllables at
      the edges of every phrase and decodes phrases without their neighbours; the Korean filler
      prompt pulls the decoder towards its own words; the repair passes re-decode stretches of
      quiet breath and noise into extra words and triple the time; a question as the prompt
      derails it. Beam 5 gains over greedy at little cost. What is left is exactly plain
      faster-whisper beam-5 decoding (its defaults for the previous-text condition and the
      hallucination skip) with word timestamps: on the corpus it gives the same text as plain
      beam 5, which no variant measured beat. Hesitation sounds that this decoding drops are
      recovered by the filler pass (:func:`recover_fillers`), which adds only hesitation words.
    ``beam_size`` (when given) overrides the language's beam.
    """
    if language == "ko":
        s = DecodeSettings(
            beam_size=5,
            prompt=None,
            repair=False,
            vad_min_silence_ms=2000,
            vad_speech_pad_ms=400,
            hallucination_silence_threshold=None,
            condition_on_previous_text=True,
            filler_pass=keep_fillers,
        )
    else:
        s = DecodeSettings(beam_size=1, prompt=FILLER_PROMPTS.get(language) if keep_fillers else None)
    if not keep_fillers:
        s = replace(s, prompt=None, filler_pass=False)
    if beam_size is not None:
        s = replace(s, beam_size=beam_size)
    return s


def transcribe_samples(
    transcriber: Transcriber,
    samples: np.ndarray,
    *,
    language: str,
    offset_s: float = 0.0,
    beam_size: int | None = None,
    keep_fillers: bool = True,
    settings: DecodeSettings | None = None,
) -> tuple[Word, ...]:
    """Transcribe 16 kHz mono float32 ``samples`` (``language`` already chosen) into words with
    times shifted by ``offset_s``. The generator of faster-whisper is consumed here, so call
    this from a worker thread, never from an event loop.

    ``settings`` default to :func:`decode_settings_for` ``(language, beam_size, keep_fillers)``.
    Decoding is at temperature 0 with no random temperature fallback, so the same audio always
    gives the same transcript (a report analysed again must not change its scores). With
    ``settings.repair`` two known Whisper failures are then repaired, see :func:`find_loops`
    and :func:`untranscribed_speech`:

    - a decoder caught in a loop repeats a short phrase ("I'm, uh, I'm, uh, ..."; the disfluent
      filler prompt makes this likelier): the stretch is decoded again without the prompt, and
      any loop left is cut back to one occurrence;
    - a decoder that ends its 30 s window early leaves audible speech without words: each such
      stretch is decoded again on its own, without the prompt if the prompt gave nothing.

    Loops are cut back to one occurrence in every case.
    """
    if samples.size < SAMPLE_RATE // 10:
        return ()
    samples = samples.astype(np.float32, copy=False)
    cfg = settings or decode_settings_for(language, beam_size=beam_size, keep_fillers=keep_fillers)
    plain = replace(cfg, prompt=None)

    def decode(lo: int, hi: int, s: DecodeSettings) -> list[Word]:
        return _shifted(_decode(transcriber, samples[lo:hi], language, s), lo / SAMPLE_RATE)

    words = decode(0, samples.size, cfg)
    if cfg.repair:
        if cfg.prompt:
            for i, j in reversed(find_loops(words)):
                lo = max(0, int((words[i].start_s - _EDGE_PAD_S) * SAMPLE_RATE))
                hi = min(samples.size, int((words[j - 1].end_s + _EDGE_PAD_S) * SAMPLE_RATE))
                if hi - lo >= SAMPLE_RATE // 10:
                    words[i:j] = decode(lo, hi, plain)
        tried: set[tuple[int, int]] = set()
        for _ in range(_MAX_RECOVERY_PASSES):
            gap = next((g for g in untranscribed_speech(samples, words) if g not in tried), None)
            if gap is None:
                break
            tried.add(gap)
            more = decode(*gap, cfg)
            if cfg.prompt and (not more or find_loops(more)):
                more = decode(*gap, plain)
            words = sorted([*words, *more], key=lambda w: w.start_s)
    if cfg.filler_pass and language == "ko":
        words = recover_fillers(transcriber, samples, words, language=language)
    return tuple(_shifted(collapse_repeats(words), offset_s))


def _shifted(words: list[Word], by_s: float) -> list[Word]:
    if not by_s:
        return words
    return [Word(w.word, round(w.start_s + by_s, 3), round(w.end_s + by_s, 3), w.probability) for w in words]


_MAX_RECOVERY_PASSES = 6
_MIN_GAP_S = 1.5  # a stretch without words this long is checked for speech
_MIN_VOICED_S = 0.8  # ... and transcribed again if it holds this much voiced audio
_EDGE_PAD_S = 0.2


# A decoder caught in a loop ("흐흐흐…", "I'm, I'm, …") runs on to Whisper's 448-token limit: at
# beam 5 that costs 5–20 s for a 4 s live chunk, and a live answer's report waits for it. Real
# speech stays far below this many tokens per second (the Korean read-speech corpus peaks at 6,
# English at about 4), so a clip shorter than one 30 s window is capped to its length.
MAX_TOKENS_PER_S = 16
MAX_TOKENS_SLACK = 24  # timestamps and punctuation
WHISPER_MAX_NEW_TOKENS = 440  # under the model's 448, with room for the start tokens


def max_new_tokens_for(duration_s: float) -> int | None:
    """The token budget of a clip this long (None: a full window, Whisper's own limit)."""
    budget = int(duration_s * MAX_TOKENS_PER_S) + MAX_TOKENS_SLACK
    return budget if budget < WHISPER_MAX_NEW_TOKENS else None


def _decode(transcriber: Transcriber, samples: np.ndarray, language: str, s: DecodeSettings) -> list[Word]:
    segments, _info = transcriber.whisper.transcribe(
        samples,
        language=language,
        beam_size=s.beam_size,
        best_of=1 if s.beam_size == 1 else 5,
        word_timestamps=True,
        vad_filter=s.vad,
        vad_parameters=(
            {"min_silence_duration_ms": s.vad_min_silence_ms, "speech_pad_ms": s.vad_speech_pad_ms}
            if s.vad
            else None
        ),
        initial_prompt=s.prompt,
        hotwords=s.hotwords,
        condition_on_previous_text=s.condition_on_previous_text,
        temperature=0.0,
        hallucination_silence_threshold=s.hallucination_silence_threshold,
        max_new_tokens=max_new_tokens_for(samples.size / SAMPLE_RATE),
    )
    words: list[Word] = []
    for seg in segments:
        for w in seg.words or []:
            text = w.word.strip()
            if text:
                words.append(
                    Word(
                        word=text,
                        start_s=round(float(w.start), 3),
                        end_s=round(float(w.end), 3),
                        probability=round(float(w.probability), 3),
                    )
                )
    return words


def untranscribed_speech(samples: np.ndarray, words: list[Word]) -> list[tuple[int, int]]:
    """Sample ranges of at least ``_MIN_GAP_S`` between (or around) ``words`` that hold at least
    ``_MIN_VOICED_S`` of audio above the clip's speech threshold, trimmed to the voiced part."""
    levels = frame_levels_db(samples, SAMPLE_RATE)
    if levels.size == 0:
        return []
    voiced = levels >= level_of_frames(levels).threshold_dbfs
    total_s = samples.size / SAMPLE_RATE
    edges = [0.0, *(x for w in words for x in (w.start_s, w.end_s)), total_s]
    out: list[tuple[int, int]] = []
    for a, b in zip(edges[0::2], edges[1::2], strict=False):
        if b - a < _MIN_GAP_S:
            continue
        fa, fb = int(a / FRAME_S), min(int(b / FRAME_S), voiced.size)
        hits = np.flatnonzero(voiced[fa:fb])
        if hits.size * FRAME_S < _MIN_VOICED_S:
            continue
        start_s = max(a, (fa + hits[0]) * FRAME_S - _EDGE_PAD_S)
        end_s = min(b, (fa + hits[-1] + 1) * FRAME_S + _EDGE_PAD_S)
        out.append((int(start_s * SAMPLE_RATE), int(end_s * SAMPLE_RATE)))
    return out


# --- the filler pass (Korean): hesitation sounds the unprompted decoder leaves out

# A candidate is an island of voiced audio this long (short bursts are breaths, clicks and lip
# noise; a hesitation sound is held) ...
FILLER_ISLAND_MIN_S = 0.3
FILLER_ISLAND_MAX_S = 1.5
# ... with at least this much silence on each side (a hesitation stands apart from the words) ...
FILLER_ISLAND_SILENCE_S = 0.25
# ... and no transcribed word over most of it. Dips shorter than this do not split an island.
_ISLAND_BRIDGE_S = 0.15
_ISLAND_PAD_S = 0.15  # audio kept around each island in the filler window
FILLER_JOIN_S = 0.4  # silence between the islands in the window
_WINDOW_S = 30.0  # Whisper's window: the islands of one answer are decoded in as few as fit
# A recovered hesitation word needs at least this word probability.
FILLER_MIN_PROBABILITY = 0.05


def filler_candidates(samples: np.ndarray, words: Sequence[Word]) -> list[tuple[float, float]]:
    """``(start_s, end_s)`` of voiced islands that may be a hesitation sound the decoder left
    out: ``FILLER_ISLAND_MIN_S``–``FILLER_ISLAND_MAX_S`` of audio above the clip's speech
    threshold (dips under ``_ISLAND_BRIDGE_S`` bridged), with ``FILLER_ISLAND_SILENCE_S`` of
    silence before and after, and not mostly covered by a transcribed word other than a
    hesitation sound."""
    from .fillers_ko import KOREAN_INTERJECTION_FILLERS

    levels = frame_levels_db(samples, SAMPLE_RATE)
    if levels.size == 0:
        return []
    voiced = levels >= level_of_frames(levels).threshold_dbfs
    edges = np.flatnonzero(np.diff(np.concatenate([[0], voiced.astype(np.int8), [0]])))
    runs: list[list[int]] = []
    bridge = round(_ISLAND_BRIDGE_S / FRAME_S)
    for a, b in zip(edges[0::2], edges[1::2], strict=True):
        if runs and a - runs[-1][1] < bridge:
            runs[-1][1] = int(b)
        else:
            runs.append([int(a), int(b)])
    content = [w for w in words if normalize_token(w.word) not in KOREAN_INTERJECTION_FILLERS]
    out: list[tuple[float, float]] = []
    for k, (a, b) in enumerate(runs):
        start_s, end_s = a * FRAME_S, b * FRAME_S
        before = start_s - runs[k - 1][1] * FRAME_S if k else start_s
        after = runs[k + 1][0] * FRAME_S - end_s if k + 1 < len(runs) else samples.size / SAMPLE_RATE - end_s
        if not FILLER_ISLAND_MIN_S <= end_s - start_s <= FILLER_ISLAND_MAX_S:
            continue
        if min(before, after) < FILLER_ISLAND_SILENCE_S:
            continue
        covered = sum(max(0.0, min(w.end_s, end_s) - max(w.start_s, start_s)) for w in content)
        if covered > 0.5 * (end_s - start_s):
            continue
        out.append((round(start_s, 3), round(end_s, 3)))
    return out


def recover_fillers(
    transcriber: Transcriber, samples: np.ndarray, words: Sequence[Word], *, language: str
) -> list[Word]:
    """``words`` plus the hesitation sounds found in :func:`filler_candidates` islands.

    Decoding each island on its own costs a full 30 s encoder pass per island (3x the main
    decoding on the corpus). Instead the islands, each with ``_ISLAND_PAD_S`` of audio around it,
    are joined with ``FILLER_JOIN_S`` of silence into windows of at most 30 s and each window is
    decoded once, greedy at temperature 0 (deterministic), VAD off, with the disfluent filler
    prompt (which is what makes Whisper write "음"/"어"). Each decoded word goes back to the
    island its middle falls in (or the silence next to it), clamped to the island's voiced span.
    Only pure hesitation sounds (:data:`analysis.fillers_ko.KOREAN_INTERJECTION_FILLERS`) with
    probability >= ``FILLER_MIN_PROBABILITY`` are kept, at most one an island, and islands that
    already hold a hesitation word are skipped. The main transcript's words are never changed,
    so the filler prompt cannot pull them towards its own words. Whether a kept word counts as a filler is still the evidence
    rule's decision (:func:`analysis.fillers_ko.find_korean_fillers`)."""
    from .fillers_ko import KOREAN_INTERJECTION_FILLERS

    fillers_there = [w for w in words if normalize_token(w.word) in KOREAN_INTERJECTION_FILLERS]
    islands = [
        (a, b)
        for a, b in filler_candidates(samples, words)
        if not any(w.start_s < b and w.end_s > a for w in fillers_there)
    ]
    if not islands:
        return list(words)
    total_s = samples.size / SAMPLE_RATE
    join = np.zeros(round(FILLER_JOIN_S * SAMPLE_RATE), np.float32)
    windows: list[list[tuple[float, float, float]]] = [[]]  # (island start in window, island a, b)
    parts: list[list[np.ndarray]] = [[join]]
    pos = [FILLER_JOIN_S]
    for a, b in islands:
        lo, hi = max(0.0, a - _ISLAND_PAD_S), min(total_s, b + _ISLAND_PAD_S)
        clip = samples[round(lo * SAMPLE_RATE) : round(hi * SAMPLE_RATE)]
        if pos[-1] + clip.size / SAMPLE_RATE + FILLER_JOIN_S > _WINDOW_S and windows[-1]:
            windows.append([])
            parts.append([join])
            pos.append(FILLER_JOIN_S)
        windows[-1].append((pos[-1] + (a - lo), a, b))
        parts[-1].extend([clip, join])
        pos[-1] += clip.size / SAMPLE_RATE + FILLER_JOIN_S
    settings = DecodeSettings(
        beam_size=1, prompt=FILLER_PROMPTS[language], vad=False, repair=False,
        hallucination_silence_threshold=None, condition_on_previous_text=False,
    )  # fmt: skip
    found: list[Word] = []
    for placed, chunks in zip(windows, parts, strict=True):
        for w in _decode(transcriber, np.concatenate(chunks), language, settings):
            if (
                normalize_token(w.word) not in KOREAN_INTERJECTION_FILLERS
                or w.probability < FILLER_MIN_PROBABILITY
            ):
                continue
            mid = (w.start_s + w.end_s) / 2
            # the island whose span, widened by half the join on each side, holds the middle
            for at, a, b in placed:
                if (
                    at - FILLER_JOIN_S / 2 - _ISLAND_PAD_S
                    <= mid
                    < at + (b - a) + _ISLAND_PAD_S + FILLER_JOIN_S / 2
                ):
                    start = min(max(a, a + (w.start_s - at)), b)
                    end = max(min(b, a + (w.end_s - at)), start)
                    if not any(f.start_s < b and f.end_s > a for f in found):
                        found.append(Word(w.word, round(start, 3), round(end, 3), w.probability))
                    break
    return sorted([*words, *found], key=lambda w: w.start_s)


_MAX_REPEATS = 3  # "no, no, no" is speech; the same phrase a fourth time in a row is a decoder loop


def _loop_at(keys: list[str], i: int) -> tuple[int, int] | None:
    """``(n, reps)`` if a phrase of ``n`` (1-4) words starting at ``i`` repeats ``reps`` >
    ``_MAX_REPEATS`` times in a row."""
    for n in range(1, 5):
        phrase = keys[i : i + n]
        if len(phrase) < n or not all(phrase):
            return None
        reps = 1
        while keys[i + reps * n : i + (reps + 1) * n] == phrase:
            reps += 1
        if reps > _MAX_REPEATS:
            return n, reps
    return None


def find_loops(words: list[Word]) -> list[tuple[int, int]]:
    """Index ranges ``[i, j)`` of ``words`` where a phrase of one to four words repeats more than
    ``_MAX_REPEATS`` times in a row: Whisper's looping failure, not speech."""
    keys = [normalize_token(w.word) for w in words]
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        found = _loop_at(keys, i)
        if found is None:
            i += 1
        else:
            out.append((i, i + found[0] * found[1]))
            i += found[0] * found[1]
    return out


def collapse_repeats(words: list[Word]) -> list[Word]:
    """Cut each loop found by :func:`find_loops` back to one occurrence of its phrase."""
    keys = [normalize_token(w.word) for w in words]
    out: list[Word] = []
    last = 0
    for i, j in find_loops(words):
        n, _reps = _loop_at(keys, i) or (j - i, 1)
        out.extend(words[last : i + n])
        last = j
    out.extend(words[last:])
    return out


def join_words(words: tuple[Word, ...] | list[Word]) -> str:
    return " ".join(w.word for w in words).strip()
