"""Korean transcription and speed on real read speech (issue 11), measured in one run.

The corpus ``../shared/corpora/ko-read-speech`` (50 real utterances) is joined 10 at a time with
0.6 s of silence into 5 answers of about 50 s (see tests/kocorpus.py). Every variant decodes the
same 5 answers with the same loaded Whisper model, one after another in this process:

- ``plain greedy`` / ``plain beam 5``: faster-whisper as it comes — ``transcribe(language="ko",
  vad_filter=True, temperature=0, beam_size=…)``, no prompt, the other arguments at their
  defaults. This is the baseline the pipeline has to match.
- ``pipeline …``: :func:`analysis.transcribe.transcribe_samples` with explicit
  :class:`~analysis.transcribe.DecodeSettings`: beam size, the prompt (none, the Korean filler
  prompt, or an interview question as context), the VAD parameters and the repair passes.
- ``analyze_file``: the whole-file analysis with ``--lang ko`` as shipped (and ``auto``), with
  the real-time factor against the plain beam-5 decoding of the same audio.

CER counts Hangul syllables and alphanumerics, ignoring spaces and punctuation, over all 5
answers (total edits / total reference characters).

Usage: ``.venv/bin/python benchmarks/bench_korean.py [--quick] [--markdown]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import wave
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.transcribe import FILLER_PROMPTS, DecodeSettings, decode_settings_for  # noqa: E402
from tests import kocorpus  # noqa: E402

# A generic interview question (not corpus text): does question context help or hurt?
QUESTION_PROMPT = "지원하신 직무와 관련해 가장 어려웠던 경험과 그 결과를 말씀해 주세요."

# Generic job keywords as hotwords (a job posting's words; not corpus text).
JOB_HOTWORDS = "데이터 분석, 프로젝트 관리, 고객 응대, 일정 조율"

PIPELINE_OLD = DecodeSettings(beam_size=1, prompt=FILLER_PROMPTS["ko"], repair=True)
VAD_DEFAULT = {"vad_min_silence_ms": 2000, "vad_speech_pad_ms": 400}  # Silero VAD's own defaults
SHIPPED = decode_settings_for("ko")
VARIANTS: list[tuple[str, DecodeSettings]] = [
    ("before: greedy, filler prompt, repairs, VAD 500/200 ms", PIPELINE_OLD),
    ("greedy, filler prompt, no repairs, VAD 500/200", replace(PIPELINE_OLD, repair=False)),
    ("greedy, no prompt, no repairs, VAD 500/200", replace(PIPELINE_OLD, prompt=None, repair=False)),
    ("beam 5, no prompt, repairs, VAD 500/200", replace(PIPELINE_OLD, beam_size=5, prompt=None)),
    ("beam 5, no prompt, no repairs, VAD 500/200", DecodeSettings(beam_size=5, repair=False)),
    ("greedy, no prompt, no repairs, VAD default", DecodeSettings(beam_size=1, repair=False, **VAD_DEFAULT)),
    ("beam 5, filler prompt, no repairs, VAD default", replace(SHIPPED, prompt=FILLER_PROMPTS["ko"])),
    ("beam 5, question as prompt, no repairs, VAD default", replace(SHIPPED, prompt=QUESTION_PROMPT)),
    ("beam 5, job keywords as hotwords, no repairs, VAD default", replace(SHIPPED, hotwords=JOB_HOTWORDS)),
    ("beam 5, no prompt, repairs, VAD default", replace(SHIPPED, repair=True)),
    ("beam 5, no prompt, no repairs, VAD off", replace(SHIPPED, vad=False)),
    ("beam 3, no prompt, no repairs, VAD default", replace(SHIPPED, beam_size=3)),
    (
        "beam 5, no prompt, no repairs, VAD default, no previous-text condition, hallucination skip 2 s",
        replace(SHIPPED, condition_on_previous_text=False, hallucination_silence_threshold=2.0),
    ),
    ("shipped: beam 5, no prompt, no repairs, VAD default", SHIPPED),
]
QUICK = {0, 4, 13}


def machine() -> dict[str, Any]:
    load = os.getloadavg()
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "load_avg": [round(x, 2) for x in load],
        "uptime": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(),
    }


def plain_decode(whisper: Any, samples: Any, beam_size: int) -> str:
    segments, _info = whisper.transcribe(
        samples, language="ko", vad_filter=True, temperature=0.0, beam_size=beam_size
    )
    return " ".join(s.text.strip() for s in segments)


def run_variants(answers: list[kocorpus.KoreanAnswer], tr: Any, quick: bool) -> list[dict[str, Any]]:
    from analysis.transcribe import join_words, transcribe_samples

    rows: list[dict[str, Any]] = []
    audio_s = sum(a.duration_s for a in answers)
    for beam in (1, 5):
        t0 = time.perf_counter()
        hyps = [plain_decode(tr.whisper, a.samples, beam) for a in answers]
        el = time.perf_counter() - t0
        rows.append(
            {
                "variant": f"plain faster-whisper, {'greedy' if beam == 1 else 'beam 5'}",
                "cer": kocorpus.corpus_cer([(a.reference, h) for a, h in zip(answers, hyps, strict=True)]),
                "seconds": el,
                "rtf": el / audio_s,
                "hyps": hyps,
            }
        )
    for i, (name, settings) in enumerate(VARIANTS):
        if quick and i not in QUICK:
            continue
        t0 = time.perf_counter()
        hyps = [join_words(transcribe_samples(tr, a.samples, language="ko", settings=settings)) for a in answers]
        el = time.perf_counter() - t0
        rows.append(
            {
                "variant": name,
                "cer": kocorpus.corpus_cer([(a.reference, h) for a, h in zip(answers, hyps, strict=True)]),
                "seconds": el,
                "rtf": el / audio_s,
                "hyps": hyps,
            }
        )
        print(f"{name}: CER {rows[-1]['cer']:.4f} in {el:.1f} s", file=sys.stderr)
    return rows


def _write_wav(path: Path, samples: Any) -> None:
    import numpy as np

    # the corpus is 16-bit PCM: scaling back by 32768 gives the same samples, bit for bit
    pcm = np.clip(np.round(samples * 32768), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(kocorpus.SAMPLE_RATE)
        w.writeframes(pcm.tobytes())


def run_whole_file(answers: list[kocorpus.KoreanAnswer], pool: Any, tr: Any) -> dict[str, Any]:
    """``analyze_file`` on each answer as a WAV file (--lang ko and auto), against plain beam 5
    on the same samples, plus a 60 s answer (the 63.6 s one) for the speed target."""
    from analysis import AnalysisOptions, analyze_file
    from analysis.speech import text_syllables

    out: dict[str, Any] = {"answers": []}
    utterance_rates: list[float] = []
    tmp = Path(tempfile.mkdtemp(prefix="untact-ko-bench-"))
    pairs, plain_pairs = [], []
    t_pipe = t_plain = 0.0
    for a in answers:
        wav = tmp / f"{a.name}.wav"
        _write_wav(wav, a.samples)
        t0 = time.perf_counter()
        rep = analyze_file(str(wav), AnalysisOptions(language="ko"), pool=pool)
        t_a = time.perf_counter() - t0
        t0 = time.perf_counter()
        auto = analyze_file(str(wav), AnalysisOptions(language="auto"), pool=pool)
        t_auto = time.perf_counter() - t0
        t0 = time.perf_counter()
        plain = plain_decode(tr.whisper, a.samples, 5)
        t_p = time.perf_counter() - t0
        t_pipe += t_a
        t_plain += t_p
        pairs.append((a.reference, rep.transcript.text))
        plain_pairs.append((a.reference, plain))
        span = rep.pace.speech_duration_s or 0.0
        ref_rate = text_syllables(a.reference) / max(rep.pace.speaking_time_s or 1e-3, 1e-3) * 60
        utterance_rates.extend(_utterance_net_rates(a, rep))
        out["answers"].append(
            {
                "name": a.name,
                "duration_s": round(a.duration_s, 1),
                "cer": round(kocorpus.corpus_cer([pairs[-1]]), 4),
                "plain_beam5_cer": round(kocorpus.corpus_cer([plain_pairs[-1]]), 4),
                "rtf": round(t_a / a.duration_s, 3),
                "rtf_auto": round(t_auto / a.duration_s, 3),
                "plain_beam5_rtf": round(t_p / a.duration_s, 3),
                "auto_language": auto.language,
                "spm_net": rep.pace.net_syllables_per_minute,
                "reference_spm_net": round(ref_rate, 1),
                "speech_span_s": span,
                "fillers": rep.fillers.count,
            }
        )
        print(json.dumps(out["answers"][-1], ensure_ascii=False), file=sys.stderr)
    audio_s = sum(a.duration_s for a in answers)
    out["cer"] = kocorpus.corpus_cer(pairs)
    out["plain_beam5_cer"] = kocorpus.corpus_cer(plain_pairs)
    out["rtf"] = t_pipe / audio_s
    out["plain_beam5_rtf"] = t_plain / audio_s
    out["ratio_vs_plain"] = t_pipe / max(t_plain, 1e-9)
    import numpy as np

    r = np.asarray(utterance_rates)
    out["utterance_net_spm"] = {
        "count": int(r.size),
        "p10": round(float(np.percentile(r, 10)), 1),
        "median": round(float(np.median(r)), 1),
        "p90": round(float(np.percentile(r, 90)), 1),
        "min": round(float(r.min()), 1),
        "max": round(float(r.max()), 1),
    }
    return out


def _utterance_net_rates(a: kocorpus.KoreanAnswer, rep: Any) -> list[float]:
    """Each utterance's net rate as the analysis measures it: the reference syllables over the
    time from its first to its last transcribed word, less the detected pauses inside (the
    figures the Korean band is calibrated on)."""
    import json as _json

    from analysis.speech import text_syllables

    refs = _json.loads((kocorpus.corpus_dir() / "transcripts.json").read_text(encoding="utf-8"))
    names = sorted(refs)
    k = int(a.name.removeprefix("answer")) - 1
    texts = [refs[n] for n in names[k * kocorpus.PER_ANSWER : (k + 1) * kocorpus.PER_ANSWER]]
    rates: list[float] = []
    for (u0, u1), text in zip(a.utterances, texts, strict=True):
        inside = [w for w in rep.transcript.words if u0 - 0.1 <= (w.start_s + w.end_s) / 2 <= u1 + 0.1]
        if len(inside) < 2:
            continue
        lo, hi = inside[0].start_s, inside[-1].end_s
        paused = sum(max(0.0, min(p.end_s, hi) - max(p.start_s, lo)) for p in rep.pauses.items)
        speaking = hi - lo - paused
        if speaking > 0.5:
            rates.append(text_syllables(text) / speaking * 60)
    return rates


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="three variants only")
    ap.add_argument("--no-variants", action="store_true")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    if not kocorpus.corpus_available():
        sys.exit(f"corpus not found at {kocorpus.corpus_dir()}")
    from analysis.models import ModelPool

    answers = kocorpus.load_answers()
    pool = ModelPool(os.environ.get("UNTACT_MODEL_CACHE_DIR"))
    tr = pool.get("base")
    result: dict[str, Any] = {"machine_before": machine()}
    if not args.no_variants:
        result["variants"] = run_variants(answers, tr, args.quick)
    result["whole_file"] = run_whole_file(answers, pool, tr)
    result["machine_after"] = machine()
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    if args.markdown:
        print("| variant | CER | decode s (268 s audio) | RTF |\n| --- | ---: | ---: | ---: |")
        for r in result.get("variants", []):
            print(f"| {r['variant']} | {r['cer']:.3f} | {r['seconds']:.1f} | {r['rtf']:.3f} |")
        wf = result["whole_file"]
        print(
            f"\nanalyze_file --lang ko: CER {wf['cer']:.3f} (plain beam 5 {wf['plain_beam5_cer']:.3f}), "
            f"RTF {wf['rtf']:.3f} (plain beam 5 {wf['plain_beam5_rtf']:.3f}, ratio {wf['ratio_vs_plain']:.2f})"
        )
        print("\n| answer | s | CER | plain b5 CER | RTF | auto lang | net SPM | ref net SPM |")
        print("| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |")
        for a in wf["answers"]:
            print(
                f"| {a['name']} | {a['duration_s']} | {a['cer']:.3f} | {a['plain_beam5_cer']:.3f} | {a['rtf']:.3f} "
                f"| {a['auto_language']} | {a['spm_net']} | {a['reference_spm_net']} |"
            )
        u = wf["utterance_net_spm"]
        print(
            f"\nper-utterance net syllables/min ({u['count']}): p10 {u['p10']}, median {u['median']}, "
            f"p90 {u['p90']} (min {u['min']}, max {u['max']})"
        )
        print(f"\nmachine: {result['machine_before']['cpu']}, {result['machine_before']['cores']} cores")
        print(f"load before {result['machine_before']['uptime']}; after {result['machine_after']['uptime']}")
    else:
        for r in result.get("variants", []):
            r.pop("hyps", None)
        print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
