"""Live pace for Korean is judged on syllables, like the report: real corpus speech fed as it would
arrive from a live answer gets no pace nudge at its own pace, and "too fast" when sped up.

The audio is a real answer from ``../shared/corpora/ko-read-speech`` (tests/kocorpus.py joins 10
read utterances), fed in 20 ms pieces to :class:`analysis.IncrementalAnalysis`. Transcription
keeps up with real time on a quiet machine; to make the test independent of load, the feed
waits (on the audio clock, not the wall clock) whenever the worker is more than one chunk
behind, which is where a live answer's worker is when the machine keeps up. Each second of
audio the nudge rule the live answer uses (``server.answers.live.choose_nudge``) is asked what
it would show, with the audio time as the clock. The fast answer is the same audio sped up 1.6
times with sox's ``tempo`` (pitch kept), which a Korean listener hears as rushed.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
import wave

import numpy as np
import pytest

from analysis import AnalysisOptions, IncrementalAnalysis
from analysis.models import Transcriber
from analysis.options import KOREAN_BAND
from analysis.pipeline import LiveMetrics
from server.answers.live import choose_nudge
from tests import kocorpus

pytestmark = [pytest.mark.model, pytest.mark.media]

SR = 16000
FEED = 320  # 20 ms
FAST_TEMPO = 1.6


def _require_corpus() -> None:
    if not kocorpus.corpus_available():
        reason = "the Korean read-speech corpus (../shared/corpora/ko-read-speech) is not available"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def _tempo(samples: np.ndarray, factor: float) -> np.ndarray:
    with tempfile.TemporaryDirectory() as d:
        src, dst = os.path.join(d, "in.wav"), os.path.join(d, "out.wav")
        with wave.open(src, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(SR)
            w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
        subprocess.run(["sox", src, dst, "tempo", "-s", str(factor)], check=True, capture_output=True)
        with wave.open(dst, "rb") as w:
            return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0


def _live_nudges(
    samples: np.ndarray, transcriber: Transcriber
) -> tuple[list[str], list[float], float | None]:
    """Pace nudges the live answer would send, the live net rates seen, and the report's rate."""
    analysis = IncrementalAnalysis(
        AnalysisOptions(language="ko"), transcriber=transcriber, expect_video=False
    )
    analysis.start()
    sent: dict[str, float] = {}
    nudges: list[str] = []
    rates: list[float] = []
    try:
        for i in range(0, samples.size, FEED):
            analysis.feed_audio(samples[i : i + FEED], SR)
            if (i // FEED) % 50:
                continue
            deadline = time.monotonic() + 120
            while analysis.untranscribed_s > 10.5 and time.monotonic() < deadline:
                time.sleep(0.05)
            m = analysis.live_metrics()
            if m.net_syllables_per_minute is not None:
                rates.append(m.net_syllables_per_minute)
            now = i / SR
            kind = choose_nudge(m, "ko", sent, now)
            if kind is not None:
                sent[kind] = now
                nudges.append(kind)
        report = analysis.finish()
    finally:
        analysis.close()
    return [n for n in nudges if n.startswith("pace_")], rates, report.pace.net_syllables_per_minute


def test_korean_live_pace_uses_syllables_and_the_report_band(transcriber: Transcriber) -> None:
    _require_corpus()
    answer = kocorpus.load_answers(limit=1)[0]
    normal, normal_rates, normal_report = _live_nudges(answer.samples, transcriber)
    fast, fast_rates, fast_report = _live_nudges(_tempo(answer.samples, FAST_TEMPO), transcriber)
    print(
        f"{answer.name}: live net SPM {min(normal_rates):.0f}-{max(normal_rates):.0f} (report {normal_report}),"
        f" nudges {normal}; x{FAST_TEMPO}: {min(fast_rates):.0f}-{max(fast_rates):.0f} (report {fast_report}),"
        f" nudges {fast}"
    )
    # Measured on syllables, in the band's unit: the live rate is the report's measure.
    assert normal_rates and fast_rates
    assert normal_report is not None and KOREAN_BAND.low <= normal_report <= KOREAN_BAND.high
    assert abs(float(np.median(normal_rates)) - normal_report) <= 0.15 * normal_report
    assert normal == []  # a fluent answer at its own pace is not nudged
    assert "pace_fast" in fast and "pace_slow" not in fast
    # The report measures the sped-up answer as faster by about the tempo too (the same measure).
    assert fast_report is not None and fast_report >= 1.3 * normal_report


def _Metrics(**values: object) -> LiveMetrics:
    """The analysis's own LiveMetrics, a steady speaker facing the camera unless told otherwise."""
    steady: dict[str, object] = {
        "elapsed_s": 20.0, "words_per_minute": 140.0, "seconds_since_speech": 0.5,
        "looking_away_s": 0.0, "face_present": True, "eye_contact_ratio": 1.0,
    }  # fmt: skip
    return LiveMetrics(**{**steady, **values})  # type: ignore[arg-type]


@pytest.mark.unit
def test_korean_pace_nudges_follow_the_syllable_band_and_english_stays_on_words() -> None:
    ko = KOREAN_BAND
    # Korean: net syllables a minute against the report's band; words a minute do not matter.
    assert (
        choose_nudge(
            _Metrics(words_per_minute=60, net_syllables_per_minute=350, pace_band=ko), "ko", {}, 100.0
        )
        is None
    )
    assert choose_nudge(_Metrics(net_syllables_per_minute=520, pace_band=ko), "ko", {}, 100.0) == "pace_fast"
    assert choose_nudge(_Metrics(net_syllables_per_minute=200, pace_band=ko), "ko", {}, 100.0) == "pace_slow"
    assert choose_nudge(_Metrics(words_per_minute=300), "ko", {}, 100.0) is None  # no syllable rate yet
    # "auto" that the analysis heard as Korean is judged on syllables too.
    assert (
        choose_nudge(
            _Metrics(words_per_minute=60, net_syllables_per_minute=350, pace_band=ko), "auto", {}, 100.0
        )
        is None
    )
    # English: words a minute, as before.
    assert choose_nudge(_Metrics(words_per_minute=210), "en", {}, 100.0) == "pace_fast"
    assert choose_nudge(_Metrics(words_per_minute=80), "en", {}, 100.0) == "pace_slow"
    assert choose_nudge(_Metrics(words_per_minute=140), "en", {}, 100.0) is None
