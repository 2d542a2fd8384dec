"""Whole-file analysis (:func:`analyze_file`) and the incremental API (:class:`IncrementalAnalysis`).

Both end in :func:`build_report`, so a live answer and an uploaded file get the same report.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from .content import score_text_content
from .decode import SAMPLE_RATE, decode_audio, iter_video_frames, probe_media
from .errors import AnalysisError
from .gaze import FaceMeshTracker, FrameGaze, GazeThresholds, summarize_gaze
from .models import ModelPool, Transcriber, default_pool
from .options import AnalysisOptions, PaceBand
from .report import (
    ContentReport,
    GazeReport,
    Report,
    StarReport,
    TimeSpan,
    Transcript,
    Word,
)
from .scoring import score_answer
from .speech import (
    FRAME_S,
    audio_level,
    energy_silences,
    fillers_report,
    find_fillers,
    find_pauses,
    frame_levels_db,
    level_of_frames,
    measure_pace,
    silences_in_frames,
)
from .transcribe import choose_language, join_words, transcribe_samples

__all__ = ["IncrementalAnalysis", "LiveMetrics", "ProgressCallback", "analyze_file", "build_report"]

ProgressCallback = Callable[[float, str], None]
"""``progress(fraction_0_to_1, stage)``; stages: decoding, transcribing, gaze, scoring, done."""

MIN_WORDS = 15
_FRAME = round(FRAME_S * SAMPLE_RATE)  # samples per 20 ms level frame
_BLOCK_FRAMES = 25  # 0.5 s blocks for the live speech reference level
LOW_AUDIO_DBFS = -40.0


def _transcriber_for(options: AnalysisOptions, pool: ModelPool | None) -> Transcriber:
    return (pool or default_pool()).get()


def build_report(
    *,
    samples: np.ndarray,
    words: Sequence[Word],
    language: str,
    language_probability: float | None,
    gaze_frames: Sequence[FrameGaze] | None,
    options: AnalysisOptions,
    model_name: str,
    partial: bool = False,
    video_duration_s: float | None = None,
    started_at: float | None = None,
) -> Report:
    """Turn decoded audio, transcribed words and per-frame gaze into a scored :class:`Report`."""
    audio_duration = samples.size / SAMPLE_RATE
    duration = max(audio_duration, video_duration_s or 0.0)
    level = audio_level(samples, SAMPLE_RATE)
    silences = energy_silences(samples, SAMPLE_RATE, min_s=options.min_pause_s, level=level)
    pauses = find_pauses(words, silences, min_pause_s=options.min_pause_s, long_pause_s=options.long_pause_s)
    band = options.korean_band if language == "ko" else options.english_band
    pace = measure_pace(words, language, pauses, band)
    fillers = fillers_report(
        find_fillers(words, language, silences=silences), pace.speech_duration_s or duration
    )

    if gaze_frames is not None:
        summary = summarize_gaze(
            gaze_frames, GazeThresholds(), frame_interval_s=1.0 / options.video_sample_fps
        )
        gaze = GazeReport(
            available=summary.sampled_frames > 0,
            eye_contact_ratio=summary.eye_contact_ratio,
            face_present_ratio=summary.face_present_ratio,
            away_episodes=tuple(TimeSpan(s, e) for s, e in summary.away_episodes),
            multiple_faces_ratio=summary.multiple_faces_ratio,
            sampled_frames=summary.sampled_frames,
            sample_fps=options.video_sample_fps,
            mean_abs_yaw_deg=summary.mean_abs_yaw_deg,
            mean_abs_pitch_deg=summary.mean_abs_pitch_deg,
        )
    else:
        gaze = GazeReport(False, None, None, (), None, 0, options.video_sample_fps, None, None)

    text = join_words(list(words))
    c = score_text_content(
        text,
        options.question_text,
        options.job_text,
        options.expected_keywords,
        language,
        duration_s=pace.speech_duration_s if words else 0.0,
        time_limit_s=options.answer_time_limit_s,
        scorer=options.relevance_scorer,
    )
    content = ContentReport(
        score=c.score,
        star=StarReport(
            situation=c.star["situation"] is not None,
            task=c.star["task"] is not None,
            action=c.star["action"] is not None,
            result=c.star["result"] is not None,
            evidence={k: v for k, v in c.star.items() if v is not None},
        ),
        keyword_coverage=c.keyword_coverage,
        keywords_found=c.keywords_found,
        keywords_missing=c.keywords_missing,
        relevance=c.relevance,
        question_relevance=c.question_relevance,
        job_relevance=c.job_relevance,
        length_fit=c.length_fit,
        method=c.method,
    )
    scores = score_answer(pace, pauses, fillers, gaze, content, language)

    flags: list[str] = []
    if not words:
        flags.append("no_speech")
    if level.speech_dbfs < LOW_AUDIO_DBFS:
        flags.append("low_audio")
    if gaze_frames is None:
        flags.append("audio_only")
    elif gaze.face_present_ratio is not None and gaze.face_present_ratio < 0.2:
        flags.append("no_face")
    if gaze.multiple_faces_ratio is not None and gaze.multiple_faces_ratio >= 0.1:
        flags.append("multiple_faces")
    if words and (len(words) < MIN_WORDS or content.length_fit == "too_short"):
        flags.append("too_short")
    if content.length_fit == "too_long":
        flags.append("too_long")
    if partial:
        flags.append("partial_recording")
    probs = [w.probability for w in words]
    if probs and float(np.mean(probs)) < 0.5:
        flags.append("low_transcript_confidence")

    elapsed = time.perf_counter() - started_at if started_at is not None else 0.0
    return Report(
        duration_s=round(duration, 3),
        language=language,
        transcript=Transcript(
            text=text, words=tuple(words), model=model_name, language_probability=language_probability
        ),
        pace=pace,
        pauses=pauses,
        fillers=fillers,
        gaze=gaze,
        content=content,
        scores=scores,
        flags=tuple(flags),
        has_video=gaze_frames is not None,
        analysis_seconds=round(elapsed, 3),
    )


class _GazeWorker(threading.Thread):
    """Decodes sampled video frames of a file and runs the face mesh on them."""

    def __init__(self, path: Path, sample_fps: float) -> None:
        super().__init__(name="untact-gaze", daemon=True)
        self.path, self.sample_fps = path, sample_fps
        self.frames: list[FrameGaze] = []
        self.partial = [False]
        self.last_timestamp_s = 0.0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with FaceMeshTracker() as tracker:
                for frame, ts in iter_video_frames(self.path, self.sample_fps, self.partial):
                    self.frames.append(tracker.process(frame, ts))
                    self.last_timestamp_s = ts
        except BaseException as exc:  # re-raised in the caller's thread
            self.error = exc


def analyze_file(
    path: str | Path,
    options: AnalysisOptions,
    *,
    progress: ProgressCallback | None = None,
    pool: ModelPool | None = None,
    transcriber: Transcriber | None = None,
) -> Report:
    """Analyse a recorded answer (WebM/MKV, MP4, or WAV/MP3/... for audio only).

    Blocking and CPU-heavy: call it from a worker thread or process. Raises
    :class:`~analysis.errors.AnalysisError` for missing, empty, corrupt or track-less files.
    """
    started = time.perf_counter()
    report_progress = progress or (lambda _f, _s: None)
    info = probe_media(path)
    if not info.has_audio:
        raise AnalysisError("no_audio_track", info.path.name)
    expect_video = options.require_video if options.require_video is not None else not info.audio_only_file
    if expect_video and not info.has_video:
        raise AnalysisError("no_video_track", info.path.name)
    use_video = info.has_video and (expect_video or options.require_video is None)
    report_progress(0.0, "decoding")
    tr = transcriber or _transcriber_for(options, pool)

    gaze_worker = _GazeWorker(info.path, options.video_sample_fps) if use_video else None
    if gaze_worker is not None:
        gaze_worker.start()
    try:
        samples, partial = decode_audio(info.path)
        duration = max(samples.size / SAMPLE_RATE, 1e-3)
        report_progress(0.05, "transcribing")
        language, lang_p = choose_language(tr, samples, options.language)
        words = transcribe_samples(
            tr, samples, language=language, beam_size=options.beam_size, keep_fillers=options.keep_fillers
        )
        report_progress(0.8, "gaze")
        if gaze_worker is not None:
            video_len = info.duration_s or duration
            while gaze_worker.is_alive():
                gaze_worker.join(timeout=0.2)
                frac = min(1.0, gaze_worker.last_timestamp_s / max(video_len, 1e-3))
                report_progress(0.8 + 0.15 * frac, "gaze")
            if gaze_worker.error is not None:
                err = gaze_worker.error
                if isinstance(err, AnalysisError):
                    raise err
                raise AnalysisError("internal", f"gaze analysis failed: {err}", retryable=True) from err
            partial = partial or gaze_worker.partial[0]
    finally:
        if gaze_worker is not None and gaze_worker.is_alive():
            gaze_worker.join()
    report_progress(0.95, "scoring")
    video_duration = None
    gaze_frames = None
    if gaze_worker is not None:
        gaze_frames = gaze_worker.frames
        if gaze_frames:
            video_duration = gaze_frames[-1].timestamp_s
    if info.duration_s:
        # A cut-off upload often decodes "cleanly" up to where it stops; the container header
        # still says how long the recording was meant to be.
        covered = max(samples.size / SAMPLE_RATE, video_duration or 0.0)
        if info.duration_s - covered > max(1.0, 0.1 * info.duration_s):
            partial = True
    report = build_report(
        samples=samples,
        words=words,
        language=language,
        language_probability=lang_p,
        gaze_frames=gaze_frames,
        options=options,
        model_name=tr.name,
        partial=partial,
        video_duration_s=video_duration,
        started_at=started,
    )
    report_progress(1.0, "done")
    return report


# ------------------------------------------------------------------------------------ incremental


@dataclass(frozen=True)
class LiveMetrics:
    """Numbers for live nudges while an answer is being recorded.

    ``words_per_minute`` and ``net_syllables_per_minute`` cover the last ~20 s of *transcribed*
    speech and lag the live audio by up to one transcription chunk; ``seconds_since_speech`` and
    the gaze values are current. ``net_syllables_per_minute`` is the Korean measure of the
    whole-file report (syllables as spoken over the speaking time less the energy pauses, see
    :func:`analysis.speech.measure_pace`), judged against the same band
    (``AnalysisOptions.korean_band``, ``pace_band``); it is None for English, which is nudged on
    words a minute.
    """

    elapsed_s: float
    words_per_minute: float | None
    seconds_since_speech: float | None  # None until the first speech is heard
    looking_away_s: float  # how long the speaker has continuously not looked at the camera
    face_present: bool | None  # None before the first analysed frame
    eye_contact_ratio: float | None
    net_syllables_per_minute: float | None = None
    pace_band: PaceBand | None = None  # the band net_syllables_per_minute is meant for


class IncrementalAnalysis:
    """Analyse an answer while it is being recorded; :meth:`finish` returns the report quickly.

    Feed 16 kHz-or-any-rate mono float32 audio with :meth:`feed_audio` and BGR frames with
    :meth:`feed_video_frame` (from any threads). Audio is transcribed in chunks of about
    ``chunk_s`` seconds cut at quiet points, and sampled frames go through the face mesh, both in
    background threads, so only the last chunk remains when the answer ends. A chunk is cut at
    the first pause after ``min_chunk_s`` seconds of new audio, or at the quietest point when it
    reaches ``chunk_s``. Lifecycle:
    ``start()`` (optional, loads the model; the first feed calls it) → feed … → ``finish()`` →
    ``close()`` (idempotent; also stops the threads when an answer is abandoned).

    :meth:`transcript_words` reads the words transcribed so far while feeding goes on (live
    captions). With ``keep_audio=False`` transcribed audio is dropped, so memory stays flat over
    an hour-long call; such an analysis has no report, and :meth:`finish` refuses.
    """

    def __init__(
        self,
        options: AnalysisOptions,
        *,
        pool: ModelPool | None = None,
        transcriber: Transcriber | None = None,
        chunk_s: float = 10.0,
        min_chunk_s: float = 3.0,
        expect_video: bool = True,
        keep_audio: bool = True,
    ) -> None:
        self.options = options
        self._keep_audio = keep_audio
        self._base = 0  # sample index of self._audio's first sample (> 0 only without keep_audio)
        self._pool = pool
        self._transcriber = transcriber
        self._chunk = int(chunk_s * SAMPLE_RATE)
        self._min_chunk = int(min_chunk_s * SAMPLE_RATE)
        self._expect_video = expect_video
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._audio: list[np.ndarray] = []
        self._audio_len = 0
        self._committed = 0  # samples already transcribed
        self._words: list[Word] = []
        self._language: str | None = None if options.language == "auto" else options.language
        self._language_p: float | None = None
        self._resampler: object | None = None
        self._resampler_rate: int | None = None
        self._resampler_pts = 0
        # 20 ms frame levels of everything fed, on one grid from the first sample, and the
        # speech reference level (max of the 95th percentile of each complete 0.5 s block). Cut
        # decisions use only these, so they depend on the audio, never on how it was split into
        # feeds or on when the worker looked (a busy machine gives the same chunks as a quiet one).
        self._levels: list[float] = []
        self._level_rem = np.zeros(0, np.float32)
        self._block_refs: list[float] = []  # running reference level after each complete block
        self._last_speech_s: float | None = None
        self._frames_q: queue.Queue[tuple[np.ndarray, float] | None] = queue.Queue(maxsize=120)
        self._gaze: list[FrameGaze] = []
        self._next_frame_t = 0.0
        self._dropped_frames = 0
        self._away_since: float | None = None
        self._latest_frame: FrameGaze | None = None
        self._started = False
        self._finishing = False
        self._closed = False
        self._report: Report | None = None
        self._error: BaseException | None = None
        self._threads: list[threading.Thread] = []
        self._t0 = time.perf_counter()
        #: Where the time after the last chunk went (diagnostics for benchmarks and logs).
        self.finish_timings: dict[str, float] = {}
        #: (start_s, end_s, seconds spent, audio fed when done) per transcribed chunk.
        self.chunk_log: list[tuple[float, float, float, float]] = []

    # -- lifecycle
    def start(self) -> None:
        with self._lock:
            if self._started:
                return
            if self._closed:
                raise AnalysisError("invalid_state", "the analysis was closed")
            self._started = True
        if self._transcriber is None:
            self._transcriber = _transcriber_for(self.options, self._pool)
        threads = [threading.Thread(target=self._transcribe_loop, name="untact-asr", daemon=True)]
        threads.append(threading.Thread(target=self._gaze_loop, name="untact-gaze-live", daemon=True))
        self._threads = threads
        for t in threads:
            t.start()

    def close(self) -> None:
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self._cond.notify_all()
        self._put_frame_sentinel()
        for t in self._threads:
            t.join(timeout=30)

    def __enter__(self) -> IncrementalAnalysis:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- feeding
    def _check_open(self) -> None:
        if self._finishing or self._closed:
            raise AnalysisError("invalid_state", "cannot feed after finish() or close()")

    def _to_16k(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        if sample_rate == SAMPLE_RATE:
            return samples
        import av

        if self._resampler is None or self._resampler_rate != sample_rate:
            self._resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
            self._resampler_rate = sample_rate
            self._resampler_pts = 0
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = sample_rate
        frame.pts = self._resampler_pts
        frame.time_base = Fraction(1, sample_rate)
        self._resampler_pts += samples.size
        out = [f.to_ndarray().reshape(-1) for f in self._resampler.resample(frame)]  # type: ignore[attr-defined]
        return np.concatenate(out).astype(np.float32) if out else np.zeros(0, np.float32)

    def feed_audio(self, samples: np.ndarray, sample_rate: int) -> None:
        """Append mono audio (float32 in [-1, 1]; int16 is converted) at any sample rate."""
        self._check_open()
        if not self._started:
            self.start()
        x = np.asarray(samples)
        if x.dtype == np.int16:
            x = x.astype(np.float32) / 32768.0
        x = x.astype(np.float32, copy=False).reshape(-1)
        if sample_rate <= 0:
            raise AnalysisError("invalid_options", "sample_rate must be positive")
        with self._lock:
            x = self._to_16k(x, int(sample_rate))
            if x.size == 0:
                return
            self._add_levels(x)
            self._audio.append(x)
            self._audio_len += x.size
            if self._audio_len - self._committed >= self._chunk:
                self._cond.notify_all()

    def feed_video_frame(self, frame_bgr: np.ndarray, timestamp_s: float) -> None:
        """Offer a BGR frame; only frames at ``video_sample_fps`` are kept (copied) for analysis.
        Never blocks: if the face mesh falls behind, frames are dropped and counted."""
        self._check_open()
        if not self._started:
            self.start()
        with self._lock:
            if timestamp_s + 1e-6 < self._next_frame_t:
                return
            interval = 1.0 / self.options.video_sample_fps
            while self._next_frame_t <= timestamp_s + 1e-6:
                self._next_frame_t += interval
        try:
            self._frames_q.put_nowait((np.array(frame_bgr, copy=True), float(timestamp_s)))
        except queue.Full:
            with self._lock:
                self._dropped_frames += 1

    def _add_levels(self, x: np.ndarray) -> None:
        # Lock held. Extends the frame grid by the complete frames of ``x``.
        joined = np.concatenate([self._level_rem, x]) if self._level_rem.size else x
        n_frames = joined.size // _FRAME
        first_new = len(self._levels)
        if n_frames:
            self._levels.extend(frame_levels_db(joined[: n_frames * _FRAME], SAMPLE_RATE).tolist())
        self._level_rem = joined[n_frames * _FRAME :].copy()
        while (len(self._block_refs) + 1) * _BLOCK_FRAMES <= len(self._levels):
            b = len(self._block_refs)
            block = self._levels[b * _BLOCK_FRAMES : (b + 1) * _BLOCK_FRAMES]
            prev = self._block_refs[-1] if self._block_refs else -100.0
            self._block_refs.append(max(prev, float(np.percentile(block, 95))))
        if len(self._levels) > first_new:
            loud = np.flatnonzero(~self._quiet(first_new, len(self._levels)))
            if loud.size:
                self._last_speech_s = (first_new + loud[-1] + 1) * FRAME_S

    def _quiet(self, f0: int, f1: int) -> np.ndarray:
        """Whether each frame in ``[f0, f1)`` is below the speech threshold (lock held). A frame's
        threshold comes from the blocks completed before its own block only."""
        lv = np.asarray(self._levels[f0:f1], dtype=np.float64)
        if lv.size == 0:
            return np.zeros(0, bool)
        blocks = np.arange(f0, f0 + lv.size) // _BLOCK_FRAMES  # a frame's block; refs before it
        refs = np.asarray([-100.0, *self._block_refs])
        ref = refs[np.minimum(blocks, len(refs) - 1)]
        return lv < np.maximum(-50.0, ref - 30.0)

    # -- workers
    def _audio_slice(self, start: int, end: int) -> np.ndarray:
        # Called with the lock held. ``start``/``end`` count samples from the first one fed.
        joined = (
            np.concatenate(self._audio)
            if len(self._audio) > 1
            else (self._audio[0] if self._audio else np.zeros(0, np.float32))
        )
        self._audio = [joined]
        return joined[max(0, start - self._base) : max(0, end - self._base)]

    def _drop_committed_audio(self) -> None:
        # Lock held. Without keep_audio, audio before the last cut is never read again.
        if self._keep_audio or self._committed <= self._base:
            return
        joined = self._audio_slice(self._committed, self._audio_len).copy()
        self._audio = [joined] if joined.size else []
        self._base = self._committed

    def transcript_words(self, start: int = 0) -> tuple[Word, ...]:
        """Words transcribed so far, from index ``start`` on, in time order (new words only ever
        come after the ones already returned: chunks are transcribed in order)."""
        with self._lock:
            return tuple(self._words[start:])

    @property
    def buffered_s(self) -> float:
        """Seconds of audio held in memory (everything fed, unless ``keep_audio=False``)."""
        with self._lock:
            return (self._audio_len - self._base) / SAMPLE_RATE

    @property
    def untranscribed_s(self) -> float:
        """Seconds of fed audio not transcribed yet: how far transcription lags behind the feed."""
        with self._lock:
            return (self._audio_len - self._committed) / SAMPLE_RATE

    def _cut_point(self, start: int, end: int) -> int:
        """A quiet place in the last 4 s before ``end`` to cut the chunk, so no word is split
        (lock held; frames of the shared grid, so the same audio gives the same cut)."""
        f_hi = min(end // _FRAME, len(self._levels))
        f_lo = max(-(-start // _FRAME), f_hi - 4 * SAMPLE_RATE // _FRAME)
        lv = np.asarray(self._levels[f_lo:f_hi])
        if lv.size < 10:
            return end
        # quietest 200 ms (10 frames), by mean level; the first one on a tie
        smooth = np.convolve(lv, np.ones(10) / 10, mode="valid")
        i = int(np.argmin(smooth))
        return (f_lo + i + 5) * _FRAME

    def _pause_boundary(self) -> int | None:
        """Where to cut the pending audio: 0.1 s into the first pause of at least 0.25 s that
        starts ``min_chunk`` or more after the previous cut and within one chunk of it, after
        some speech; or None (lock held). The first such pause is known as soon as its first
        0.25 s has been fed, so the cut does not depend on when the worker looks. Cutting at
        pauses keeps chunks sentence-like and leaves little for :meth:`finish`."""
        if self._language is None:
            return None  # "auto": the first chunk is a full one, for a reliable language decision
        f0 = -(-self._committed // _FRAME)
        f1 = min(len(self._levels), f0 + self._chunk // _FRAME)
        first_allowed = f0 + self._min_chunk // _FRAME
        min_frames = round(0.25 / FRAME_S)
        if f1 - first_allowed < min_frames:
            return None
        quiet = self._quiet(f0, f1)
        run = 0
        for i in range(first_allowed - f0, quiet.size):
            if quiet[i]:
                run += 1
                start = i - run + 1
                if run >= min_frames and start >= first_allowed - f0 and not quiet[:start].all():
                    return (f0 + start + 5) * _FRAME
            else:
                run = 0
        return None

    def _tail_has_speech(self, start: int, end: int) -> bool:
        # Lock held. Same loudness threshold as the live "seconds since speech".
        f0, f1 = start // _FRAME, min(len(self._levels), -(-end // _FRAME))
        return bool((~self._quiet(f0, f1)).any())

    def _transcribe_loop(self) -> None:
        try:
            tr = self._transcriber
            assert tr is not None
            while True:
                with self._cond:
                    end: int | None = None
                    while True:
                        if self._closed:
                            return
                        # Same order whatever the backlog: a pause within the chunk, else a
                        # full chunk cut at its quietest point, else (finishing) the rest.
                        end = self._pause_boundary()
                        if end is None and self._audio_len - self._committed >= self._chunk:
                            end = self._cut_point(self._committed, self._committed + self._chunk)
                        if end is None and self._finishing:
                            end = self._audio_len
                        if end is not None:
                            break
                        self._cond.wait(timeout=0.25)
                    start = self._committed
                    finishing_last = self._finishing and end >= self._audio_len
                    if finishing_last and not self._tail_has_speech(start, end):
                        segment = np.zeros(0, np.float32)  # only silence left: nothing to transcribe
                    else:
                        segment = self._audio_slice(start, end).copy()
                t_chunk = time.perf_counter()
                if segment.size:
                    if self._language is None:
                        lang, p = choose_language(tr, segment, "auto")
                        # decide only once the chunk has some speech in it
                        if audio_level(segment, SAMPLE_RATE).speech_dbfs > LOW_AUDIO_DBFS or finishing_last:
                            self._language, self._language_p = lang, p
                    lang_now = self._language or "ko"
                    words = transcribe_samples(
                        tr,
                        segment,
                        language=lang_now,
                        offset_s=start / SAMPLE_RATE,
                        beam_size=self.options.beam_size,
                        keep_fillers=self.options.keep_fillers,
                    )
                with self._cond:
                    if segment.size:
                        self._words.extend(words)
                    self.chunk_log.append(
                        (round(start / SAMPLE_RATE, 2), round(end / SAMPLE_RATE, 2),
                         round(time.perf_counter() - t_chunk, 2), round(self._audio_len / SAMPLE_RATE, 2))
                    )  # fmt: skip
                    self._committed = end
                    self._drop_committed_audio()
                    self._cond.notify_all()
                    if finishing_last:
                        return
        except BaseException as exc:
            with self._cond:
                self._error = exc
                self._cond.notify_all()

    def _gaze_loop(self) -> None:
        tracker: FaceMeshTracker | None = None
        try:
            while True:
                item = self._frames_q.get()
                if item is None:
                    return
                if tracker is None:
                    tracker = FaceMeshTracker()
                frame, ts = item
                g = tracker.process(frame, ts)
                with self._lock:
                    self._gaze.append(g)
                    self._latest_frame = g
                    if g.looking_at_camera:
                        self._away_since = None
                    elif self._away_since is None:
                        self._away_since = ts
        except BaseException as exc:
            with self._lock:
                self._error = exc
        finally:
            if tracker is not None:
                tracker.close()

    def _put_frame_sentinel(self) -> None:
        while True:
            try:
                self._frames_q.put(None, timeout=0.1)
                return
            except queue.Full:
                try:
                    self._frames_q.get_nowait()
                except queue.Empty:
                    pass

    # -- results
    def live_metrics(self) -> LiveMetrics:
        with self._lock:
            elapsed = self._audio_len / SAMPLE_RATE
            wpm = net_spm = None
            if self._words:
                end = self._words[-1].end_s
                recent = [w for w in self._words if w.start_s >= end - 20.0]
                span = end - recent[0].start_s
                if span >= 3.0:
                    wpm = round(len(recent) / span * 60, 1)
                    if self._language == "ko":
                        net_spm = self._live_net_spm(recent)
            since = None if self._last_speech_s is None else round(max(0.0, elapsed - self._last_speech_s), 2)
            latest = self._latest_frame
            away = 0.0
            if latest is not None and self._away_since is not None:
                away = round(latest.timestamp_s - self._away_since, 2)
            ecr = (
                round(sum(g.looking_at_camera for g in self._gaze) / len(self._gaze), 3)
                if self._gaze
                else None
            )
            return LiveMetrics(
                elapsed_s=round(elapsed, 2),
                words_per_minute=wpm,
                seconds_since_speech=since,
                looking_away_s=away,
                face_present=None if latest is None else latest.face_count > 0,
                eye_contact_ratio=ecr,
                net_syllables_per_minute=net_spm,
                pace_band=self.options.korean_band if self._language == "ko" else None,
            )

    def _live_net_spm(self, recent: list[Word]) -> float | None:
        """The report's net syllable rate over ``recent`` words (lock held): pauses are energy
        silences on the live level grid, with the report's threshold rule taken over the audio
        fed up to the last word, so live and whole-file pace measure the same thing."""
        f_end = min(len(self._levels), int(recent[-1].end_s / FRAME_S) + 1)
        f_lo = max(0, int(recent[0].start_s / FRAME_S))
        if f_end - f_lo < 10:
            return None
        levels = np.asarray(self._levels[:f_end])
        threshold = level_of_frames(levels).threshold_dbfs
        silences = silences_in_frames(
            levels[f_lo:f_end], threshold, min_s=self.options.min_pause_s, offset_s=f_lo * FRAME_S
        )
        pauses = find_pauses(
            recent, silences, min_pause_s=self.options.min_pause_s, long_pause_s=self.options.long_pause_s
        )
        return measure_pace(recent, "ko", pauses, self.options.korean_band).net_syllables_per_minute

    def finish(self, timeout_s: float = 120.0) -> Report:
        """Stop feeding, wait for the last chunk, and return the report (same one if called again)."""
        if self._report is not None:
            return self._report
        if self._closed:
            raise AnalysisError("invalid_state", "the analysis was closed")
        if not self._keep_audio:
            raise AnalysisError("invalid_state", "an analysis without keep_audio has no report")
        if not self._started:
            self.start()
        t_finish = time.perf_counter()
        with self._cond:
            self._finishing = True
            self.finish_timings["tail_audio_s"] = round((self._audio_len - self._committed) / SAMPLE_RATE, 2)
            self._cond.notify_all()
        self.finish_timings["gaze_backlog_frames"] = self._frames_q.qsize()
        self._put_frame_sentinel()
        deadline = time.perf_counter() + timeout_s
        for t in self._threads:
            t.join(timeout=max(0.0, deadline - time.perf_counter()))
            if t.is_alive():
                raise AnalysisError("internal", "analysis did not finish in time", retryable=True)
            self.finish_timings[f"{t.name}_wait_s"] = round(time.perf_counter() - t_finish, 3)
        if self._error is not None:
            err = self._error
            if isinstance(err, AnalysisError):
                raise err
            raise AnalysisError("internal", f"{type(err).__name__}: {err}", retryable=True) from err
        with self._lock:
            samples = self._audio_slice(0, self._audio_len)
            words = sorted(self._words, key=lambda w: w.start_s)
            gaze = sorted(self._gaze, key=lambda g: g.timestamp_s)
        video_duration = gaze[-1].timestamp_s if gaze else None
        tr = self._transcriber
        assert tr is not None
        report = build_report(
            samples=samples,
            words=words,
            language=self._language or ("ko" if self.options.language == "auto" else self.options.language),
            language_probability=self._language_p,
            gaze_frames=gaze if (gaze or self._expect_video) else None,
            options=self.options,
            model_name=tr.name,
            video_duration_s=video_duration,
            started_at=t_finish,
        )
        self.finish_timings["total_s"] = round(time.perf_counter() - t_finish, 3)
        self._report = report
        with self._cond:
            self._closed = True
        return report

    @property
    def dropped_frames(self) -> int:
        return self._dropped_frames
