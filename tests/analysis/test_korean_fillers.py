"""Korean fillers need evidence of hesitation: precision on real read speech, recall on inserted fillers.

The evidence rules are checked on word timings first (pure logic). The corpus test runs the whole
pipeline on ``../shared/corpora/ko-read-speech``: its 50 real utterances joined into 5 answers
(fluent read speech, no fillers) must give at most 1 filler in all, and the same answers with 15
hesitant "음"/"어" spliced in (espeak-ng Korean, with pauses around them) must have at least 80 %
of them found at the right time (12/15; the pipeline's Korean decoding has no filler prompt, so
this recall comes from the filler pass, :func:`analysis.transcribe.recover_fillers`; a pass that
re-decoded each gap on its own reached 11/15, which this threshold would fail). Without the
corpus the test is skipped, except under CI=true
where it fails.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from analysis import AnalysisOptions, Report, analyze_file
from analysis.fillers_ko import find_korean_fillers
from analysis.models import ModelPool
from analysis.report import Word
from tests import ko_filler_corpus

# A filler detected within this distance of an inserted one's start is a hit.
HIT_TOLERANCE_S = 0.8


def _words(spec: list[tuple[str, float, float]]) -> list[Word]:
    return [Word(w, s, e, 0.9) for w, s, e in spec]


# A fluent sentence, about 0.17 s a syllable, with the candidate word at index 2.
def _sentence(word: str, start: float, end: float, next_start: float) -> list[Word]:
    return _words([("저는", 0.0, 0.34), ("지난해", 0.34, 0.85), (word, start, end), ("회사에서", next_start, next_start + 0.68),
                   ("고객", next_start + 0.7, next_start + 1.04), ("데이터를", next_start + 1.04, next_start + 1.72),
                   ("분석했습니다", next_start + 1.72, next_start + 2.74)])  # fmt: skip


@pytest.mark.unit
@pytest.mark.parametrize(
    ("word", "start", "end", "next_start", "counted", "why"),
    [
        ("음", 0.9, 1.1, 1.6, True, "interjection followed by a 0.5 s pause"),
        ("음", 0.9, 1.5, 1.5, True, "interjection lengthened to 0.6 s"),
        ("어", 0.9, 1.05, 1.05, False, "short interjection run into the next word: no evidence"),
        ("아,", 0.9, 0.92, 1.6, False, "20 ms: a timestamp artefact, not a voiced sound"),
        ("이제", 0.9, 1.2, 1.7, False, "adverb followed by a pause: an ordinary word"),
        ("좀", 0.9, 1.1, 1.6, False, "adverb followed by a pause"),
        (
            "이제",
            0.9,
            1.8,
            2.4,
            True,
            "adverb both lengthened (0.9 s for 2 syllables) and followed by a pause",
        ),
        ("뭐", 0.9, 1.0, 1.0, False, "short 뭐 inside the sentence"),
    ],
)
def test_a_korean_filler_needs_evidence(word, start, end, next_start, counted, why) -> None:  # type: ignore[no-untyped-def]
    found = [f.word for f in find_korean_fillers(_sentence(word, start, end, next_start))]
    assert (found == [word.strip(",")]) is counted, why


@pytest.mark.unit
def test_tag_repetition_and_silence_evidence() -> None:
    # "그 사람" is a determiner (MM) even with a pause after it; "그, 그" repeated is hesitation.
    determiner = _words([("그", 0.0, 0.15), ("사람이", 0.6, 1.0), ("왔습니다", 1.0, 1.6)])
    assert find_korean_fillers(determiner) == []
    repeated = _words([("그", 0.0, 0.12), ("그", 0.15, 0.27), ("사람이", 0.3, 0.8), ("왔습니다", 0.8, 1.4)])
    assert [f.word for f in find_korean_fillers(repeated)] == ["그", "그"]
    # An interjection tag (IC) plus a pause: "네, 뭐, 그렇게 ..." reads 뭐 as an interjection.
    tagged = _words([("네,", 0.0, 0.2), ("뭐,", 0.25, 0.4), ("그렇게", 0.9, 1.3), ("했습니다", 1.3, 1.9)])
    assert [f.word for f in find_korean_fillers(tagged)] == ["뭐"]
    # Whisper stretched "음" over the silence after it: the energy silence shows it is short and
    # followed by a pause (evidence), while the same span without silence would be lengthened.
    stretched = _words([("음", 0.0, 1.0), ("저는", 1.0, 1.34), ("분석했습니다", 1.34, 2.36)])
    assert [f.word for f in find_korean_fillers(stretched, silences=[(0.2, 1.0)])] == ["음"]
    inside_silence = _words([("아", 0.5, 0.56), ("저는", 1.0, 1.34), ("분석했습니다", 1.34, 2.36)])
    assert find_korean_fillers(inside_silence, silences=[(0.3, 1.0)]) == []


# --------------------------------------------------------------------------- the real corpus


def _require_corpus() -> None:
    if ko_filler_corpus.corpus_dir() is None:
        reason = "the Korean read-speech corpus (../shared/corpora/ko-read-speech) is not available"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def _analyse(answers: list[ko_filler_corpus.CorpusAnswer], pool: ModelPool) -> list[Report]:
    return [analyze_file(a.path, AnalysisOptions(language="ko"), pool=pool) for a in answers]


@pytest.fixture(scope="module")
def read_reports(model_pool: ModelPool):  # type: ignore[no-untyped-def]
    _require_corpus()
    read = ko_filler_corpus.read_answers()
    return read, _analyse(read, model_pool)


@pytest.fixture(scope="module")
def spliced_reports(model_pool: ModelPool):  # type: ignore[no-untyped-def]
    _require_corpus()
    spliced = ko_filler_corpus.answers_with_fillers()
    return spliced, _analyse(spliced, model_pool)


@pytest.mark.model
@pytest.mark.media
def test_korean_filler_precision_on_read_speech(read_reports) -> None:  # type: ignore[no-untyped-def]
    read, reports = read_reports
    # Precision: fluent read speech has no fillers.
    false_alarms = [(a.path.name, f.word, f.start_s) for a, r in zip(read, reports, strict=True)
                    for f in r.fillers.items]  # fmt: skip
    print(f"read speech: {len(false_alarms)} fillers over {len(read)} answers: {false_alarms}")
    assert len(read) == 5
    assert len(false_alarms) <= 1, false_alarms


@pytest.mark.model
@pytest.mark.media
def test_korean_filler_recall_on_inserted_fillers(spliced_reports) -> None:  # type: ignore[no-untyped-def]
    spliced, reports = spliced_reports
    # Recall: each inserted filler found within HIT_TOLERANCE_S of where it was spliced in.
    inserted = hits = detected = 0
    for answer, report in zip(spliced, reports, strict=True):
        starts = np.array([f.start_s for f in report.fillers.items])
        detected += len(starts)
        for t in answer.filler_times_s:
            inserted += 1
            hits += bool(starts.size) and bool(np.min(np.abs(starts - t)) <= HIT_TOLERANCE_S)
        print(answer.path.name, [round(t, 1) for t in answer.filler_times_s],
              [(f.word, round(f.start_s, 1)) for f in report.fillers.items])  # fmt: skip
    recall = hits / inserted
    print(f"inserted fillers: {hits}/{inserted} found (recall {recall:.2f}); {detected} detections in all")
    assert inserted == 15
    assert recall >= 0.8
    # Most detections in the spliced answers are the inserted fillers, not the read words around them.
    assert hits / max(detected, 1) >= 0.75


@pytest.mark.unit
def test_filler_candidates_are_short_voiced_islands_no_word_covers() -> None:
    from analysis.transcribe import filler_candidates

    sr = 16000
    rng = np.random.default_rng(7)

    def voiced(s: float) -> np.ndarray:
        return (0.2 * rng.standard_normal(round(s * sr))).astype(np.float32)

    def quiet(s: float) -> np.ndarray:
        return (0.0005 * rng.standard_normal(round(s * sr))).astype(np.float32)

    # speech 0-2 s, pause, a held 0.6 s sound at 2.5 s, pause, speech 3.6-5 s, pause, a 0.1 s click
    audio = np.concatenate([voiced(2.0), quiet(0.5), voiced(0.6), quiet(0.5), voiced(1.4), quiet(0.5),
                            voiced(0.1), quiet(0.5)])  # fmt: skip
    speech = [Word("저는", 0.0, 2.0, 0.9), Word("분석했습니다", 3.6, 5.0, 0.9)]
    [(start, end)] = filler_candidates(audio, speech)
    assert abs(start - 2.5) <= 0.04 and abs(end - 3.1) <= 0.04
    # A word the decoder wrote over the island (stretched or not) means it is not left out.
    assert filler_candidates(audio, [*speech, Word("그거", 2.45, 3.2, 0.9)]) == []
    # A hesitation word there already does not hide the island (the pass then skips it itself).
    assert len(filler_candidates(audio, [*speech, Word("음", 2.5, 3.1, 0.9)])) == 1
