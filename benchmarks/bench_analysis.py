"""Benchmark of the analysis pipeline on one 60-second answer (issue 3).

Measured in the same run, each configuration in its own child process (so peak RSS is its own):

- ``pipeline``: :func:`analysis.analyze_file` — Whisper base int8, greedy, VAD, word timestamps,
  ``cpu_threads`` = cores, FaceMesh on 5 frames/s in a parallel thread; ``language="auto"``.
- ``pipeline_lang``: the same with the language given, as the server runs it (a practice session
  and a question set have a language), which skips the language-detection encoder pass.
- ``baseline``: the naive way — faster-whisper with default settings (beam 5, float32; word
  timestamps on, since the report needs them) then FaceMesh on every decoded frame (30 fps).
- ``incremental``: :class:`analysis.IncrementalAnalysis` fed audio (20 ms chunks at 48 kHz) and
  30 fps frames in real time; reports the time from the last chunk to the finished report.
- ``fillers``: filler recall on the same answer's audio with and without the disfluent prompt.

Usage: ``.venv/bin/python benchmarks/bench_analysis.py [--quick] [--markdown]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# ~60 s at 150 wpm with two 2.8 s pauses; fillers both sentence-initial and mid-sentence.
ANSWER_TEXT = (
    "Um, in my last job I worked as a support lead at a small online shop. Our team had a problem with slow "
    "delivery, and, uh, many customers were not happy. My task was to find the cause and fix it within one month. "
    "So I looked at every step of the order process, like, from payment to packing and shipping. "
    "I found that the packing list was, um, printed only once a day. You know, I changed it to print every hour, "
    "and I trained the team to use the new list. I also, uh, set up a short daily meeting to check late orders. "
    "As a result, the delivery time went down from four days to two days, and the number of complaints fell "
    "by half. I mean, the best part was that the team kept the new process after I left. "
    "I learned that small changes in the daily routine can make a big difference for customers."
)
QUESTION = "Tell me about a problem you solved at work and what the result was."
INSERTED_FILLERS = ("um", "uh", "like", "um", "you know", "uh", "i mean")
_NUM = {"1": "one", "2": "two", "3": "three", "4": "four", "5": "five"}


def _norm(text: str) -> list[str]:
    return [_NUM.get(w, w) for w in re.sub(r"[^a-z0-9' ]", " ", text.lower()).split()]


def wer(ref: str, hyp: str) -> float:
    r, h = _norm(ref), _norm(hyp)
    d = list(range(len(h) + 1))
    for i in range(1, len(r) + 1):
        prev, d[0] = d[:], i
        for j in range(1, len(h) + 1):
            d[j] = min(prev[j] + 1, d[j - 1] + 1, prev[j - 1] + (r[i - 1] != h[j - 1]))
    return d[len(h)] / max(1, len(r))


def filler_recall(found: list[str]) -> float:
    pool = list(found)
    hits = 0
    for f in INSERTED_FILLERS:
        if f in pool:
            pool.remove(f)
            hits += 1
    return hits / len(INSERTED_FILLERS)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_media(seconds_hint: float = 60.0) -> dict[str, Any]:
    from tests import mediakit

    words = ANSWER_TEXT.split()
    pauses = [(words.index("month."), 2.8), (words.index("orders."), 2.8)]
    clip = mediakit.speech_wav(ANSWER_TEXT, words_per_minute=150, pauses=pauses)
    path = mediakit.answer_recording("facing", clip, fmt="webm", fps=30)
    return {
        "path": str(path),
        "wav": str(clip.path),
        "duration_s": clip.duration_s,
        "truth_wpm": clip.truth_words_per_minute,
        "pauses": clip.pauses_s,
    }


# ----------------------------------------------------------------------------------- children


def child_pipeline(media: dict[str, Any], cache: str, language: str = "auto") -> dict[str, Any]:
    from analysis import AnalysisOptions, analyze_file
    from analysis.models import ModelPool

    pool = ModelPool(cache)
    t0 = time.perf_counter()
    pool.get("base")
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = analyze_file(
        str(media["path"]), AnalysisOptions(question_text=QUESTION, language=language), pool=pool
    )
    elapsed = time.perf_counter() - t0
    return {
        "language": language,
        "load_s": load_s,
        "analysis_s": elapsed,
        "rtf": elapsed / float(media["duration_s"]),
        "peak_rss_mb": peak_rss_mb(),
        "wer": wer(ANSWER_TEXT, report.transcript.text),
        "wpm": report.pace.words_per_minute,
        "long_pauses": [(p.start_s, p.end_s) for p in report.pauses.items if p.long],
        "filler_recall": filler_recall([f.word for f in report.fillers.items]),
        "eye_contact_ratio": report.gaze.eye_contact_ratio,
        "frames_analysed": report.gaze.sampled_frames,
    }


def child_baseline(media: dict[str, Any], cache: str) -> dict[str, Any]:
    import av
    import cv2
    import mediapipe as mp
    from faster_whisper import WhisperModel

    from analysis.decode import decode_audio
    from analysis.models import resolve_model_dir

    model_dir = resolve_model_dir("base", cache_dir=cache)
    threads = len(os.sched_getaffinity(0))
    t0 = time.perf_counter()
    model = WhisperModel(model_dir, device="cpu", compute_type="float32", cpu_threads=threads)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    samples, _ = decode_audio(str(media["path"]))
    segments, _info = model.transcribe(samples, word_timestamps=True)  # beam 5 and the rest: defaults
    text = " ".join(s.text.strip() for s in segments)
    t_asr = time.perf_counter() - t0
    frames = 0
    looking = 0
    with (
        mp.solutions.face_mesh.FaceMesh(
            static_image_mode=False, max_num_faces=3, refine_landmarks=True
        ) as mesh,
        av.open(str(media["path"])) as c,
    ):
        for frame in c.decode(video=0):
            rgb = cv2.cvtColor(frame.to_ndarray(format="bgr24"), cv2.COLOR_BGR2RGB)
            res = mesh.process(rgb)
            frames += 1
            looking += bool(res.multi_face_landmarks)
    elapsed = time.perf_counter() - t0
    return {
        "load_s": load_s,
        "analysis_s": elapsed,
        "asr_s": t_asr,
        "rtf": elapsed / float(media["duration_s"]),
        "peak_rss_mb": peak_rss_mb(),
        "wer": wer(ANSWER_TEXT, text),
        "filler_recall_text": filler_recall([w for w in _norm(text) if w in ("um", "uh", "like")]),
        "frames_analysed": frames,
    }


def child_incremental(media: dict[str, Any], cache: str) -> dict[str, Any]:
    import numpy as np

    from analysis import AnalysisOptions, IncrementalAnalysis
    from analysis.decode import decode_audio
    from analysis.models import ModelPool
    from tests import mediakit

    pool = ModelPool(cache)
    tr = pool.get("base")
    samples16, _ = decode_audio(str(media["path"]))
    audio = np.interp(np.arange(0, samples16.size, 1 / 3), np.arange(samples16.size), samples16).astype(
        np.float32
    )
    duration = samples16.size / 16000
    frames = mediakit.face_frames("facing", seconds=duration, fps=30)
    analysis = IncrementalAnalysis(AnalysisOptions(question_text=QUESTION, language="auto"), transcriber=tr)
    analysis.start()
    chunk = 960  # 20 ms at 48 kHz
    start = time.perf_counter()
    next_frame = next(frames, None)
    lag_max = 0.0
    for i in range(0, audio.size, chunk):
        t_media = i / 48000
        while next_frame is not None and next_frame[1] <= t_media:
            analysis.feed_video_frame(*next_frame)
            next_frame = next(frames, None)
        analysis.feed_audio(audio[i : i + chunk], 48000)
        ahead = (t_media + chunk / 48000) - (time.perf_counter() - start)
        if ahead > 0:
            time.sleep(ahead)
        else:
            lag_max = max(lag_max, -ahead)
    t_last = time.perf_counter()
    report = analysis.finish()
    finish_s = time.perf_counter() - t_last
    analysis.close()
    return {
        "time_to_report_s": finish_s,
        "feed_lag_max_s": lag_max,
        "dropped_frames": analysis.dropped_frames,
        "finish_timings": analysis.finish_timings,
        "chunks": analysis.chunk_log,
        "peak_rss_mb": peak_rss_mb(),
        "wer": wer(ANSWER_TEXT, report.transcript.text),
        "eye_contact_ratio": report.gaze.eye_contact_ratio,
        "frames_analysed": report.gaze.sampled_frames,
    }


def child_fillers(media: dict[str, Any], cache: str) -> dict[str, Any]:
    from analysis import AnalysisOptions, analyze_file
    from analysis.models import ModelPool

    pool = ModelPool(cache)
    out: dict[str, Any] = {}
    for keep in (True, False):
        r = analyze_file(
            str(media["wav"]),
            AnalysisOptions(question_text=QUESTION, language="en", keep_fillers=keep),
            pool=pool,
        )
        found = [f.word for f in r.fillers.items]
        out["with_prompt" if keep else "without_prompt"] = {
            "recall": filler_recall(found),
            "found": found,
            "wer": wer(ANSWER_TEXT, r.transcript.text),
        }
    return out


def child_pipeline_session_language(media: dict[str, Any], cache: str) -> dict[str, Any]:
    """As the server runs it: a practice session or question set has a language, passed on."""
    return child_pipeline(media, cache, language="en")


CHILDREN = {
    "pipeline": child_pipeline,
    "pipeline_lang": child_pipeline_session_language,
    "baseline": child_baseline,
    "incremental": child_incremental,
    "fillers": child_fillers,
}


def run_child(name: str, media: dict[str, Any], cache: str) -> dict[str, Any]:
    env = dict(os.environ, GLOG_minloglevel="2", TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run(
        [sys.executable, __file__, "--child", name, "--media", json.dumps(media), "--cache", cache],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(
            next(
                ln for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")
            ).split()[1]
        )
    except (OSError, StopIteration, ValueError):
        mem_kb = 0
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "load_avg_at_start": os.getloadavg()[0],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--child")
    ap.add_argument("--media")
    ap.add_argument("--cache", default=str(Path.home() / ".cache/untact/models"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument(
        "--only", help="comma-separated subset of: pipeline,pipeline_lang,baseline,fillers,incremental"
    )
    args = ap.parse_args()
    if args.child:
        result = CHILDREN[args.child](json.loads(args.media), args.cache)
        print(json.dumps(result))
        return
    info = machine()
    media = make_media()
    print(
        f"answer: {float(media['duration_s']):.1f} s, truth {float(media['truth_wpm']):.1f} wpm",
        file=sys.stderr,
    )
    results: dict[str, Any] = {"machine": info, "media": media}
    names = (
        args.only.split(",")
        if args.only
        else ["pipeline", "pipeline_lang", "baseline", "fillers", "incremental"]
    )
    # The machine is shared: pipeline and baseline alternate for --rounds rounds and the ratio is
    # taken per round (same conditions), reported as the median over rounds.
    rounds: dict[str, list[dict[str, Any]]] = {}
    for r in range(args.rounds):
        for name in names:
            if r > 0 and name not in ("pipeline", "pipeline_lang", "baseline"):
                continue
            t0 = time.perf_counter()
            res = run_child(name, media, args.cache)
            res["load_avg_before"] = os.getloadavg()[0]
            rounds.setdefault(name, []).append(res)
            print(
                f"round {r} {name}: {time.perf_counter() - t0:.1f} s wall: {json.dumps(res)}", file=sys.stderr
            )
    for name, runs in rounds.items():
        results[name] = runs[0] if len(runs) == 1 else {"runs": runs}
    # Ratios per round: round i of the pipeline against round i of the baseline (same load).
    for name, key in (
        ("pipeline", "speedup_vs_baseline"),
        ("pipeline_lang", "speedup_session_language_vs_baseline"),
    ):
        if name in rounds and "baseline" in rounds:
            pairs = zip(rounds[name], rounds["baseline"], strict=True)
            ratios = sorted(float(b["analysis_s"]) / float(p["analysis_s"]) for p, b in pairs)
            times = sorted(float(p["analysis_s"]) for p in rounds[name])
            results[f"{key}_per_round"] = ratios
            results[f"{key}_median"] = ratios[len(ratios) // 2]
            results[f"{name}_analysis_s_median"] = times[len(times) // 2]
    results["load_avg_at_end"] = os.getloadavg()[0]
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
