"""The analysis report: a frozen dataclass tree, serialised with :meth:`Report.to_dict`/``to_json``.

Field by field documentation: ``docs/report-schema.md``. Times are seconds from the start of the
recording; ratios are 0–1; scores are 0–100.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "FLAG_CODES",
    "LOW_CONFIDENCE_WORD_PROBABILITY",
    "ContentReport",
    "FillerItem",
    "FillersReport",
    "GazeReport",
    "PacePoint",
    "PaceReport",
    "PauseItem",
    "PausesReport",
    "Report",
    "Score",
    "Scores",
    "StarReport",
    "TimeSpan",
    "Transcript",
    "Word",
]

SCHEMA_VERSION = 1
#: A transcript word with a lower Whisper probability is shown as uncertain (dotted underline).
LOW_CONFIDENCE_WORD_PROBABILITY = 0.5
#: Every flag a report can carry (docs/report-schema.md); each has Korean and English UI text.
FLAG_CODES = (
    "no_speech",
    "low_audio",
    "audio_only",
    "no_face",
    "multiple_faces",
    "too_short",
    "too_long",
    "partial_recording",
    "low_transcript_confidence",
)


@dataclass(frozen=True)
class Word:
    word: str
    start_s: float
    end_s: float
    probability: float


@dataclass(frozen=True)
class Transcript:
    text: str
    words: tuple[Word, ...]
    model: str = ""
    language_probability: float | None = None


@dataclass(frozen=True)
class PacePoint:
    start_s: float
    end_s: float
    words_per_minute: float
    syllables_per_minute: float


@dataclass(frozen=True)
class PaceReport:
    words_per_minute: float | None
    net_words_per_minute: float | None
    syllables_per_minute: float | None
    timeline: tuple[PacePoint, ...]
    speech_duration_s: float
    speaking_time_s: float
    # which rate the band applies to: words_per_minute (en) or net_syllables_per_minute (ko;
    # syllables_per_minute in reports made before the Korean band was calibrated)
    unit: str
    target_low: float
    target_high: float
    target_provisional: bool
    in_target: bool | None
    net_syllables_per_minute: float | None = None  # syllables over speaking time (pauses left out)

    @property
    def target_rate(self) -> float | None:
        """The rate the target band is compared with (its ``unit``)."""
        if self.unit == "net_syllables_per_minute":
            return self.net_syllables_per_minute
        if self.unit == "syllables_per_minute":
            return self.syllables_per_minute
        return self.words_per_minute


@dataclass(frozen=True)
class TimeSpan:
    start_s: float
    end_s: float


@dataclass(frozen=True)
class PauseItem:
    start_s: float
    end_s: float
    duration_s: float
    long: bool


@dataclass(frozen=True)
class PausesReport:
    count: int
    long_count: int
    items: tuple[PauseItem, ...]
    total_s: float
    min_pause_s: float
    long_pause_s: float


@dataclass(frozen=True)
class FillerItem:
    word: str
    start_s: float


@dataclass(frozen=True)
class FillersReport:
    count: int
    per_minute: float
    items: tuple[FillerItem, ...]


@dataclass(frozen=True)
class GazeReport:
    available: bool
    eye_contact_ratio: float | None
    face_present_ratio: float | None
    away_episodes: tuple[TimeSpan, ...]
    multiple_faces_ratio: float | None
    sampled_frames: int
    sample_fps: float
    mean_abs_yaw_deg: float | None
    mean_abs_pitch_deg: float | None


@dataclass(frozen=True)
class StarReport:
    situation: bool
    task: bool
    action: bool
    result: bool
    evidence: dict[str, str] = field(default_factory=dict)

    @property
    def found_count(self) -> int:
        return int(self.situation) + int(self.task) + int(self.action) + int(self.result)


@dataclass(frozen=True)
class ContentReport:
    score: int
    star: StarReport
    keyword_coverage: float | None
    keywords_found: tuple[str, ...]
    keywords_missing: tuple[str, ...]
    relevance: float
    question_relevance: float
    job_relevance: float | None
    length_fit: str  # "fits", "too_short", "too_long" or "no_limit"
    method: str


@dataclass(frozen=True)
class Score:
    score: int | None  # None when it could not be measured (e.g. gaze of an audio-only file)
    explanation: str
    explanation_en: str
    explanation_ko: str
    measured: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Scores:
    delivery: Score
    gaze: Score
    content: Score
    overall: Score


@dataclass(frozen=True)
class Report:
    duration_s: float
    language: str
    transcript: Transcript
    pace: PaceReport
    pauses: PausesReport
    fillers: FillersReport
    gaze: GazeReport
    content: ContentReport
    scores: Scores
    flags: tuple[str, ...]
    has_video: bool
    analysis_seconds: float
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)  # type: ignore[no-any-return]

    def to_json(self, **kwargs: Any) -> str:
        kwargs.setdefault("ensure_ascii", False)
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """A stored report (``to_dict``'s output, e.g. from the database) as the dataclass tree.

        Keys it does not know are ignored (a newer writer); fields missing from an older report
        take their defaults. A report that lacks a field with no default, or holds a value of the
        wrong shape, raises ``ValueError`` naming the field."""
        built = _build(cls, data, "report")
        assert isinstance(built, Report)
        return built


def _build(kind: Any, value: Any, where: str) -> Any:
    """``value`` (plain JSON) as an instance of the annotation ``kind``."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [k for k in typing.get_args(kind) if k is not type(None)]
        if value is None:
            return None
        return _build(options[0], value, where) if len(options) == 1 else value
    if dataclasses.is_dataclass(kind) and isinstance(kind, type):
        if not isinstance(value, dict):
            raise ValueError(f"{where}: expected an object, got {type(value).__name__}")
        hints = typing.get_type_hints(kind)
        values = {}
        for f in dataclasses.fields(kind):
            if f.name in value:
                values[f.name] = _build(hints[f.name], value[f.name], f"{where}.{f.name}")
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ValueError(f"{where}.{f.name}: missing")
        return kind(**values)
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"{where}: expected a list, got {type(value).__name__}")
        (item, *_rest) = typing.get_args(kind)
        return tuple(_build(item, v, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise ValueError(f"{where}: expected an object, got {type(value).__name__}")
        return dict(value)
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{where}: expected a number, got {type(value).__name__}")
        return float(value)
    if kind in (int, str, bool) and not isinstance(value, kind):
        raise ValueError(f"{where}: expected {kind.__name__}, got {type(value).__name__}")
    return value


def _plain(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [_plain(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, float):
        return round(obj, 4)
    return obj
