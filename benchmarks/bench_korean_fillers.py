"""Korean filler precision and recall on real read speech (issue 11), evidence rule vs word list.

Data: `../shared/corpora/ko-read-speech` (50 real utterances), joined 10 at a time with 0.6 s of
silence into 5 answers (no fillers in them: precision), and the same answers with 15 hesitant
"음"/"어" (espeak-ng Korean, slow) spliced in after utterances 2, 5 and 8 with a 0.45 s pause
before and a 0.55 s pause after (recall). See `tests/ko_filler_corpus.py`.

Each answer is analysed once with the pipeline (`analyze_file(..., language="ko")`); the same
words are then scored by
- **evidence** (the report's rule, `analysis.fillers_ko`): a tag, a pause after, lengthening or
  repetition is needed;
- **word list** (baseline, the rule before issue 11): 음, 어, 뭐, 그러니까, 약간 always; 그, 저, 좀,
  그냥, 막, 이제, 아, 에 when followed by a comma/ellipsis, a gap of >= 0.3 s or repeated.

Run: .venv/bin/python benchmarks/bench_korean_fillers.py   (JSON-ish lines on stdout)
"""

from __future__ import annotations

import json
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from analysis import AnalysisOptions, analyze_file  # noqa: E402
from analysis.decode import decode_audio  # noqa: E402
from analysis.models import ModelPool  # noqa: E402
from analysis.report import Word  # noqa: E402
from analysis.speech import energy_silences, find_fillers, normalize_token  # noqa: E402
from tests import ko_filler_corpus  # noqa: E402

HIT_TOLERANCE_S = 0.8
_LIST_ALWAYS = {"음", "어", "뭐", "그러니까", "약간"}
_LIST_AMBIGUOUS = {"그", "저", "좀", "그냥", "막", "이제", "아", "에"}


def word_list_fillers(words: Sequence[Word]) -> list[float]:
    """The pre-issue-11 Korean rule, kept here as the baseline."""
    toks = [normalize_token(w.word) for w in words]
    out = []
    for i, (w, tok) in enumerate(zip(words, toks, strict=True)):
        nxt = toks[i + 1] if i + 1 < len(toks) else ""
        if tok in _LIST_ALWAYS:
            out.append(w.start_s)
        elif tok in _LIST_AMBIGUOUS:
            gap = words[i + 1].start_s - w.end_s if i + 1 < len(words) else 1.0
            if w.word.strip().endswith((",", "...", "…")) or gap >= 0.3 or nxt == tok:
                out.append(w.start_s)
    return out


def main() -> None:
    if ko_filler_corpus.corpus_dir() is None:
        sys.exit("the corpus ../shared/corpora/ko-read-speech is not available")
    import os

    print(
        json.dumps({"load_avg": os.getloadavg(), "cpus": os.cpu_count(), "python": platform.python_version()})
    )
    pool = ModelPool(Path(tempfile.mkdtemp()))
    totals = {rule: {"read": 0, "hits": 0, "detections": 0} for rule in ("evidence", "word_list")}
    inserted = 0
    started = time.perf_counter()
    audio_s = 0.0
    for kind, answers in (
        ("read", ko_filler_corpus.read_answers()),
        ("spliced", ko_filler_corpus.answers_with_fillers()),
    ):
        for a in answers:
            report = analyze_file(a.path, AnalysisOptions(language="ko"), pool=pool)
            audio_s += a.duration_s
            words = list(report.transcript.words)
            samples, _ = decode_audio(a.path)
            silences = energy_silences(samples, 16000, min_s=AnalysisOptions().min_pause_s)
            by_rule = {
                "evidence": [f.start_s for f in find_fillers(words, "ko", silences=silences)],
                "word_list": word_list_fillers(words),
            }
            assert by_rule["evidence"] == [f.start_s for f in report.fillers.items]
            for rule, starts in by_rule.items():
                if kind == "read":
                    totals[rule]["read"] += len(starts)
                else:
                    totals[rule]["detections"] += len(starts)
                    arr = np.array(starts)
                    totals[rule]["hits"] += sum(
                        bool(arr.size) and bool(np.min(np.abs(arr - t)) <= HIT_TOLERANCE_S)
                        for t in a.filler_times_s
                    )
            if kind == "spliced":
                inserted += len(a.filler_times_s)
            print(json.dumps({"answer": a.path.name, "kind": kind, "fillers": by_rule}, ensure_ascii=False))
    for rule, t in totals.items():
        print(json.dumps({
            "rule": rule,
            "fillers_in_read_speech": t["read"],
            "inserted_found": f"{t['hits']}/{inserted}",
            "recall": round(t["hits"] / inserted, 3),
            "detections_in_spliced": t["detections"],
            "share_of_detections_at_an_inserted_filler": round(t["hits"] / max(1, t["detections"]), 3),
        }))  # fmt: skip
    print(json.dumps({"audio_s": round(audio_s, 1), "wall_s": round(time.perf_counter() - started, 1),
                      "load_avg_end": os.getloadavg()}))  # fmt: skip


if __name__ == "__main__":
    main()
