"""The edge: the only module that turns PyAV frames into plain numpy data.

Everything downstream of ``media/`` (analysis, server) sees
:class:`VideoSample` and :class:`AudioChunk` only, never ``av`` or aiortc
types.
"""

from __future__ import annotations

from dataclasses import dataclass

import av
import numpy as np

ANALYSIS_SAMPLE_RATE_HZ = 16_000


@dataclass(frozen=True)
class VideoSample:
    """One decoded video frame as a BGR ``uint8`` array of shape (H, W, 3)."""

    image_bgr: np.ndarray
    timestamp_s: float


@dataclass(frozen=True)
class AudioChunk:
    """Mono float32 samples in [-1, 1] at ``sample_rate_hz``."""

    samples: np.ndarray
    sample_rate_hz: int
    timestamp_s: float

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate_hz


def frame_time_s(frame: av.frame.Frame) -> float:
    """Presentation time of a PyAV frame in seconds (0.0 when unknown)."""
    if frame.pts is None or frame.time_base is None:
        return 0.0
    return float(frame.pts * frame.time_base)


def video_frame_to_sample(frame: av.VideoFrame, timestamp_s: float | None = None) -> VideoSample:
    """Convert a decoded video frame to BGR numpy (one colour conversion, no copies after)."""
    image = frame.to_ndarray(format="bgr24")
    return VideoSample(
        image_bgr=image,
        timestamp_s=frame_time_s(frame) if timestamp_s is None else timestamp_s,
    )


class AudioConverter:
    """Resamples decoded audio frames to mono float32 at 16 kHz for analysis.

    Stateful (the resampler keeps filter history), so use one per stream.
    """

    def __init__(self, sample_rate_hz: int = ANALYSIS_SAMPLE_RATE_HZ) -> None:
        self.sample_rate_hz = sample_rate_hz
        self._resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate_hz)
        self._samples_out = 0
        self._start_s: float | None = None

    def convert(self, frame: av.AudioFrame) -> AudioChunk | None:
        """Return the resampled chunk for ``frame`` (None while the resampler buffers)."""
        if self._start_s is None:
            self._start_s = frame_time_s(frame)
        # The resampler reuses the frame's pts; we count samples instead so the
        # chunk timeline has no gaps or rounding drift.
        frame.pts = None
        parts = [f.to_ndarray().reshape(-1) for f in self._resampler.resample(frame)]
        if not parts:
            return None
        samples = np.concatenate(parts).astype(np.float32, copy=False)
        timestamp_s = self._start_s + self._samples_out / self.sample_rate_hz
        self._samples_out += len(samples)
        return AudioChunk(samples=samples, sample_rate_hz=self.sample_rate_hz, timestamp_s=timestamp_s)
