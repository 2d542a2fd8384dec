"""The incremental API fed like a live answer: live metrics along the way, and a report at the end
that agrees with the whole-file analysis of the same media."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from analysis import AnalysisError, AnalysisOptions, IncrementalAnalysis
from analysis.models import Transcriber
from tests import mediakit
from tests.analysis.conftest import ENGLISH_QUESTION, ENGLISH_TEXT, word_error_rate

pytestmark = [pytest.mark.model, pytest.mark.media]


def _to_48k(samples: np.ndarray) -> np.ndarray:
    # browsers and aiortc deliver 48 kHz; the analysis must resample itself
    x = np.interp(np.arange(0, samples.size, 1 / 3), np.arange(samples.size), samples)
    return x.astype(np.float32)


def test_incremental_report_matches_the_file_truth(
    english_clip: mediakit.SpeechClip, transcriber: Transcriber
) -> None:
    audio = _to_48k(english_clip.samples())
    chunk = 960  # 20 ms at 48 kHz
    frames = list(mediakit.face_frames("facing", seconds=english_clip.duration_s, fps=15))
    analysis = IncrementalAnalysis(
        AnalysisOptions(question_text=ENGLISH_QUESTION, language="en"), transcriber=transcriber
    )
    analysis.start()
    seen_metrics = []
    fi = 0
    for i in range(0, audio.size, chunk):
        t = i / 48000
        analysis.feed_audio(audio[i : i + chunk], 48000)
        while fi < len(frames) and frames[fi][1] <= t:
            analysis.feed_video_frame(*frames[fi])
            fi += 1
        if i % (48000 * 5) == 0:
            seen_metrics.append(analysis.live_metrics())
    report = analysis.finish()
    analysis.close()
    analysis.close()  # idempotent

    assert report is analysis.finish()  # same report again
    wer = word_error_rate(ENGLISH_TEXT, report.transcript.text)
    print(
        f"incremental WER {wer:.3f}, wpm {report.pace.words_per_minute} vs {english_clip.truth_words_per_minute:.1f}"
    )
    assert wer <= 0.20
    assert report.pace.words_per_minute is not None
    assert (
        abs(report.pace.words_per_minute - english_clip.truth_words_per_minute)
        <= 0.10 * english_clip.truth_words_per_minute
    )
    assert report.pauses.long_count == 2
    for (ts, te), p in zip(english_clip.pauses_s, [p for p in report.pauses.items if p.long], strict=True):
        assert abs(p.start_s - ts) <= 0.3 and abs(p.end_s - te) <= 0.3
    assert report.gaze.eye_contact_ratio is not None and report.gaze.eye_contact_ratio >= 0.8
    assert report.duration_s == pytest.approx(english_clip.duration_s, abs=0.1)
    # live metrics were meaningful along the way
    last = analysis.live_metrics()
    assert last.face_present is True and last.looking_away_s == 0.0
    assert any(m.seconds_since_speech is not None and m.seconds_since_speech < 1.0 for m in seen_metrics)
    with pytest.raises(AnalysisError) as info:
        analysis.feed_audio(audio[:960], 48000)
    assert info.value.code == "invalid_state"


def test_live_metrics_show_silence_and_looking_away(transcriber: Transcriber) -> None:
    analysis = IncrementalAnalysis(AnalysisOptions(question_text="q", language="en"), transcriber=transcriber)
    with analysis:
        clip = mediakit.speech_wav(
            "Hello, I am ready to start the interview.", words_per_minute=160, tail_s=0.1
        )
        analysis.feed_audio(clip.samples(), 16000)
        analysis.feed_audio(np.zeros(16000 * 4, np.float32), 16000)  # 4 s of silence
        for frame, t in mediakit.face_frames("away", seconds=3.0, fps=10):
            analysis.feed_video_frame(frame, t)
        # the face mesh runs in the background; give it a moment without busy-waiting
        done = threading.Event()
        for _ in range(100):
            m = analysis.live_metrics()
            if m.looking_away_s >= 2.0:
                break
            done.wait(0.1)
        m = analysis.live_metrics()
        assert m.face_present is True
        assert m.looking_away_s >= 2.0
        assert m.seconds_since_speech is not None and 3.5 <= m.seconds_since_speech <= 4.5
        report = analysis.finish()
    assert report.gaze.eye_contact_ratio == 0.0
    assert "hello" in report.transcript.text.lower()


def test_close_without_finish_stops_the_workers(transcriber: Transcriber) -> None:
    analysis = IncrementalAnalysis(AnalysisOptions(question_text="q"), transcriber=transcriber)
    analysis.start()
    analysis.feed_audio(np.zeros(16000, np.float32), 16000)
    analysis.close()
    assert not any(t.is_alive() for t in threading.enumerate() if t.name.startswith("untact-"))
    with pytest.raises(AnalysisError):
        analysis.finish()


def test_live_captions_mode_reads_words_while_feeding_and_keeps_no_old_audio(
    english_clip: mediakit.SpeechClip, transcriber: Transcriber
) -> None:
    """``keep_audio=False`` (live captions): words can be read while audio is still being fed, in
    order and without repeats, and memory holds only the untranscribed tail."""
    audio = _to_48k(english_clip.samples())
    chunk = 960
    analysis = IncrementalAnalysis(
        AnalysisOptions(language="en", keep_fillers=False),
        transcriber=transcriber,
        chunk_s=8.0,
        min_chunk_s=2.0,
        expect_video=False,
        keep_audio=False,
    )
    read: list = []
    paced = threading.Event()
    for i in range(0, audio.size, chunk):
        analysis.feed_audio(audio[i : i + chunk], 48000)
        if i % (48000 // 2) == 0:  # twice per second of audio, like the caption relay
            paced.wait(0.05)  # give the transcription thread time, as real time would
            read.extend(analysis.transcript_words(len(read)))
    words_before_end = len(read)
    # Fed faster than real time, the worker lags; once it has caught up, only the audio after
    # the last cut is held, never the whole clip (a generous deadline, not a speed check).
    for _ in range(600):
        if analysis.buffered_s <= 8.5:
            break
        paced.wait(0.1)
    buffered_s = analysis.buffered_s
    paced.wait(0.5)
    read.extend(analysis.transcript_words(len(read)))
    with pytest.raises(AnalysisError) as no_report:
        analysis.finish()
    assert no_report.value.code == "invalid_state"
    analysis.close()

    print(f"caption words {len(read)} ({words_before_end} while feeding), buffer {buffered_s:.1f} s")
    assert words_before_end >= 20  # captions flowed during the answer, not only at its end
    assert [w.start_s for w in read] == sorted(w.start_s for w in read)
    assert word_error_rate(ENGLISH_TEXT, " ".join(w.word for w in read)) <= 0.35
    assert buffered_s <= 8.5 < english_clip.duration_s


def _incremental_words(
    samples: np.ndarray, transcriber: Transcriber, *, feed: int, pause_every: int
) -> tuple[tuple[str, float, float], ...]:
    analysis = IncrementalAnalysis(
        AnalysisOptions(question_text=ENGLISH_QUESTION, language="en"), transcriber=transcriber, expect_video=False
    )
    waiter = threading.Event()
    with analysis:
        for n, i in enumerate(range(0, samples.size, feed)):
            analysis.feed_audio(samples[i : i + feed], 16000)
            if pause_every and n % pause_every == 0:
                waiter.wait(0.02)  # let the worker look often, as in a live answer
        report = analysis.finish()
    return tuple((w.word, w.start_s, w.end_s) for w in report.transcript.words)


def test_incremental_chunks_do_not_depend_on_timing(
    english_clip: mediakit.SpeechClip, transcriber: Transcriber
) -> None:
    """The same audio gives the same words (and so the same pace) whether the transcription
    worker kept up with a live feed or found everything at once, as on a busy machine."""
    samples = english_clip.samples()
    live = _incremental_words(samples, transcriber, feed=320, pause_every=25)
    backlog = _incremental_words(samples, transcriber, feed=samples.size, pause_every=0)
    assert live == backlog
    assert len(live) >= 40
