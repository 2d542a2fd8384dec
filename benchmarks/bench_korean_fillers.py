"""Korean filler precision and recall on real read speech (issue 11): the filler pass against main.

Data: `../shared/corpora/ko-read-speech` (50 real utterances), joined 10 at a time with 0.6 s of
silence into 5 answers (no fillers in them: precision, and CER against the reference), and the
same answers with 15 hesitant "음"/"어" (espeak-ng Korean, slow) spliced in after utterances 2, 5
and 8 with a 0.45 s pause before and a 0.55 s pause after (recall). See `tests/ko_filler_corpus.py`.

Two settings, each answer analysed by both back to back in one process with the same loaded
model (`analyze_file(..., language="ko")`), so load swings hit both alike:
- **main** (before this change): beam 5, no prompt, no filler pass (`keep_fillers=False`, which
  for Korean is exactly the decoding shipped before the pass: the prompt was already off);
- **filler pass** (shipped): the same decoding plus `analysis.transcribe.recover_fillers`.

Fillers are counted by the report's evidence rule (`analysis.fillers_ko`); the main setting's
words are also scored by the word-list rule from before issue 11 (baseline). Figures: fillers in
the read answers (want <= 1), inserted fillers found within 0.8 s (recall), the share of
detections in the spliced answers that are at an inserted filler, CER over the read answers,
and the real-time factor (analysis wall time / audio) over all 10 answers.

Run: .venv/bin/python benchmarks/bench_korean_fillers.py   (JSON lines on stdout)
"""

from __future__ import annotations

import json
import os
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
from tests import ko_filler_corpus, kocorpus  # noqa: E402

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


def _machine() -> dict[str, object]:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "load_avg": os.getloadavg(),
        "python": platform.python_version(),
    }


def main() -> None:
    if ko_filler_corpus.corpus_dir() is None:
        sys.exit("the corpus ../shared/corpora/ko-read-speech is not available")
    print(json.dumps({"machine_before": _machine()}))
    pool = ModelPool(Path(tempfile.mkdtemp()))
    settings = {
        "main": AnalysisOptions(language="ko", keep_fillers=False),
        "filler_pass": AnalysisOptions(language="ko"),
    }
    rules = ("main/evidence", "main/word_list", "filler_pass/evidence")
    totals = {r: {"read": 0, "hits": 0, "detections": 0} for r in rules}
    wall = dict.fromkeys(settings, 0.0)
    pairs: dict[str, list[tuple[str, str]]] = {k: [] for k in settings}
    inserted = 0
    audio_s = 0.0
    analyze_file(ko_filler_corpus.read_answers()[0].path, settings["main"], pool=pool)  # warm-up
    for kind, answers in (
        ("read", ko_filler_corpus.read_answers()),
        ("spliced", ko_filler_corpus.answers_with_fillers()),
    ):
        for a in answers:
            audio_s += a.duration_s
            samples, _ = decode_audio(a.path)
            silences = energy_silences(samples, 16000, min_s=AnalysisOptions().min_pause_s)
            by_rule: dict[str, list[float]] = {}
            for name, options in settings.items():
                t0 = time.perf_counter()
                report = analyze_file(a.path, options, pool=pool)
                wall[name] += time.perf_counter() - t0
                words = list(report.transcript.words)
                starts = [f.start_s for f in find_fillers(words, "ko", silences=silences)]
                assert starts == [f.start_s for f in report.fillers.items]
                by_rule[f"{name}/evidence"] = starts
                if name == "main":
                    by_rule["main/word_list"] = word_list_fillers(words)
                if kind == "read":
                    pairs[name].append((a.reference, report.transcript.text))
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
        name = rule.split("/")[0]
        print(json.dumps({
            "rule": rule,
            "fillers_in_read_speech": t["read"],
            "inserted_found": f"{t['hits']}/{inserted}",
            "recall": round(t["hits"] / inserted, 3),
            "detections_in_spliced": t["detections"],
            "share_of_detections_at_an_inserted_filler": round(t["hits"] / max(1, t["detections"]), 3),
            "cer_read": round(kocorpus.corpus_cer(pairs[name]), 4),
            "rtf": round(wall[name] / audio_s, 4),
        }))  # fmt: skip
    print(json.dumps({"audio_s": round(audio_s, 1), "wall_s": {k: round(v, 1) for k, v in wall.items()},
                      "filler_pass_over_main": round(wall["filler_pass"] / wall["main"], 3),
                      "machine_after": _machine()}))  # fmt: skip


if __name__ == "__main__":
    main()
