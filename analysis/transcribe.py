"""Transcription with faster-whisper: word timestamps, Silero VAD, int8 on the CPU.

Whisper tends to drop "um"/"uh" because its training transcripts are clean. With
``keep_fillers`` the decoder is primed with an ``initial_prompt`` written in a disfluent style,
which makes it keep more fillers (the recall is measured in tests/analysis and docs/benchmarks.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import AnalysisError
from .models import Transcriber
from .report import Word

__all__ = ["FILLER_PROMPTS", "TranscriptionResult", "choose_language", "transcribe_samples"]

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


def transcribe_samples(
    transcriber: Transcriber,
    samples: np.ndarray,
    *,
    language: str,
    offset_s: float = 0.0,
    beam_size: int = 1,
    keep_fillers: bool = True,
    vad: bool = True,
) -> tuple[Word, ...]:
    """Transcribe 16 kHz mono float32 ``samples`` (``language`` already chosen) into words with
    times shifted by ``offset_s``. The generator of faster-whisper is consumed here, so call
    this from a worker thread, never from an event loop."""
    if samples.size < SAMPLE_RATE // 10:
        return ()
    segments, _info = transcriber.whisper.transcribe(
        samples.astype(np.float32, copy=False),
        language=language,
        beam_size=beam_size,
        best_of=1 if beam_size == 1 else 5,
        word_timestamps=True,
        vad_filter=vad,
        vad_parameters={"min_silence_duration_ms": 500, "speech_pad_ms": 200} if vad else None,
        initial_prompt=FILLER_PROMPTS.get(language) if keep_fillers else None,
        condition_on_previous_text=False,
        temperature=[0.0, 0.2, 0.4],
        hallucination_silence_threshold=2.0,
    )
    words: list[Word] = []
    for seg in segments:
        for w in seg.words or []:
            text = w.word.strip()
            if not text:
                continue
            words.append(
                Word(
                    word=text,
                    start_s=round(float(w.start) + offset_s, 3),
                    end_s=round(float(w.end) + offset_s, 3),
                    probability=round(float(w.probability), 3),
                )
            )
    return tuple(words)


def join_words(words: tuple[Word, ...] | list[Word]) -> str:
    return " ".join(w.word for w in words).strip()
