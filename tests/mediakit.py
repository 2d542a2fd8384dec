"""Test-media builder: small media files made from known inputs, with their ground truth.

Everything here is deterministic and cached in ``tests/.media-cache/`` (gitignored), keyed by a
hash of the parameters, so a second test run (or a parallel one) reuses the files. Writes go to
a temporary file in the cache directory followed by ``os.replace``, so concurrent builders never
see a half-written file.

Main entry points:

- :func:`face_video` — the astronaut photo from ``skimage.data`` (a real face), moving a little,
  ``kind="facing"`` (looks at the camera), ``"away"`` (head turned ~35° to the side, which
  mediapipe's face mesh reads as a large yaw) or ``"none"`` (background only, no face).
  Formats: ``y4m`` (4:2:0, ``C420`` header, for Chromium's fake camera), ``webm`` (VP8), ``mp4`` (H.264).
- :func:`face_frames` — the same frames as BGR numpy arrays, for feeding analysers directly.
- :func:`speech_wav` — espeak-ng speech of a known text at a known rate, with inserted pauses,
  returning a :class:`SpeechClip` with the truth (words, speech span, pause times).
- :func:`silence_wav` — digital silence (optionally faint noise).
- :func:`answer_recording` — a face video and speech muxed into one WebM/MP4 file (PyAV).
- :func:`audio_file` — speech as an audio-only MP3, Ogg/Opus or M4A/AAC upload.
- :func:`broken_media` — an empty, garbage or truncated file for error-path tests.

Example::

    from tests import mediakit
    clip = mediakit.speech_wav("I led the project and we shipped it on time.", words_per_minute=150,
                               pauses=[(4, 3.0)])
    path = mediakit.answer_recording("facing", clip, fmt="webm")
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

#: Bump when the generated media change, so stale cache entries are not reused.
KIT_VERSION = 3  # "two" added without changing other media
CACHE_DIR = Path(__file__).resolve().parent / ".media-cache"

__all__ = [
    "CACHE_DIR",
    "SpeechClip",
    "answer_recording",
    "audio_file",
    "broken_media",
    "face_frames",
    "face_video",
    "silence_wav",
    "speech_wav",
]


# --------------------------------------------------------------------------- cache helpers


def _cache_path(prefix: str, params: dict[str, Any], suffix: str) -> Path:
    blob = json.dumps({"v": KIT_VERSION, **params}, sort_keys=True, default=str).encode()
    key = hashlib.sha256(blob).hexdigest()[:20]
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    return CACHE_DIR / f"{prefix}-{key}{suffix}"


def _tmp_sibling(final: Path) -> Path:
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{final.stem}.", suffix=final.suffix, dir=final.parent)
    os.close(fd)
    return Path(name)


def _deliver(cached: Path, path: str | os.PathLike[str] | None) -> Path:
    """Return the cached file, or copy it (atomically) to the caller's path."""
    if path is None:
        return cached
    dest = Path(path)
    tmp = _tmp_sibling(dest)
    shutil.copyfile(cached, tmp)
    os.replace(tmp, dest)
    return dest


# --------------------------------------------------------------------------- faces


_SRC_CROP = (0, 240, 65, 385)  # rows, cols of the astronaut photo framed as 4:3 around the face
_NO_FACE_CROP = (300, 512, 0, 283)  # suit and flag, no face
_FACE_CENTRE = (225.0, 125.0)  # face centre in photo pixels
_NOSE_TIP = (224.5, 120.0)
# iris centres and eye widths in photo pixels (measured once with mediapipe's iris landmarks)
_IRISES = (((203.9, 101.25), 18.05), ((246.8, 103.8), 18.85))


def _astronaut_bgr() -> np.ndarray:
    import cv2
    from skimage import data

    return cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)


def _turn_head(frame: np.ndarray, scale: float, theta_deg: float) -> np.ndarray:
    """Fake a head turn: displace pixels by an ellipsoid head plus a nose bump, rotated about the
    vertical axis. The parallax between nose and eye corners is what makes mediapipe's mesh (and
    a solvePnP head pose on it) read a yaw, which a plain affine squash would not produce."""
    import cv2

    h, w = frame.shape[:2]
    r0, _, c0, _ = _SRC_CROP
    cx, cy = (_FACE_CENTRE[0] - c0) * scale, (_FACE_CENTRE[1] - r0) * scale
    nx, ny = (_NOSE_TIP[0] - c0) * scale, (_NOSE_TIP[1] - r0) * scale
    a, b = 70.0 * scale, 75.0 * scale
    th = np.radians(theta_deg)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    inside = np.clip(1.0 - ((xs - cx) / a) ** 2 - ((ys - cy) / b) ** 2, 0.0, None)
    z = a * np.sqrt(inside)
    z = z + 0.5 * a * np.exp(-(((xs - nx) / (0.18 * a)) ** 2 + ((ys - ny) / (0.35 * b)) ** 2))
    src_x = cx + (xs - cx - z * np.sin(th)) / np.cos(th)
    return cv2.remap(frame, src_x.astype(np.float32), ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _glance(frame: np.ndarray, scale: float, shift_frac: float) -> np.ndarray:
    """Move both irises sideways by ``shift_frac`` of the eye width, head unchanged: a look to
    the side with the face still towards the camera."""
    import cv2

    h, w = frame.shape[:2]
    r0, _, c0, _ = _SRC_CROP
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    map_x = xs.copy()
    for (ix, iy), eye_w in _IRISES:
        cx, cy, ew = (ix - c0) * scale, (iy - r0) * scale, eye_w * scale
        d, r = shift_frac * ew, 0.35 * ew
        map_x -= d * np.exp(-(((xs - cx - d / 2) / r) ** 2 + ((ys - cy) / (0.6 * r)) ** 2))
    return cv2.remap(frame, map_x, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _base_frame(kind: str, size: tuple[int, int]) -> np.ndarray:
    import cv2

    w, h = size
    img = _astronaut_bgr()
    if kind == "none":
        r0, r1, c0, c1 = _NO_FACE_CROP
        return cv2.resize(img[r0:r1, c0:c1], (w, h), interpolation=cv2.INTER_AREA)
    r0, r1, c0, c1 = _SRC_CROP
    frame = cv2.resize(img[r0:r1, c0:c1], (w, h), interpolation=cv2.INTER_CUBIC)
    if kind == "two":
        # Two people side by side (e.g. someone looking over the candidate's shoulder).
        half = cv2.resize(img[r0:r1, c0:c1], (w // 2, h // 2), interpolation=cv2.INTER_AREA)
        frame = cv2.resize(
            img[_NO_FACE_CROP[0] : _NO_FACE_CROP[1], _NO_FACE_CROP[2] : _NO_FACE_CROP[3]], (w, h)
        )
        frame[h // 4 : h // 4 + h // 2, : w // 2] = half
        frame[h // 4 : h // 4 + h // 2, w // 2 : w // 2 * 2] = half
        return frame
    if kind == "away":
        frame = _turn_head(frame, w / (c1 - c0), 35.0)
    elif kind == "glance":
        frame = _glance(frame, w / (c1 - c0), 0.5)
    elif kind != "facing":
        raise ValueError(f"kind must be 'facing', 'away', 'glance', 'two' or 'none', not {kind!r}")
    return frame


def face_frames(
    kind: str = "facing",
    *,
    seconds: float = 3.0,
    fps: int = 15,
    size: tuple[int, int] = (640, 480),
) -> Iterator[tuple[np.ndarray, float]]:
    """Yield ``(frame_bgr, timestamp_s)`` for a face video without writing a file.

    The picture drifts a few pixels and scales by about ±3 % over time (like a person sitting in
    front of a webcam), so analysers cannot rely on identical frames.
    """
    import cv2

    w, h = size
    if w % 2 or h % 2:
        raise ValueError("size must be even in both dimensions (4:2:0 video)")
    base = _base_frame(kind, size)
    n = max(1, round(seconds * fps))
    for i in range(n):
        t = i / fps
        dx = 8.0 * np.sin(2 * np.pi * t / 4.0)
        dy = 5.0 * np.sin(2 * np.pi * t / 3.0 + 1.0)
        s = 1.0 + 0.03 * np.sin(2 * np.pi * t / 5.0)
        m = np.array([[s, 0.0, (1 - s) * w / 2 + dx], [0.0, s, (1 - s) * h / 2 + dy]], dtype=np.float32)
        yield cv2.warpAffine(base, m, (w, h), borderMode=cv2.BORDER_REPLICATE), t


def _write_y4m(
    dest: Path, frames: Iterator[tuple[np.ndarray, float]], fps: int, size: tuple[int, int]
) -> None:
    import cv2

    w, h = size
    with open(dest, "wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1 C420\n".encode())
        for frame, _ in frames:
            f.write(b"FRAME\n")
            f.write(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())


def face_video(
    kind: str = "facing",
    *,
    seconds: float = 3.0,
    fps: int = 15,
    size: tuple[int, int] = (640, 480),
    fmt: str = "y4m",
    path: str | os.PathLike[str] | None = None,
) -> Path:
    """Make (or reuse from the cache) a face video and return its path.

    ``kind``: ``"facing"`` looks into the camera, ``"away"`` has the head turned about 35° to the
    side (mediapipe reads |yaw| > 25°), ``"glance"`` keeps the head towards the camera but moves
    both irises half an eye width sideways, ``"two"`` shows two faces side by side, ``"none"``
    shows no face. ``fmt``: ``"y4m"`` (raw 4:2:0 for
    ``--use-file-for-fake-video-capture``), ``"webm"`` (VP8) or ``"mp4"`` (H.264). When ``path``
    is given the file is copied there; otherwise the cached file is returned (do not modify it).
    """
    if fmt not in ("y4m", "webm", "mp4"):
        raise ValueError(f"fmt must be y4m, webm or mp4, not {fmt!r}")
    params = {"kind": kind, "seconds": seconds, "fps": fps, "size": list(size), "fmt": fmt}
    cached = _cache_path(f"face-{kind}", params, f".{fmt}")
    if not cached.exists():
        tmp = _tmp_sibling(cached)
        try:
            frames = face_frames(kind, seconds=seconds, fps=fps, size=size)
            if fmt == "y4m":
                _write_y4m(tmp, frames, fps, size)
            else:
                _mux(tmp, fmt, frames=frames, fps=fps, size=size, audio=None)
            os.replace(tmp, cached)
        finally:
            tmp.unlink(missing_ok=True)
    return _deliver(cached, path)


# --------------------------------------------------------------------------- speech


@dataclass(frozen=True)
class SpeechClip:
    """A generated speech file and what is known to be in it.

    Times are in seconds from the start of the file. ``speech_start_s``/``speech_end_s`` are the
    first and last audible sample; ``pauses_s`` are the inserted silences as ``(start_s, end_s)``.
    """

    path: Path
    text: str
    words: tuple[str, ...]
    voice: str
    espeak_words_per_minute: int
    sample_rate: int
    duration_s: float
    speech_start_s: float
    speech_end_s: float
    segments_s: tuple[tuple[float, float], ...]
    pauses_s: tuple[tuple[float, float], ...]

    @property
    def speech_duration_s(self) -> float:
        """From the first to the last audible sample, pauses included."""
        return self.speech_end_s - self.speech_start_s

    @property
    def truth_words_per_minute(self) -> float:
        """Words over speech duration (pauses included) — the gross rate."""
        return len(self.words) / self.speech_duration_s * 60.0

    @property
    def voiced_duration_s(self) -> float:
        """Speech duration without the inserted pauses."""
        return sum(e - s for s, e in self.segments_s)

    def samples(self) -> np.ndarray:
        """The audio as float32 mono in [-1, 1] at ``sample_rate``."""
        return _read_wav(self.path)[0]


def _read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as wf:
        sr = wf.getframerate()
        ch = wf.getnchannels()
        if wf.getsampwidth() != 2:
            raise ValueError("only 16-bit wav is supported")
        raw = np.frombuffer(wf.readframes(wf.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
    if ch > 1:
        raw = raw.reshape(-1, ch).mean(axis=1)
    return raw, sr


def _write_wav(dest: Path, samples: np.ndarray, sample_rate: int) -> None:
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")
    with wave.open(str(dest), "wb") as wf:
        wf.setnchannels(1)
        wf.setsampwidth(2)
        wf.setframerate(sample_rate)
        wf.writeframes(pcm.tobytes())


def _resample(x: np.ndarray, sr_from: int, sr_to: int) -> np.ndarray:
    if sr_from == sr_to:
        return x
    from scipy.signal import resample_poly

    g = np.gcd(sr_from, sr_to)
    return resample_poly(x, sr_to // g, sr_from // g).astype(np.float32)


def _espeak(text: str, voice: str, wpm: int) -> tuple[np.ndarray, int]:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise RuntimeError("espeak-ng is not installed (apt-get install espeak-ng)")
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "s.wav"
        subprocess.run(
            [exe, "-v", voice, "-s", str(wpm), "-w", str(out), text], check=True, capture_output=True
        )
        return _read_wav(out)


def _trim(x: np.ndarray, sr: int, rel_threshold: float = 0.02) -> np.ndarray:
    """Cut leading/trailing near-silence (espeak pads each utterance)."""
    if x.size == 0:
        return x
    thr = rel_threshold * float(np.max(np.abs(x)) or 1.0)
    idx = np.flatnonzero(np.abs(x) > thr)
    if idx.size == 0:
        return x[:0]
    return x[idx[0] : idx[-1] + 1]


def speech_wav(
    text: str,
    *,
    words_per_minute: int = 150,
    voice: str = "en",
    pauses: Sequence[tuple[int, float]] = (),
    sample_rate: int = 16000,
    lead_s: float = 0.5,
    tail_s: float = 0.5,
    path: str | os.PathLike[str] | None = None,
) -> SpeechClip:
    """Speak ``text`` with espeak-ng and return the file with its ground truth.

    ``pauses`` is a list of ``(after_word_index, seconds)``: silence inserted after the word with
    that 0-based index (words are the whitespace-separated tokens of ``text``). The text is
    synthesised in pieces split at those points, each piece trimmed of espeak's padding, so the
    pause times in the truth are exact to the sample. ``voice`` is an espeak-ng voice (``en``,
    ``ko`` ...). Its Korean voice is poor: use it to test the pipeline, not accuracy.
    """
    words = tuple(text.split())
    if not words:
        raise ValueError("text is empty")
    pause_map = {int(i): float(s) for i, s in pauses}
    for i in pause_map:
        if not 0 <= i < len(words) - 1:
            raise ValueError(f"pause after word {i} is outside the text (0..{len(words) - 2})")
    params = {
        "text": text,
        "wpm": words_per_minute,
        "voice": voice,
        "pauses": sorted(pause_map.items()),
        "sr": sample_rate,
        "lead": lead_s,
        "tail": tail_s,
    }
    cached = _cache_path("speech", params, ".wav")
    meta_path = cached.with_suffix(".json")
    if not (cached.exists() and meta_path.exists()):
        pieces: list[list[str]] = [[]]
        gaps: list[float] = []
        for i, word in enumerate(words):
            pieces[-1].append(word)
            if i in pause_map:
                gaps.append(pause_map[i])
                pieces.append([])
        chunks: list[np.ndarray] = [np.zeros(round(lead_s * sample_rate), np.float32)]
        segments: list[tuple[float, float]] = []
        pause_times: list[tuple[float, float]] = []
        pos = len(chunks[0])
        for k, piece in enumerate(pieces):
            audio, sr = _espeak(" ".join(piece), voice, words_per_minute)
            audio = _trim(_resample(audio, sr, sample_rate), sample_rate)
            chunks.append(audio.astype(np.float32))
            segments.append((pos / sample_rate, (pos + len(audio)) / sample_rate))
            pos += len(audio)
            if k < len(gaps):
                n = round(gaps[k] * sample_rate)
                chunks.append(np.zeros(n, np.float32))
                pause_times.append((pos / sample_rate, (pos + n) / sample_rate))
                pos += n
        chunks.append(np.zeros(round(tail_s * sample_rate), np.float32))
        samples = np.concatenate(chunks)
        tmp = _tmp_sibling(cached)
        try:
            _write_wav(tmp, samples, sample_rate)
            os.replace(tmp, cached)
        finally:
            tmp.unlink(missing_ok=True)
        meta = {
            "duration_s": len(samples) / sample_rate,
            "segments_s": segments,
            "pauses_s": pause_times,
        }
        tmpj = _tmp_sibling(meta_path)
        tmpj.write_text(json.dumps(meta))
        os.replace(tmpj, meta_path)
    meta = json.loads(meta_path.read_text())
    segs = tuple((float(a), float(b)) for a, b in meta["segments_s"])
    return SpeechClip(
        path=_deliver(cached, path),
        text=text,
        words=words,
        voice=voice,
        espeak_words_per_minute=words_per_minute,
        sample_rate=sample_rate,
        duration_s=float(meta["duration_s"]),
        speech_start_s=segs[0][0],
        speech_end_s=segs[-1][1],
        segments_s=segs,
        pauses_s=tuple((float(a), float(b)) for a, b in meta["pauses_s"]),
    )


def silence_wav(
    seconds: float = 3.0,
    *,
    sample_rate: int = 16000,
    noise_dbfs: float | None = None,
    path: str | os.PathLike[str] | None = None,
) -> Path:
    """A wav of silence; with ``noise_dbfs`` (e.g. -60) faint white noise instead of zeros."""
    params = {"seconds": seconds, "sr": sample_rate, "noise": noise_dbfs}
    cached = _cache_path("silence", params, ".wav")
    if not cached.exists():
        n = round(seconds * sample_rate)
        if noise_dbfs is None:
            samples = np.zeros(n, np.float32)
        else:
            rng = np.random.default_rng(0)
            samples = (rng.standard_normal(n) * 10 ** (noise_dbfs / 20)).astype(np.float32)
        tmp = _tmp_sibling(cached)
        try:
            _write_wav(tmp, samples, sample_rate)
            os.replace(tmp, cached)
        finally:
            tmp.unlink(missing_ok=True)
    return _deliver(cached, path)


# --------------------------------------------------------------------------- muxing


def _mux(
    dest: Path,
    fmt: str,
    *,
    frames: Iterator[tuple[np.ndarray, float]] | None,
    fps: int,
    size: tuple[int, int],
    audio: tuple[np.ndarray, int] | None,
) -> None:
    import av

    w, h = size
    container = av.open(str(dest), mode="w", format="webm" if fmt == "webm" else "mp4")
    try:
        vstream = None
        if frames is not None:
            if fmt == "webm":
                vstream = container.add_stream("libvpx", rate=fps)
                vstream.options = {"deadline": "realtime", "cpu-used": "8", "b": "1M"}
            else:
                vstream = container.add_stream("libx264", rate=fps)
                vstream.options = {"preset": "ultrafast", "crf": "23"}
            vstream.width, vstream.height, vstream.pix_fmt = w, h, "yuv420p"
        astream = None
        if audio is not None:
            if fmt == "webm":
                astream = container.add_stream("libopus", rate=48000)
                a_rate = 48000
            else:
                astream = container.add_stream("aac", rate=44100)
                a_rate = 44100
            astream.layout = "mono"
        if vstream is not None and frames is not None:
            for i, (frame, _) in enumerate(frames):
                vf = av.VideoFrame.from_ndarray(frame, format="bgr24")
                vf.pts = i
                vf.time_base = Fraction(1, fps)
                for pkt in vstream.encode(vf):
                    container.mux(pkt)
            for pkt in vstream.encode():
                container.mux(pkt)
        if astream is not None and audio is not None:
            samples, sr = audio
            samples = _resample(samples, sr, a_rate)
            frame_size = 960 if fmt == "webm" else 1024
            pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16)
            for off in range(0, len(pcm), frame_size):
                chunk = pcm[off : off + frame_size]
                af = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout="mono")
                af.sample_rate = a_rate
                af.pts = off
                af.time_base = Fraction(1, a_rate)
                for pkt in astream.encode(af):
                    container.mux(pkt)
            for pkt in astream.encode():
                container.mux(pkt)
    finally:
        container.close()


def answer_recording(
    video_kind: str | None = "facing",
    speech: SpeechClip | str | os.PathLike[str] | None = None,
    *,
    fmt: str = "webm",
    seconds: float | None = None,
    fps: int = 15,
    size: tuple[int, int] = (640, 480),
    path: str | os.PathLike[str] | None = None,
) -> Path:
    """Mux a face video and speech into one recording, like a browser-recorded answer.

    ``video_kind``: ``"facing"``, ``"away"``, ``"none"`` (a video track without a face) or ``None``
    (audio only). ``speech``: a :class:`SpeechClip`, a wav path, or ``None`` (video only). The
    length is the audio's unless ``seconds`` is given. ``fmt``: ``"webm"`` (VP8 + Opus) or
    ``"mp4"`` (H.264 + AAC).
    """
    if fmt not in ("webm", "mp4"):
        raise ValueError(f"fmt must be webm or mp4, not {fmt!r}")
    if video_kind is None and speech is None:
        raise ValueError("need a video kind, speech, or both")
    audio: tuple[np.ndarray, int] | None = None
    audio_key: str | None = None
    if speech is not None:
        wav = speech.path if isinstance(speech, SpeechClip) else Path(speech)
        audio = _read_wav(wav)
        audio_key = hashlib.sha256(wav.read_bytes()).hexdigest()[:16]
    length_s = seconds if seconds is not None else (len(audio[0]) / audio[1] if audio else 3.0)
    params = {
        "kind": video_kind,
        "audio": audio_key,
        "fmt": fmt,
        "s": length_s,
        "fps": fps,
        "size": list(size),
    }
    cached = _cache_path(f"answer-{video_kind or 'audio'}", params, f".{fmt}")
    if not cached.exists():
        if audio is not None and seconds is not None:
            n = round(seconds * audio[1])
            a = audio[0][:n]
            audio = (np.pad(a, (0, max(0, n - len(a)))), audio[1])
        frames = (
            face_frames(video_kind, seconds=length_s, fps=fps, size=size) if video_kind is not None else None
        )
        tmp = _tmp_sibling(cached)
        try:
            _mux(tmp, fmt, frames=frames, fps=fps, size=size, audio=audio)
            os.replace(tmp, cached)
        finally:
            tmp.unlink(missing_ok=True)
    return _deliver(cached, path)


def audio_file(
    speech: SpeechClip | str | os.PathLike[str],
    *,
    fmt: str = "mp3",
    path: str | os.PathLike[str] | None = None,
) -> Path:
    """Encode speech (a :class:`SpeechClip` or wav path) as an audio-only ``mp3``, ``ogg``
    (Opus) or ``m4a`` (AAC) file, like an upload from a phone's voice recorder."""
    import av

    codecs = {"mp3": ("mp3", "libmp3lame", 44100, 1152), "ogg": ("ogg", "libopus", 48000, 960),
              "m4a": ("ipod", "aac", 44100, 1024)}  # fmt: skip
    if fmt not in codecs:
        raise ValueError(f"fmt must be one of {sorted(codecs)}, not {fmt!r}")
    wav = speech.path if isinstance(speech, SpeechClip) else Path(speech)
    key = hashlib.sha256(wav.read_bytes()).hexdigest()[:16]
    cached = _cache_path("audio", {"audio": key, "fmt": fmt}, f".{fmt}")
    if not cached.exists():
        container_fmt, codec, rate, frame_size = codecs[fmt]
        samples, sr = _read_wav(wav)
        pcm = (np.clip(_resample(samples, sr, rate), -1, 1) * 32767).astype(np.int16)
        tmp = _tmp_sibling(cached)
        try:
            with av.open(str(tmp), mode="w", format=container_fmt) as container:
                stream: Any = container.add_stream(codec, rate=rate)
                stream.layout = "mono"
                for off in range(0, len(pcm), frame_size):
                    chunk = pcm[off : off + frame_size]
                    af = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout="mono")
                    af.sample_rate, af.pts, af.time_base = rate, off, Fraction(1, rate)
                    for pkt in stream.encode(af):
                        container.mux(pkt)
                for pkt in stream.encode():
                    container.mux(pkt)
            os.replace(tmp, cached)
        finally:
            tmp.unlink(missing_ok=True)
    return _deliver(cached, path)


def broken_media(
    kind: str, dest: str | os.PathLike[str], *, source: str | os.PathLike[str] | None = None
) -> Path:
    """Write a bad media file for error-path tests and return its path.

    ``kind``: ``"empty"`` (zero bytes), ``"garbage"`` (random bytes with a ``.webm`` name is
    up to the caller), ``"truncated"`` (the first third of ``source``, like an upload cut off).
    """
    out = Path(dest)
    if kind == "empty":
        out.write_bytes(b"")
    elif kind == "garbage":
        out.write_bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    elif kind == "truncated":
        if source is None:
            raise ValueError("truncated needs a source file")
        data = Path(source).read_bytes()
        out.write_bytes(data[: max(1, len(data) // 3)])
    else:
        raise ValueError(f"unknown kind {kind!r}")
    return out


def _asdict(clip: SpeechClip) -> dict[str, Any]:  # handy when debugging a failing test
    d = asdict(clip)
    d["path"] = str(clip.path)
    return d


def decodable_video_frames(path: str | os.PathLike[str]) -> tuple[int, int]:
    """``(frames decoded, packets the codec rejected)`` of a recording's video track, decoding
    packet by packet as a player does: a frame damaged by packet loss in a live recording is
    skipped, not the end of the file."""
    import av

    frames = rejected = 0
    with av.open(str(path)) as container:
        for packet in container.demux(video=0):
            try:
                frames += len(packet.decode())
            except av.error.InvalidDataError:
                rejected += 1
    return frames, rejected
