"""Answers built from the real Korean read-speech corpus, with and without inserted fillers.

The corpus (``../shared/corpora/ko-read-speech``, relative to the project root; see its README) is
read where it lies and never copied into the repository. Fluent read speech has no fillers, so
its answers measure filler *precision*; the same answers with espeak-ng's Korean "음"/"어"
spliced in between utterances, with pauses around them, measure *recall*.

- :func:`corpus_dir` — the corpus directory, or None when it is absent.
- :func:`read_answers` — the 50 utterances joined 10 at a time with 0.6 s of silence: 5 answers.
- :func:`answers_with_fillers` — the same answers with ``FILLERS_PER_ANSWER`` fillers inserted.

Files are cached in ``tests/.media-cache/`` like :mod:`tests.mediakit`.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CACHE_DIR = Path(__file__).resolve().parent / ".media-cache"
SAMPLE_RATE = 16000
GAP_S = 0.6
PER_ANSWER = 10
FILLERS_PER_ANSWER = 3
# Where the inserted fillers go: after these utterances of each answer (0-based), with a
# 0.45 s pause before and a 0.55 s pause after. Words of the fillers as espeak-ng speaks them.
FILLER_SLOTS = (1, 4, 7)
FILLER_WORDS = ("음", "어", "음")
_PAUSE_BEFORE_S = 0.45
_PAUSE_AFTER_S = 0.55
_VERSION = 1


@dataclass(frozen=True)
class CorpusAnswer:
    path: Path
    reference: str  # the utterances' reference transcripts, joined with spaces
    filler_times_s: tuple[float, ...]  # where each inserted filler starts
    duration_s: float


def corpus_dir() -> Path | None:
    env = os.environ.get("UNTACT_KO_CORPUS")
    path = Path(env) if env else ROOT.parent / "shared" / "corpora" / "ko-read-speech"
    return path if (path / "transcripts.json").is_file() else None


def _read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        if w.getframerate() != SAMPLE_RATE or w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise ValueError(f"{path.name}: expected 16 kHz mono 16-bit PCM")
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0


def _write_wav(dest: Path, samples: np.ndarray) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, suffix=".wav.tmp")
    os.close(fd)
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(tmp, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm.tobytes())
    os.replace(tmp, dest)


def _espeak_filler(word: str, level_rms: float) -> np.ndarray:
    """A hesitant "음"/"어": espeak-ng Korean at a slow rate (about 0.4–0.6 s), trimmed, at the level
    of the surrounding speech."""
    fd, tmp = tempfile.mkstemp(suffix=".wav")
    os.close(fd)
    try:
        subprocess.run(
            ["espeak-ng", "-v", "ko", "-s", "70", "-w", tmp, word], check=True, capture_output=True
        )
        with wave.open(tmp, "rb") as w:
            sr = w.getframerate()
            x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
    finally:
        os.unlink(tmp)
    if sr != SAMPLE_RATE:
        t_new = np.arange(round(x.size * SAMPLE_RATE / sr)) / SAMPLE_RATE
        x = np.interp(t_new, np.arange(x.size) / sr, x).astype(np.float32)
    loud = np.flatnonzero(np.abs(x) > 0.02 * np.max(np.abs(x)))
    x = x[loud[0] : loud[-1] + 1]
    rms = float(np.sqrt(np.mean(x**2))) or 1.0
    return x * (level_rms / rms)


def _build(name: str, with_fillers: bool) -> list[CorpusAnswer]:
    src = corpus_dir()
    if src is None:
        raise FileNotFoundError("the Korean read-speech corpus is not available")
    transcripts: dict[str, str] = json.loads((src / "transcripts.json").read_text(encoding="utf-8"))
    files = sorted(transcripts)
    key = hashlib.sha256(
        json.dumps([_VERSION, name, files, FILLER_SLOTS, FILLER_WORDS]).encode()
    ).hexdigest()[:12]
    answers: list[CorpusAnswer] = []
    gap = np.zeros(round(GAP_S * SAMPLE_RATE), dtype=np.float32)
    for a in range(len(files) // PER_ANSWER):
        group = files[a * PER_ANSWER : (a + 1) * PER_ANSWER]
        dest = CACHE_DIR / f"ko-corpus-{name}-{key}-{a}.wav"
        utterances = [_read_wav(src / f) for f in group]
        speech_rms = float(np.sqrt(np.mean(np.concatenate(utterances) ** 2)))
        parts: list[np.ndarray] = [np.zeros(round(0.3 * SAMPLE_RATE), dtype=np.float32)]
        times: list[float] = []
        for i, x in enumerate(utterances):
            parts.append(x)
            if with_fillers and i in FILLER_SLOTS:
                parts.append(np.zeros(round(_PAUSE_BEFORE_S * SAMPLE_RATE), dtype=np.float32))
                times.append(sum(p.size for p in parts) / SAMPLE_RATE)
                parts.append(_espeak_filler(FILLER_WORDS[FILLER_SLOTS.index(i)], 0.7 * speech_rms))
                parts.append(np.zeros(round(_PAUSE_AFTER_S * SAMPLE_RATE), dtype=np.float32))
            elif i < len(utterances) - 1:
                parts.append(gap)
        parts.append(np.zeros(round(0.3 * SAMPLE_RATE), dtype=np.float32))
        samples = np.concatenate(parts)
        if not dest.exists():
            _write_wav(dest, samples)
        answers.append(
            CorpusAnswer(
                dest, " ".join(transcripts[f] for f in group), tuple(times), samples.size / SAMPLE_RATE
            )
        )
    return answers


def read_answers() -> list[CorpusAnswer]:
    """The corpus's utterances joined into answers of about 50 s (no fillers in them)."""
    return _build("read", with_fillers=False)


def answers_with_fillers() -> list[CorpusAnswer]:
    """The same answers with hesitant "음"/"어" and pauses spliced in after utterances 2, 5 and 8."""
    return _build("fillers", with_fillers=True)
