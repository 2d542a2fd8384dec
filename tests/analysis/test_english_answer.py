"""The English espeak answer, analysed once with Whisper base: transcript, pace, pauses, fillers,
eye contact and the explained scores, all against the known truth of the generated media."""

from __future__ import annotations

import itertools

import pytest

from tests.analysis.conftest import ENGLISH_TEXT, AnalysedAnswer, normalize_words, word_error_rate

pytestmark = [pytest.mark.model, pytest.mark.media]

INSERTED_FILLERS = ("um", "uh", "like", "you know", "um", "uh")


def test_transcript_word_error_rate_is_at_most_20_percent(english_answer: AnalysedAnswer) -> None:
    wer = word_error_rate(ENGLISH_TEXT, english_answer.report.transcript.text)
    print(f"WER (base, espeak en, 160 wpm, WebM/Opus): {wer:.3f}")
    assert wer <= 0.20
    assert english_answer.report.language == "en"


def test_words_have_increasing_timestamps_inside_the_recording(english_answer: AnalysedAnswer) -> None:
    words = english_answer.report.transcript.words
    assert len(words) >= 0.8 * len(ENGLISH_TEXT.split())
    assert all(w.start_s <= w.end_s for w in words)
    assert all(a.start_s <= b.start_s for a, b in itertools.pairwise(words))
    assert words[0].start_s >= english_answer.clip.speech_start_s - 0.5
    assert words[-1].end_s <= english_answer.report.duration_s + 0.1
    assert all(0.0 <= w.probability <= 1.0 for w in words)


def test_words_per_minute_within_10_percent_of_truth(english_answer: AnalysedAnswer) -> None:
    pace = english_answer.report.pace
    truth = english_answer.clip.truth_words_per_minute
    print(f"WPM measured {pace.words_per_minute} vs truth {truth:.1f}")
    assert pace.words_per_minute is not None
    assert abs(pace.words_per_minute - truth) <= 0.10 * truth
    # Net rate leaves out the two 3 s pauses, so it must be clearly higher than the gross rate.
    assert pace.net_words_per_minute is not None and pace.net_words_per_minute > pace.words_per_minute * 1.1
    assert pace.unit == "words_per_minute" and pace.target_low == 130 and pace.target_high == 170
    # English syllables: about 1.3 per word for this text.
    assert pace.syllables_per_minute is not None
    assert 1.1 * pace.words_per_minute <= pace.syllables_per_minute <= 1.7 * pace.words_per_minute
    assert len(pace.timeline) >= 5
    assert all(p.end_s > p.start_s for p in pace.timeline)


def test_inserted_long_pauses_found_at_the_right_times(english_answer: AnalysedAnswer) -> None:
    truth = english_answer.clip.pauses_s
    long_pauses = [p for p in english_answer.report.pauses.items if p.long]
    assert english_answer.report.pauses.long_count == len(truth) == 2
    for (t_start, t_end), found in zip(truth, long_pauses, strict=True):
        assert abs(found.start_s - t_start) <= 0.3
        assert abs(found.end_s - t_end) <= 0.3
    # espeak's own sentence breaks are short pauses, never long ones
    assert english_answer.report.pauses.count >= 2


def test_inserted_fillers_are_counted_with_recall_reported(english_answer: AnalysedAnswer) -> None:
    found = [f.word for f in english_answer.report.fillers.items]
    remaining = list(found)
    hits = 0
    for filler in INSERTED_FILLERS:
        if filler in remaining:
            remaining.remove(filler)
            hits += 1
    recall = hits / len(INSERTED_FILLERS)
    print(f"filler recall {recall:.2f} ({hits}/{len(INSERTED_FILLERS)}), found {found}")
    assert recall >= 0.5
    fillers = english_answer.report.fillers
    assert fillers.count == len(found)
    minutes = english_answer.report.pace.speech_duration_s / 60
    assert fillers.per_minute == pytest.approx(fillers.count / minutes, rel=0.02)
    # positions are where the words are: the first "Um" opens the answer
    assert fillers.items[0].word == "um"
    assert abs(fillers.items[0].start_s - english_answer.clip.speech_start_s) <= 0.5


def test_eye_contact_when_facing_the_camera(english_answer: AnalysedAnswer) -> None:
    gaze = english_answer.report.gaze
    assert gaze.available
    assert gaze.eye_contact_ratio is not None and gaze.eye_contact_ratio >= 0.8
    assert gaze.face_present_ratio is not None and gaze.face_present_ratio >= 0.95
    assert gaze.multiple_faces_ratio == 0.0
    assert gaze.away_episodes == ()
    # 5 frames a second over the whole answer
    assert gaze.sampled_frames == pytest.approx(english_answer.report.duration_s * 5, abs=3)
    assert "no_face" not in english_answer.report.flags


def test_content_finds_star_parts_and_keywords(english_answer: AnalysedAnswer) -> None:
    content = english_answer.report.content
    assert (content.star.situation, content.star.task, content.star.action, content.star.result) == (
        True,
    ) * 4
    assert set(content.keywords_found) == {"delivery", "customers"}
    assert content.keywords_missing == ("budget",)
    assert content.keyword_coverage == pytest.approx(2 / 3, abs=1e-3)
    assert content.relevance >= 0.3
    assert content.length_fit == "fits"


def test_scores_are_explained_with_their_numbers_in_both_languages(english_answer: AnalysedAnswer) -> None:
    report = english_answer.report
    scores = report.scores
    for s in (scores.delivery, scores.gaze, scores.content, scores.overall):
        assert s.score is not None and 0 <= s.score <= 100
        assert s.explanation == s.explanation_en  # the answer was in English
        assert any("\uac00" <= ch <= "\ud7a3" for ch in s.explanation_ko)
    wpm = f"{report.pace.words_per_minute:.0f}"
    assert wpm in scores.delivery.explanation_en and wpm in scores.delivery.explanation_ko
    assert f"{report.pauses.long_count} long pauses" in scores.delivery.explanation_en
    assert f"{report.gaze.eye_contact_ratio:.0%}" in scores.gaze.explanation_en
    assert scores.gaze.score >= 90  # type: ignore[operator]
    # two long pauses cost 16 points of delivery
    assert scores.delivery.measured["pause_penalty"] == 16
    assert scores.delivery.score <= 84  # type: ignore[operator]
    expected = round(0.35 * scores.delivery.score + 0.25 * scores.gaze.score + 0.40 * scores.content.score)  # type: ignore[operator]
    assert abs(scores.overall.score - expected) <= 1  # type: ignore[operator]
    assert "no_speech" not in report.flags and "low_audio" not in report.flags


def test_report_serialises_to_json_with_the_documented_keys(english_answer: AnalysedAnswer) -> None:
    import json

    data = json.loads(english_answer.report.to_json())
    assert data["duration_s"] == pytest.approx(english_answer.clip.duration_s, abs=0.2)
    assert data["language"] == "en"
    assert normalize_words(data["transcript"]["text"])[:3] == ["um", "in", "my"]
    assert set(data["transcript"]["words"][0]) >= {"word", "start_s", "end_s", "probability"}
    assert data["pauses"]["items"][0].keys() >= {"start_s", "end_s"}
    assert data["fillers"]["items"][0].keys() >= {"word", "start_s"}
    assert set(data["content"]["star"]) >= {"situation", "task", "action", "result"}
    assert set(data["scores"]) == {"delivery", "gaze", "content", "overall"}
    assert isinstance(data["flags"], list)


def test_audio_only_mp3_still_gets_every_audio_metric(english_clip, model_pool) -> None:  # type: ignore[no-untyped-def]
    from analysis import AnalysisOptions, analyze_file
    from tests import mediakit

    path = mediakit.audio_file(english_clip, fmt="mp3")
    report = analyze_file(
        path, AnalysisOptions(question_text="Tell me about a problem you solved."), pool=model_pool
    )
    assert report.has_video is False and "audio_only" in report.flags
    assert report.gaze.available is False and report.scores.gaze.score is None
    assert word_error_rate(ENGLISH_TEXT, report.transcript.text) <= 0.20
    truth = english_clip.truth_words_per_minute
    assert report.pace.words_per_minute is not None
    assert abs(report.pace.words_per_minute - truth) <= 0.10 * truth
    assert report.pauses.long_count == 2
    # MP3 encoders add up to ~50 ms of priming delay; still well inside ±0.3 s
    for (t_start, t_end), found in zip(
        english_clip.pauses_s, [p for p in report.pauses.items if p.long], strict=True
    ):
        assert abs(found.start_s - t_start) <= 0.3 and abs(found.end_s - t_end) <= 0.3
    assert report.fillers.count >= 3
    assert report.scores.overall.score is not None and "no video" in report.scores.overall.explanation_en
