"""Options of one analysis run (explicit; the library reads no environment)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import AnalysisError

if TYPE_CHECKING:
    from .content import RelevanceScorer

__all__ = ["AnalysisOptions", "PaceBand"]


@dataclass(frozen=True)
class PaceBand:
    """A target speaking-rate band. ``unit`` is ``"words_per_minute"`` or ``"syllables_per_minute"``."""

    low: float
    high: float
    unit: str
    provisional: bool = False
    source: str = ""


#: English: published public-speaking / interview coaching ranges (about 130–170 WPM).
ENGLISH_BAND = PaceBand(130.0, 170.0, "words_per_minute", False, "published coaching ranges for interviews")
#: Korean: the net (articulation) rate, syllables as spoken over the speaking time without pauses.
#: Calibrated on the 50 real read utterances of ../shared/corpora/ko-read-speech as this analysis
#: measures them (benchmarks/bench_korean.py, docs/benchmarks.md "Korean"): whole answers of 10
#: fluent utterances measured 239–343, single utterances 345–507 (10th–90th percentile). The band
#: is 230–500, from the slowest fluent answer to the fast end of single utterances. Read speech of
#: a few speakers; not yet checked on spontaneous interview answers.
KOREAN_BAND = PaceBand(
    230.0, 500.0, "net_syllables_per_minute", False, "real Korean read speech, net rate (docs/benchmarks.md)"
)


@dataclass(frozen=True)
class AnalysisOptions:
    """What to analyse in one answer, and how to score it.

    The engine (which Whisper model, device, compute type, threads, model cache) is not here:
    it belongs to the :class:`~analysis.models.ModelPool` the analysis is given.

    - ``question_text``: the interview question that was answered.
    - ``job_text``: optional job-posting text, for relevance to the job.
    - ``expected_keywords``: words/phrases the answer is expected to mention.
    - ``language``: ``"auto"`` (Whisper decides between Korean and English), ``"ko"`` or ``"en"``.
    - ``answer_time_limit_s``: the time limit of the question, if any.
    - ``video_sample_fps``: frames per second given to the face mesh (the rest are skipped).
    - ``beam_size``: None uses the language's measured setting (Korean beam 5, English greedy;
      see :func:`analysis.transcribe.decode_settings_for`); 1 is greedy.
    - ``keep_fillers``: prompt Whisper with disfluent text so it keeps "um"/"음" in transcripts.
    - ``require_video``: None means by file type (video containers must have video, audio files
      need not); True/False force it.
    - ``english_band``/``korean_band``: target pace bands.
    - ``relevance_scorer``: a stronger semantic scorer can be plugged in here (see content.py).
    """

    question_text: str = ""
    job_text: str | None = None
    expected_keywords: tuple[str, ...] = ()
    language: str = "auto"
    answer_time_limit_s: float | None = None
    video_sample_fps: float = 5.0
    beam_size: int | None = None
    keep_fillers: bool = True
    require_video: bool | None = None
    min_pause_s: float = 0.35
    long_pause_s: float = 2.5
    english_band: PaceBand = ENGLISH_BAND
    korean_band: PaceBand = KOREAN_BAND
    relevance_scorer: RelevanceScorer | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.language not in ("auto", "ko", "en"):
            raise AnalysisError("invalid_options", f"language must be auto, ko or en, not {self.language!r}")
        if not 0.5 <= self.video_sample_fps <= 60:
            raise AnalysisError("invalid_options", "video_sample_fps must be between 0.5 and 60")
        if self.answer_time_limit_s is not None and self.answer_time_limit_s <= 0:
            raise AnalysisError("invalid_options", "answer_time_limit_s must be positive")
        if self.beam_size is not None and self.beam_size < 1:
            raise AnalysisError("invalid_options", "beam_size must be at least 1")
        if isinstance(self.expected_keywords, str) or not isinstance(self.expected_keywords, tuple):
            object.__setattr__(
                self,
                "expected_keywords",
                tuple(
                    [self.expected_keywords]
                    if isinstance(self.expected_keywords, str)
                    else self.expected_keywords
                ),
            )
