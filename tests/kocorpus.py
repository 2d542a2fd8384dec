"""The real Korean read-speech corpus in ``../shared/corpora/ko-read-speech`` as five answers.

Used by tests/analysis/test_korean_real_speech.py and benchmarks/bench_korean.py. The corpus is
read where it lies (never copied into the repository): its utterances are joined 10 at a time,
in file-name order, with 0.6 s of silence between them, into answers of about 50 s.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = ROOT / ".." / "shared" / "corpora" / "ko-read-speech"
SAMPLE_RATE = 16000
GAP_S = 0.6
PER_ANSWER = 10
_KEEP = re.compile(r"[\uac00-\ud7a3A-Za-z0-9]")


@dataclass(frozen=True)
class KoreanAnswer:
    name: str
    samples: np.ndarray  # 16 kHz mono float32
    reference: str  # the utterances' transcripts joined with spaces
    utterances: tuple[tuple[float, float], ...]  # (start_s, end_s) of each utterance in samples

    @property
    def duration_s(self) -> float:
        return self.samples.size / SAMPLE_RATE


def corpus_dir() -> Path:
    return Path(os.environ.get("UNTACT_KO_CORPUS", str(CORPUS_DIR))).resolve()


def corpus_available() -> bool:
    d = corpus_dir()
    return (d / "transcripts.json").is_file()


def _read_wav(path: Path) -> np.ndarray:
    import wave

    with wave.open(str(path), "rb") as w:
        if w.getframerate() != SAMPLE_RATE or w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise ValueError(f"{path.name}: expected 16 kHz mono 16-bit PCM")
        raw = w.readframes(w.getnframes())
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0


def load_answers(limit: int | None = None) -> list[KoreanAnswer]:
    d = corpus_dir()
    refs: dict[str, str] = json.loads((d / "transcripts.json").read_text(encoding="utf-8"))
    names = sorted(n for n in refs if (d / n).is_file())
    gap = np.zeros(int(GAP_S * SAMPLE_RATE), np.float32)
    out: list[KoreanAnswer] = []
    for k in range(0, len(names), PER_ANSWER):
        group = names[k : k + PER_ANSWER]
        parts: list[np.ndarray] = []
        spans: list[tuple[float, float]] = []
        pos = 0
        for i, n in enumerate(group):
            if i:
                parts.append(gap)
                pos += gap.size
            s = _read_wav(d / n)
            spans.append((pos / SAMPLE_RATE, (pos + s.size) / SAMPLE_RATE))
            parts.append(s)
            pos += s.size
        out.append(
            KoreanAnswer(
                name=f"answer{k // PER_ANSWER + 1}",
                samples=np.concatenate(parts),
                reference=" ".join(refs[n] for n in group),
                utterances=tuple(spans),
            )
        )
        if limit is not None and len(out) >= limit:
            break
    return out


def cer_chars(text: str) -> list[str]:
    """Hangul syllables and alphanumerics; spaces and punctuation are ignored."""
    return _KEEP.findall(text.lower())


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    d = list(range(len(hyp) + 1))
    for i in range(1, len(ref) + 1):
        prev, d[0] = d[:], i
        for j in range(1, len(hyp) + 1):
            d[j] = min(prev[j] + 1, d[j - 1] + 1, prev[j - 1] + (ref[i - 1] != hyp[j - 1]))
    return d[len(hyp)]


def corpus_cer(pairs: list[tuple[str, str]]) -> float:
    """Character error rate over all (reference, hypothesis) pairs: total edits / total chars."""
    edits = sum(edit_distance(cer_chars(r), cer_chars(h)) for r, h in pairs)
    total = sum(len(cer_chars(r)) for r, _h in pairs)
    return edits / max(1, total)
