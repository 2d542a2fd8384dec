"""The shared transcript renderer (report page, consultant workspace, employer review) marks
words below the confidence threshold and says why in the word's title."""

from __future__ import annotations

import re

import pytest

from analysis.report import LOW_CONFIDENCE_WORD_PROBABILITY
from server.core.i18n import translate
from server.practice.charts import transcript_html

pytestmark = pytest.mark.unit


def _report(probabilities: list[float]) -> dict:
    words = [
        {"word": f"w{i}", "start_s": float(i), "end_s": i + 0.5, "probability": p}
        for i, p in enumerate(probabilities)
    ]
    return {"transcript": {"words": words}, "fillers": {"items": [{"word": "w1", "start_s": 1.0}]}}


@pytest.mark.parametrize("locale", ["ko", "en"])
def test_only_words_under_the_threshold_are_marked(locale: str) -> None:
    html = str(transcript_html(_report([0.9, 0.2, LOW_CONFIDENCE_WORD_PROBABILITY, 0.49]), lambda k: translate(locale, k)))
    buttons = re.findall(r'<button type="button" class="([^"]+)" data-seek="[\d.]+"(?: title="([^"]*)")?>(w\d)</button>', html)
    assert [(cls, word) for cls, _t, word in buttons] == [
        ("word", "w0"),
        ("word filler uncertain", "w1"),  # a filler can be uncertain too
        ("word", "w2"),  # exactly at the threshold is not under it
        ("word uncertain", "w3"),
    ]
    titles = {word: title for _c, title, word in buttons}
    expected = translate(locale, "practice.uncertain_title").format(p=49)
    assert titles["w3"] == expected and "49" in expected
    assert translate(locale, "practice.filler_title") in titles["w1"]
    assert translate(locale, "practice.uncertain_hint") in html


def test_no_hint_when_every_word_is_confident() -> None:
    html = str(transcript_html(_report([0.9, 0.8]), lambda k: translate("ko", k)))
    assert "uncertain" not in html
