"""Media layer: aiortc peers, cheap crash-safe recording, and SFU forwarding.

Nothing outside this package needs to import ``av`` or ``aiortc``.
"""

from .audio_feed import AudioFeed
from .errors import MediaError
from .frames import AudioChunk, VideoSample
from .peer import IceServer, PeerSession
from .recorder import AnalysisConsumer, AnswerRecorder, RecorderOptions, RecordingRef
from .room import ConnectionQuality, Room, RoomOptions, SlotAssignment
from .sdp_checks import check_offer

__all__ = [
    "AnalysisConsumer",
    "AnswerRecorder",
    "AudioChunk",
    "AudioFeed",
    "ConnectionQuality",
    "IceServer",
    "MediaError",
    "PeerSession",
    "RecorderOptions",
    "RecordingRef",
    "Room",
    "RoomOptions",
    "SlotAssignment",
    "VideoSample",
    "check_offer",
]
