"""Intro videos for one-way question sets: the upload is streamed to a temporary file beside
its final place, checked with PyAV, and only then renamed into place and pointed to from the
question set. A failed upload leaves the previous video (file and row) exactly as it was.

Files live under ``<recordings>/interviews/<company>/intro/set-<id>-<random><ext>``: a fresh
name per upload, so the database switches from one complete file to another and the old file
is removed only after the switch is committed.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
from starlette.concurrency import run_in_threadpool

from analysis import AnalysisError
from analysis.decode import probe_media
from server.core.errors import AppError, PayloadTooLarge

MAX_INTRO_DURATION_S = 300.0  # five minutes: an introduction, not a lecture
_DURATION_SLACK_S = 0.5  # container rounding
# What Chromium, Firefox and Safari play from a <video> element, by container.
_PLAYABLE: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {
    "matroska,webm": (".webm", frozenset({"vp8", "vp9", "av1"}), frozenset({"opus", "vorbis"})),
    "mov,mp4,m4a,3gp,3g2,mj2": (".mp4", frozenset({"h264", "av1", "vp9"}), frozenset({"aac", "mp3", "opus"})),
}
MEDIA_TYPES = {".webm": "video/webm", ".mp4": "video/mp4"}
ACCEPTED_CONTENT_TYPES = ("video/", "application/octet-stream")


class InvalidMedia(AppError):
    """The upload is not a video we can store and play back; ``reason`` says why."""

    status_code = 400
    code = "invalid_media"

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(message_key=f"error.invalid_media_{reason}", detail={"reason": reason}, **params)


@dataclass(frozen=True)
class IntroVideoInfo:
    extension: str  # ".webm" or ".mp4": how it is stored and served
    duration_s: float
    width_px: int
    height_px: int


def intro_dir(recordings_dir: Path, company_id: int) -> Path:
    return recordings_dir / "interviews" / str(company_id) / "intro"


def too_large(max_mb: int) -> PayloadTooLarge:
    # Connection: close, since the rest of the body is not read.
    return PayloadTooLarge("intro_video_too_large", headers={"Connection": "close"}, max_mb=max_mb)


async def receive_upload(chunks: AsyncIterator[bytes], directory: Path, max_bytes: int, max_mb: int) -> Path:
    """Write the body to a temporary file in ``directory``; stop at ``max_bytes`` with a 413.

    Returns the temporary file. On any error it is removed and nothing else is touched."""
    tmp = await run_in_threadpool(_new_temp_file, directory)
    received = 0
    try:
        async with await anyio.open_file(tmp, "wb") as out:
            async for chunk in chunks:
                if not chunk:
                    continue
                received += len(chunk)
                if received > max_bytes:
                    raise too_large(max_mb)
                await out.write(chunk)
        if received == 0:
            raise InvalidMedia("empty")
    except BaseException:
        await anyio.Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def _new_temp_file(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".intro-", suffix=".part", dir=directory)
    os.close(fd)
    return Path(name)


def inspect_intro_video(path: Path) -> IntroVideoInfo:
    """Check that ``path`` is a whole, playable video of 0–5 minutes. Blocking: run in a thread."""
    import av

    try:
        info = probe_media(path)
    except AnalysisError as exc:
        raise InvalidMedia("empty" if exc.code == "empty_file" else "unreadable") from exc
    if not info.has_video:
        raise InvalidMedia("no_video_track")
    playable = _PLAYABLE.get(info.container)
    if playable is None:
        raise InvalidMedia("unplayable_format")
    extension, video_codecs, audio_codecs = playable
    try:
        with av.open(str(path), mode="r") as container:
            stream = container.streams.video[0]
            if stream.codec_context.name not in video_codecs or any(
                a.codec_context.name not in audio_codecs for a in container.streams.audio
            ):
                raise InvalidMedia("unplayable_format")
            width, height = stream.codec_context.width, stream.codec_context.height
            # Every packet, so a file cut off in the middle is caught (the header still
            # promises the whole length) and a duration is known even without one in the header.
            end_s = 0.0
            decoded_frame = False
            for packet in container.demux(stream):
                if packet.pts is not None and packet.time_base is not None:
                    end_s = max(end_s, float((packet.pts + (packet.duration or 0)) * packet.time_base))
                if not decoded_frame and packet.size:
                    decoded_frame = bool(packet.decode())
            if not decoded_frame:  # a decoder with delay holds the first frames until flushed
                decoded_frame = bool(stream.codec_context.decode(None))
    except av.error.FFmpegError as exc:
        raise InvalidMedia("unreadable") from exc
    if not decoded_frame or not width or not height:
        raise InvalidMedia("unreadable")
    declared_s = info.duration_s or 0.0
    if declared_s > 0 and end_s < declared_s * 0.9 - 1.0:
        raise InvalidMedia("truncated")
    duration_s = end_s or declared_s
    if duration_s <= 0:
        raise InvalidMedia("no_duration")
    if duration_s > MAX_INTRO_DURATION_S + _DURATION_SLACK_S:
        raise InvalidMedia("too_long", max_min=int(MAX_INTRO_DURATION_S // 60))
    return IntroVideoInfo(
        extension=extension, duration_s=round(duration_s, 2), width_px=width, height_px=height
    )


def place_intro_video(tmp: Path, set_id: int, extension: str) -> Path:
    """Rename the checked upload to its final, unique name (atomic: same directory)."""
    final = tmp.parent / f"set-{set_id}-{secrets.token_hex(6)}{extension}"
    os.replace(tmp, final)
    return final
