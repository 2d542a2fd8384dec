"""The report tree built from known inputs (no model): keys, units and the schema document."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from analysis import AnalysisOptions
from analysis.gaze import FrameGaze
from analysis.pipeline import build_report
from analysis.report import Word

pytestmark = pytest.mark.unit
SCHEMA_DOC = Path(__file__).resolve().parents[2] / "docs" / "report-schema.md"


def _report(with_video: bool = True):  # type: ignore[no-untyped-def]
    sr = 16000
    t = np.arange(10 * sr) / sr
    audio = (0.2 * np.sin(2 * np.pi * 200 * t)).astype(np.float32)
    audio[int(4 * sr) : int(7 * sr)] = 0.0  # a 3 s pause
    words = [Word(w, s, s + 0.4, 0.9) for w, s in zip(
        ["Um,", "at", "my", "previous", "job", "my", "task", "was", "to", "cut", "costs.", "As", "a", "result", "we", "saved", "money"],
        [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 7.0, 7.5, 8.0, 8.5, 9.0, 9.5, 9.55, 9.6][:16], strict=False)]  # fmt: skip
    gaze = [FrameGaze(i / 5, 1, 2.0, 10.0, 0.5, True) for i in range(30)] + [
        FrameGaze(6 + i / 5, 1, 40.0, 5.0, 0.5, False) for i in range(20)
    ]
    return build_report(
        samples=audio,
        words=words,
        language="en",
        language_probability=None,
        gaze_frames=gaze if with_video else None,
        options=AnalysisOptions(question_text="How did you cut costs?", expected_keywords=("costs", "team")),
        model_name="base",
    )


def test_every_report_key_is_documented() -> None:
    doc = SCHEMA_DOC.read_text(encoding="utf-8")
    data = _report().to_dict()

    def keys(obj, prefix=""):  # type: ignore[no-untyped-def]
        if isinstance(obj, dict):
            for k, v in obj.items():
                if prefix.endswith("measured") or prefix.endswith("evidence"):
                    continue
                yield k
                yield from keys(v, k)
        elif isinstance(obj, list) and obj:
            yield from keys(obj[0], prefix)

    missing = sorted({k for k in keys(data) if not re.search(rf"`{re.escape(k)}(\[\])?`", doc)})
    assert missing == []


def test_report_values_from_known_inputs() -> None:
    r = _report()
    assert r.pauses.long_count == 1
    assert (r.pauses.items[0].start_s, r.pauses.items[0].end_s) == (4.0, 7.0)
    assert r.fillers.count == 1 and r.fillers.items[0].word == "um"
    assert r.gaze.eye_contact_ratio == pytest.approx(0.6)
    assert [(e.start_s, e.end_s) for e in r.gaze.away_episodes] == [(6.0, 10.0)]
    assert r.content.keywords_found == ("costs",) and r.content.keyword_coverage == 0.5
    assert r.scores.gaze.score == 70  # 100 * 0.6/0.8 = 75, minus 5 for one away episode
    assert "audio_only" not in r.flags
    data = json.loads(r.to_json())
    assert data["scores"]["gaze"]["measured"]["away_episodes"] == 1


def test_audio_only_report_has_null_gaze_and_reweighted_overall() -> None:
    r = _report(with_video=False)
    assert r.gaze.available is False and r.gaze.eye_contact_ratio is None
    assert r.scores.gaze.score is None
    expected = round((0.35 * r.scores.delivery.score + 0.40 * r.scores.content.score) / 0.75)  # type: ignore[operator]
    assert r.scores.overall.score == expected
    assert "audio_only" in r.flags


@pytest.mark.parametrize("with_video", [True, False])
def test_a_stored_report_reads_back_as_the_same_dataclass_tree(with_video: bool) -> None:
    from analysis.report import Report

    stored = json.loads(_report(with_video).to_json())  # as the database gives it back
    report = Report.from_dict(stored)
    assert isinstance(report, Report) and report.to_dict() == stored
    assert isinstance(report.transcript.words, tuple) and report.transcript.words[0].word == "Um,"
    assert report.scores.overall.score == stored["scores"]["overall"]["score"]
    assert report.pace.target_rate == stored["pace"][stored["pace"]["unit"]]


def test_an_older_or_newer_report_reads_and_a_broken_one_names_its_field() -> None:
    from analysis.report import Report

    stored = _report().to_dict()
    older = json.loads(json.dumps(stored))
    del older["pace"]["net_syllables_per_minute"]  # added later, with a default
    older["transcript"].pop("model")
    newer = json.loads(json.dumps(stored)) | {"added_later": {"x": 1}}
    assert Report.from_dict(older).pace.net_syllables_per_minute is None
    assert Report.from_dict(newer).to_dict() == stored
    broken = json.loads(json.dumps(stored))
    del broken["scores"]["gaze"]
    with pytest.raises(ValueError, match=r"report\.scores\.gaze: missing"):
        Report.from_dict(broken)
    broken = json.loads(json.dumps(stored))
    broken["pauses"]["items"] = "none"
    with pytest.raises(ValueError, match=r"report\.pauses\.items: expected a list"):
        Report.from_dict(broken)
