"""Decoding recordings with PyAV: audio as 16 kHz mono float32, video frames sampled at a rate.

Everything downstream sees numpy arrays only. A container that ends early or breaks (a cut-off
upload) keeps what was decoded and is reported as ``partial``. A single frame the codec cannot
decode (a VP8 frame damaged by packet loss in a live recording) is skipped, as a browser's
player would, and decoding goes on; only a long run of them stops it (``partial`` again).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import AnalysisError

__all__ = ["AUDIO_EXTENSIONS", "MediaInfo", "decode_audio", "iter_video_frames", "probe_media"]

SAMPLE_RATE = 16000
AUDIO_EXTENSIONS = {".wav", ".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".flac"}
_MAX_ANALYSIS_WIDTH = 960  # larger frames are scaled down before the face mesh
_MAX_BAD_PACKETS_IN_A_ROW = 50  # more undecodable packets than this in a row: give up the track


def _decoded(packet, bad: list[int]):  # type: ignore[no-untyped-def]
    """The frames of one packet, or none if the codec rejects it (counted in ``bad[0]``, the
    run of rejected packets; reset by a good one)."""
    import av

    try:
        frames = packet.decode()
    except av.error.InvalidDataError:
        bad[0] += 1
        if bad[0] > _MAX_BAD_PACKETS_IN_A_ROW:
            raise
        return []
    bad[0] = 0
    return frames


@dataclass(frozen=True)
class MediaInfo:
    path: Path
    container: str
    duration_s: float | None
    has_audio: bool
    has_video: bool
    audio_only_file: bool  # an audio file type (wav, mp3 ...), so no video is expected


def _open(path: Path):  # type: ignore[no-untyped-def]
    import av

    try:
        return av.open(str(path), mode="r")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise AnalysisError("unreadable_media", f"{path.name}: {exc}") from exc


def probe_media(path: str | os.PathLike[str]) -> MediaInfo:
    """Check that ``path`` is a readable recording and say which tracks it has."""
    p = Path(path)
    if not p.exists():
        raise AnalysisError("file_not_found", str(p))
    if not p.is_file():
        raise AnalysisError("unreadable_media", f"{p} is not a file")
    if p.stat().st_size == 0:
        raise AnalysisError("empty_file", str(p))
    with _open(p) as c:
        duration = c.duration / 1_000_000 if c.duration else None
        has_audio = any(s.type == "audio" for s in c.streams)
        # Cover art in MP3/M4A shows up as a one-frame video stream; it is not a camera track.
        has_video = any(
            s.type == "video" and not (s.disposition & getattr(s.disposition, "attached_pic", 0x400))
            for s in c.streams
        )
        fmt = c.format.name
    return MediaInfo(p, fmt, duration, has_audio, has_video, p.suffix.lower() in AUDIO_EXTENSIONS)


def decode_audio(path: str | os.PathLike[str]) -> tuple[np.ndarray, bool]:
    """All audio as 16 kHz mono float32, and whether decoding stopped early on an error."""
    import av

    p = Path(path)
    chunks: list[np.ndarray] = []
    partial = False
    with _open(p) as c:
        if not c.streams.audio:
            raise AnalysisError("no_audio_track", p.name)
        stream = c.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        bad = [0]
        try:
            for packet in c.demux(stream):
                for frame in _decoded(packet, bad):
                    for out in resampler.resample(frame):  # type: ignore[arg-type]
                        chunks.append(out.to_ndarray().reshape(-1))
        except av.error.FFmpegError:
            partial = True
        try:
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
        except av.error.FFmpegError:
            partial = True
    samples = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)
    if samples.size == 0 and partial:
        raise AnalysisError("unreadable_media", f"{p.name}: no audio could be decoded")
    return samples, partial


def iter_video_frames(
    path: str | os.PathLike[str], sample_fps: float, partial_flag: list[bool] | None = None
) -> Iterator[tuple[np.ndarray, float]]:
    """Yield ``(frame_bgr, timestamp_s)`` at about ``sample_fps``. Frames between samples are
    decoded (codecs need them) but not converted. On a mid-stream error iteration stops and
    ``partial_flag[0]`` is set to True."""
    import av

    p = Path(path)
    with _open(p) as c:
        if not c.streams.video:
            return
        stream = c.streams.video[0]
        stream.thread_type = "AUTO"
        interval = 1.0 / sample_fps
        next_t = 0.0
        first_pts: float | None = None
        bad = [0]

        def frames() -> Iterator[av.VideoFrame]:
            for packet in c.demux(stream):
                yield from _decoded(packet, bad)

        try:
            for frame in frames():
                if frame.pts is None or frame.time_base is None:
                    continue
                t = float(frame.pts * frame.time_base)
                if first_pts is None:
                    first_pts = min(t, 0.0) if t < 0 else 0.0
                t -= first_pts
                if t + 1e-6 < next_t:
                    continue
                while next_t <= t + 1e-6:
                    next_t += interval
                w, h = frame.width, frame.height
                if w > _MAX_ANALYSIS_WIDTH:
                    scale = _MAX_ANALYSIS_WIDTH / w
                    img = frame.reformat(
                        width=_MAX_ANALYSIS_WIDTH, height=int(h * scale) // 2 * 2, format="bgr24"
                    )
                    yield img.to_ndarray(), t
                else:
                    yield frame.to_ndarray(format="bgr24"), t
        except av.error.FFmpegError:
            if partial_flag is not None:
                partial_flag[0] = True
