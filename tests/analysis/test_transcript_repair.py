"""Repairs of Whisper's two known failures: a decoder that ends its window early (speech left
without words) and a decoder caught in a loop (a phrase repeated over and over)."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.report import Word
from analysis.transcribe import SAMPLE_RATE, collapse_repeats, untranscribed_speech

pytestmark = pytest.mark.unit


def _tone_clip(spans: list[tuple[float, float]], total_s: float) -> np.ndarray:
    """Low noise with a loud 220 Hz tone (standing in for voice) over ``spans``."""
    rng = np.random.default_rng(7)
    samples = (rng.standard_normal(int(total_s * SAMPLE_RATE)) * 0.001).astype(np.float32)
    for a, b in spans:
        t = np.arange(int(a * SAMPLE_RATE), int(b * SAMPLE_RATE))
        samples[t] += 0.3 * np.sin(2 * np.pi * 220 * t / SAMPLE_RATE).astype(np.float32)
    return samples


def _w(word: str, start: float, end: float) -> Word:
    return Word(word, start, end, 0.9)


def test_voiced_audio_without_words_is_found_and_trimmed_to_the_voice() -> None:
    samples = _tone_clip([(0.5, 3.0), (6.0, 9.0)], 12.0)
    words = [_w("hello", 0.5, 1.4), _w("there", 1.5, 3.0)]
    gaps = untranscribed_speech(samples, words)
    assert len(gaps) == 1
    lo, hi = (x / SAMPLE_RATE for x in gaps[0])
    assert lo == pytest.approx(5.8, abs=0.1)
    assert hi == pytest.approx(9.2, abs=0.1)


def test_silent_gaps_and_fully_transcribed_speech_need_no_second_pass() -> None:
    samples = _tone_clip([(0.5, 3.0), (6.0, 9.0)], 12.0)
    words = [_w("one", 0.5, 3.0), _w("two", 6.0, 9.0)]
    assert untranscribed_speech(samples, words) == []
    # a short voiced blip in a long gap (a cough) is not worth another decoder pass
    coughs = _tone_clip([(0.5, 3.0), (6.0, 6.3)], 12.0)
    assert untranscribed_speech(coughs, [_w("one", 0.5, 3.0)]) == []
    # nothing transcribed at all: the whole voiced stretch comes back
    assert len(untranscribed_speech(samples, [])) == 1


def test_decoder_loops_are_cut_to_one_occurrence_but_real_repetition_stays() -> None:
    loop = [_w("I'm", 0, 0.2), _w("sorry,", 0.2, 0.4)] * 6 + [_w("My", 3, 3.2), _w("name", 3.2, 3.4)]
    assert [w.word for w in collapse_repeats(loop)] == ["I'm", "sorry,", "My", "name"]
    spoken = [_w("no,", 0, 0.2), _w("no,", 0.2, 0.4), _w("no.", 0.4, 0.6), _w("Fine.", 0.6, 0.8)]
    assert collapse_repeats(spoken) == spoken
    one_word_loop = [_w("그는", i * 0.1, i * 0.1 + 0.1) for i in range(40)]
    assert [w.word for w in collapse_repeats(one_word_loop)] == ["그는"]
