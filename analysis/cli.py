"""``untact analyze FILE --question TEXT [...]`` (registered by server/cli.py) and
``python -m analysis FILE ...``.

Errors are one line on stderr with a non-zero exit code, never a traceback:
2 = bad arguments/options, 3 = input file problem, 4 = model problem, 1 = unexpected.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from .errors import AnalysisError

__all__ = ["add_analyze_arguments", "main", "run_analyze"]

_EXIT = {
    "file_not_found": 3,
    "empty_file": 3,
    "unreadable_media": 3,
    "no_audio_track": 3,
    "no_video_track": 3,
    "model_missing": 4,
    "model_corrupt": 4,
    "invalid_options": 2,
}


def add_analyze_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``analyze`` arguments to ``parser`` (a subcommand parser or a standalone one)."""
    parser.add_argument(
        "file", metavar="FILE", help="recorded answer: WebM/MKV, MP4, or WAV/MP3 (audio only)"
    )
    parser.add_argument(
        "--question", required=True, metavar="TEXT", help="the interview question that was answered"
    )
    parser.add_argument("--job-text", metavar="FILE", help="text file with the job posting (for relevance)")
    parser.add_argument("--keywords", metavar="K1,K2", default="", help="comma-separated expected keywords")
    parser.add_argument(
        "--lang", choices=("auto", "ko", "en"), default="auto", help="answer language (default: auto)"
    )
    parser.add_argument("--time-limit", type=float, metavar="SECONDS", help="the answer time limit")
    parser.add_argument("--json", action="store_true", help="print the full report as JSON on stdout")
    parser.add_argument(
        "--model", help="Whisper model: base (default), tiny.en or a CTranslate2 Whisper directory"
    )
    parser.add_argument("--device", choices=("cpu", "cuda", "auto"), help="where Whisper runs (default cpu)")
    parser.add_argument(
        "--compute-type", metavar="TYPE", help="CTranslate2 compute type: int8 (default), float16, float32 ..."
    )
    parser.add_argument(
        "--model-cache", metavar="DIR", help="where the assembled model is cached (~/.cache/untact/models)"
    )
    parser.add_argument(
        "--video-fps", type=float, default=5.0, help="frames per second analysed for gaze (default 5)"
    )
    parser.add_argument(
        "--audio-only", action="store_true", help="analyse only the audio, even of a video file"
    )
    parser.add_argument(
        "--ui-lang", choices=("ko", "en"), help="language of the summary (default: the answer's)"
    )


class _ProgressBar:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.last = -1

    def __call__(self, fraction: float, stage: str) -> None:
        pct = int(fraction * 100)
        if pct == self.last:
            return
        self.last = pct
        filled = pct * 30 // 100
        self.stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {pct:3d}% {stage:<12}")
        if fraction >= 1.0:
            self.stream.write("\n")
        self.stream.flush()


@contextlib.contextmanager
def _quiet_native_stderr() -> Iterator[TextIO]:
    """mediapipe/TFLite write info lines straight to file descriptor 2. Point fd 2 at /dev/null
    while analysing and give the progress bar a handle on the real stderr."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield sys.stderr
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    user = os.fdopen(os.dup(saved), "w", encoding="utf-8", errors="replace")
    os.dup2(devnull, 2)
    try:
        yield user
    finally:
        user.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
        user.close()


def _fail(code: str, message: str, exit_code: int) -> int:
    print(f"untact analyze: error [{code}]: {message}", file=sys.stderr)
    return exit_code


def _summary(report_dict: dict, lang: str) -> str:  # type: ignore[type-arg]
    r = report_dict
    ko = lang == "ko"
    s = r["scores"]
    key = "explanation_ko" if ko else "explanation_en"

    def score(name: str) -> str:
        v = s[name]["score"]
        return "-" if v is None else str(v)

    lines = []
    if ko:
        lines.append(
            f"종합 {score('overall')}점 | 전달력 {score('delivery')} | 시선 {score('gaze')} | 내용 {score('content')}"
        )
        lines.append(f"길이 {r['duration_s']:.1f}초, 언어 {r['language']}")
    else:
        lines.append(
            f"Overall {score('overall')} | delivery {score('delivery')} | gaze {score('gaze')} | content {score('content')}"
        )
        lines.append(f"Duration {r['duration_s']:.1f} s, language {r['language']}")
    for name, label_ko, label_en in (
        ("delivery", "전달력", "Delivery"),
        ("gaze", "시선", "Gaze"),
        ("content", "내용", "Content"),
        ("overall", "종합", "Overall"),
    ):
        lines.append(f"- {label_ko if ko else label_en}: {s[name][key]}")
    if r["flags"]:
        lines.append(("플래그: " if ko else "Flags: ") + ", ".join(r["flags"]))
    text = r["transcript"]["text"]
    lines.append(
        ("전사: " if ko else "Transcript: ") + (text if text else ("(말소리 없음)" if ko else "(no speech)"))
    )
    return "\n".join(lines)


def run_analyze(args: argparse.Namespace) -> int:
    """Run the analysis for parsed ``args``; print JSON or a summary; return the exit code."""
    # Keep mediapipe's C++ logging off the user's terminal (it is not an error).
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from .models import ModelPool
    from .options import AnalysisOptions
    from .pipeline import analyze_file

    try:
        job_text = None
        if args.job_text:
            jp = Path(args.job_text)
            try:
                job_text = jp.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                return _fail(
                    "job_text_unreadable", f"cannot read --job-text {jp}: {exc.__class__.__name__}", 2
                )
        keywords = tuple(k.strip() for k in (args.keywords or "").split(",") if k.strip())
        options = AnalysisOptions(
            question_text=args.question,
            job_text=job_text,
            expected_keywords=keywords,
            language=args.lang,
            answer_time_limit_s=args.time_limit,
            video_sample_fps=args.video_fps,
            require_video=False if args.audio_only else None,
        )
        with _quiet_native_stderr() as user_stderr:
            progress = _ProgressBar(user_stderr) if user_stderr.isatty() else None
            pool = ModelPool(
                args.model_cache,
                model=args.model or "base",
                device=args.device or "cpu",
                compute_type=args.compute_type or "int8",
            )
            report = analyze_file(args.file, options, progress=progress, pool=pool)
    except AnalysisError as exc:
        return _fail(exc.code, exc.message, _EXIT.get(exc.code, 1))
    except KeyboardInterrupt:
        return _fail("interrupted", "interrupted", 130)
    except Exception as exc:  # the contract: never a traceback on the terminal
        return _fail("internal", f"{exc.__class__.__name__}: {' '.join(str(exc).split())}", 1)
    if args.json:
        print(report.to_json(indent=2))
    else:
        print(_summary(report.to_dict(), args.ui_lang or report.language))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m analysis", description="Analyse a recorded interview answer."
    )
    add_analyze_arguments(parser)
    return run_analyze(parser.parse_args(argv))
