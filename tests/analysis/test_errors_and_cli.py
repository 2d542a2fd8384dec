"""Bad input gets a typed error (library) and a one-line message with a non-zero exit (CLI)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import AnalysisError, AnalysisOptions, analyze_file
from analysis.models import ModelPool
from tests import mediakit

PROJECT_ROOT = Path(__file__).resolve().parents[2]
OPTS = AnalysisOptions(question_text="Tell me about yourself.")


@pytest.mark.media
@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda d: d / "missing.webm", "file_not_found"),
        (lambda d: mediakit.broken_media("empty", d / "empty.webm"), "empty_file"),
        (lambda d: mediakit.broken_media("garbage", d / "garbage.webm"), "unreadable_media"),
        (
            lambda d: mediakit.face_video("facing", seconds=1, fmt="webm", path=d / "video-only.webm"),
            "no_audio_track",
        ),
        (
            lambda d: mediakit.answer_recording(
                None, mediakit.silence_wav(1.0), fmt="webm", path=d / "audio.webm"
            ),
            "no_video_track",
        ),
    ],
    ids=["missing", "empty", "garbage", "no-audio", "no-video"],
)
def test_bad_files_raise_typed_errors(tmp_path: Path, make, code: str) -> None:  # type: ignore[no-untyped-def]
    path = make(tmp_path)
    with pytest.raises(AnalysisError) as info:
        analyze_file(path, OPTS)  # fails before any model is loaded
    err = info.value
    assert err.code == code
    assert err.retryable is False
    assert "\n" not in err.message and "\n" not in err.message_ko
    assert any("\uac00" <= ch <= "\ud7a3" for ch in err.message_ko)


@pytest.mark.unit
def test_invalid_options_are_rejected() -> None:
    with pytest.raises(AnalysisError) as info:
        AnalysisOptions(question_text="q", language="fr")
    assert info.value.code == "invalid_options"
    with pytest.raises(AnalysisError):
        AnalysisOptions(question_text="q", answer_time_limit_s=0)


@pytest.mark.model
@pytest.mark.media
def test_truncated_recording_is_analysed_as_partial_or_rejected_cleanly(
    tmp_path: Path, model_pool: ModelPool
) -> None:
    clip = mediakit.speech_wav("I planned the release and tested it with real users.", words_per_minute=150)
    full = mediakit.answer_recording("facing", clip, fmt="webm")
    cut = mediakit.broken_media("truncated", tmp_path / "cut.webm", source=full)
    try:
        report = analyze_file(cut, OPTS, pool=model_pool)
    except AnalysisError as exc:
        assert exc.code == "unreadable_media"
        return
    # What survived is analysed and marked: shorter than the full answer, still with gaze.
    assert report.duration_s < clip.duration_s - 1.0
    assert "partial_recording" in report.flags
    assert report.gaze.available


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "analysis", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=300,
    )


@pytest.mark.media
@pytest.mark.parametrize("kind", ["missing", "empty", "garbage", "no-audio", "no-video"])
def test_cli_errors_are_one_line_without_traceback(tmp_path: Path, kind: str) -> None:
    paths = {
        "missing": lambda: tmp_path / "nope.webm",
        "empty": lambda: mediakit.broken_media("empty", tmp_path / "e.webm"),
        "garbage": lambda: mediakit.broken_media("garbage", tmp_path / "g.mp4"),
        "no-audio": lambda: mediakit.face_video("facing", seconds=1, fmt="mp4", path=tmp_path / "v.mp4"),
        "no-video": lambda: mediakit.answer_recording(
            None, mediakit.silence_wav(1.0), fmt="mp4", path=tmp_path / "a.mp4"
        ),
    }
    proc = _cli(str(paths[kind]()), "--question", "Tell me about yourself.")
    assert proc.returncode == 3
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("untact analyze: error [")
    assert "Traceback" not in proc.stderr


@pytest.mark.unit
def test_cli_requires_a_question_and_a_known_language(tmp_path: Path) -> None:
    proc = _cli(str(tmp_path / "x.webm"))
    assert proc.returncode == 2 and "--question" in proc.stderr and "Traceback" not in proc.stderr
    proc = _cli(str(tmp_path / "x.webm"), "--question", "q", "--lang", "fr")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    proc = _cli(str(tmp_path / "x.webm"), "--question", "q", "--job-text", str(tmp_path / "none.txt"))
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.model
@pytest.mark.media
def test_cli_json_and_summary_for_an_audio_only_wav(tmp_path: Path) -> None:
    clip = mediakit.speech_wav(
        "Um, I fixed the slow build and it became twice as fast.", words_per_minute=150
    )
    job = tmp_path / "job.txt"
    job.write_text("Build engineer: make the build fast and reliable.", encoding="utf-8")
    cache = ["--model-cache", str(tmp_path / "models")]
    proc = _cli(
        str(clip.path), "--question", "What did you improve?", "--job-text", str(job), "--json", *cache
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["language"] == "en"
    assert "audio_only" in data["flags"] and data["gaze"]["available"] is False
    assert data["pace"]["words_per_minute"] > 100
    assert data["content"]["job_relevance"] > 0
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip() == ""  # not a terminal: no progress bar, and native logs are silenced
    summary = _cli(str(clip.path), "--question", "What did you improve?", "--ui-lang", "ko", *cache)
    assert summary.returncode == 0
    assert summary.stdout.startswith("종합 ")
    assert "전달력" in summary.stdout and "twice as fast" in summary.stdout.lower()
