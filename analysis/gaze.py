"""Per-frame gaze from mediapipe FaceMesh (with iris landmarks) and per-answer gaze metrics.

Per frame (see :class:`FrameGaze`): number of faces, head yaw/pitch from ``cv2.solvePnP`` of six
mesh landmarks against a generic 3D face, and the iris position within each eye. A frame counts
as *looking at the camera* when all of these hold (defaults in :class:`GazeThresholds`):

- a face is present;
- ``|yaw| <= 20°`` and ``|pitch| <= 25°`` (pitch is looser: webcams often sit below or above eye level);
- the mean horizontal iris position within the eye opening is within 0.5 ± 0.15 of the eye width
  (0 = the eye corner on the image's left, 1 = the one on its right, for both eyes).

The eye-contact ratio is looking frames over all sampled frames (no face counts as not looking).
Away episodes are runs of not-looking frames lasting at least 2 s.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["FaceMeshTracker", "FrameGaze", "GazeSummary", "GazeThresholds", "summarize_gaze"]

# mediapipe face mesh indices: nose tip, chin, eye outer corners, mouth corners
_PNP_IDX = (1, 152, 33, 263, 61, 291)
# Generic head model (mm-ish units), x to the image right, y up, z towards the camera.
_PNP_MODEL = np.array(
    [
        (0.0, 0.0, 0.0),
        (0.0, -330.0, -65.0),
        (-225.0, 170.0, -135.0),
        (225.0, 170.0, -135.0),
        (-150.0, -150.0, -125.0),
        (150.0, -150.0, -125.0),
    ],
    dtype=np.float64,
)
# (iris centre, image-left corner, image-right corner, upper lid, lower lid) for the two eyes.
# Both eyes are measured left-to-right in the image, so a sideways glance moves both values the
# same way (measuring "towards the nose" per eye would make the two eyes cancel out).
_EYES = ((468, 33, 133, 159, 145), (473, 362, 263, 386, 374))


@dataclass(frozen=True)
class GazeThresholds:
    max_yaw_deg: float = 20.0
    max_pitch_deg: float = 25.0
    max_iris_offset: float = 0.15  # from the eye centre, as a fraction of the eye width
    min_away_episode_s: float = 2.0


@dataclass(frozen=True)
class FrameGaze:
    timestamp_s: float
    face_count: int
    yaw_deg: float | None = None
    pitch_deg: float | None = None
    iris_horizontal: float | None = None  # 0.5 = centred between the eye corners
    looking_at_camera: bool = False


@dataclass(frozen=True)
class GazeSummary:
    sampled_frames: int
    eye_contact_ratio: float | None
    face_present_ratio: float | None
    multiple_faces_ratio: float | None
    away_episodes: tuple[tuple[float, float], ...]
    mean_abs_yaw_deg: float | None
    mean_abs_pitch_deg: float | None


def _head_pose(pts: np.ndarray, w: int, h: int) -> tuple[float, float]:
    import cv2

    img_pts = pts[list(_PNP_IDX), :2].astype(np.float64)
    focal = float(w)
    cam = np.array([[focal, 0, w / 2], [0, focal, h / 2], [0, 0, 1]], dtype=np.float64)
    # Image y grows downwards; flip the model so that identity rotation means "facing the camera".
    model = _PNP_MODEL * np.array([1.0, -1.0, -1.0])
    ok, rvec, _ = cv2.solvePnP(model, img_pts, cam, np.zeros(4), flags=cv2.SOLVEPNP_ITERATIVE)
    if not ok:
        return float("nan"), float("nan")
    rot, _ = cv2.Rodrigues(rvec)
    angles = cv2.RQDecomp3x3(rot)[0]
    pitch, yaw = float(angles[0]), float(angles[1])
    # RQDecomp can return the equivalent angle on the other side of ±180°
    if pitch > 90:
        pitch -= 180
    elif pitch < -90:
        pitch += 180
    return yaw, pitch


def _iris_horizontal(pts: np.ndarray) -> float:
    vals = []
    for iris, left, right, _, _ in _EYES:
        a, b = pts[left, :2], pts[right, :2]
        axis = b - a
        denom = float(axis @ axis)
        if denom <= 1e-6:
            continue
        vals.append(float((pts[iris, :2] - a) @ axis / denom))
    return float(np.mean(vals)) if vals else float("nan")


class _FaceMeshGraphs:
    """FaceMesh graphs kept for the next video instead of being closed.

    MediaPipe does not give back all the native memory of a graph it closes: building and
    closing one FaceMesh per answer grew a server by ~1.2 MB per answer (and ``reset()`` by
    ~0.1–0.5 MB), while one graph used for video after video grows by nothing. So a closed
    tracker hands its graph back here; at most ``max_idle`` wait per configuration, and one
    graph is used by one tracker (one thread) at a time.
    """

    def __init__(self, max_idle: int = 4) -> None:
        self._max_idle = max_idle
        self._idle: dict[tuple[bool, int], list[Any]] = {}
        self._lock = threading.Lock()

    def acquire(self, *, tracking: bool, max_faces: int) -> tuple[Any, bool]:
        """A graph for one video, and whether it was used before."""
        with self._lock:
            idle = self._idle.get((tracking, max_faces))
            if idle:
                return idle.pop(), True
        import mediapipe as mp

        mesh = mp.solutions.face_mesh.FaceMesh(
            static_image_mode=not tracking,
            max_num_faces=max_faces,
            refine_landmarks=True,
            min_detection_confidence=0.5,
            min_tracking_confidence=0.5,
        )
        return mesh, False

    def release(self, mesh: Any, *, tracking: bool, max_faces: int) -> None:
        with self._lock:
            idle = self._idle.setdefault((tracking, max_faces), [])
            if len(idle) < self._max_idle:
                idle.append(mesh)
                return
        mesh.close()


# Process-wide, like the models it holds (loaded once per process, see ModelPool for Whisper).
_GRAPHS = _FaceMeshGraphs()


class FaceMeshTracker:
    """Runs FaceMesh (refine_landmarks=True) on frames of one video, in order.

    Not thread-safe: use one tracker per video, from one thread. Call :meth:`close` when done
    (the graph is then kept for the next video, see :class:`_FaceMeshGraphs`).
    """

    def __init__(
        self, thresholds: GazeThresholds | None = None, *, max_faces: int = 2, tracking: bool = True
    ) -> None:
        self.thresholds = thresholds or GazeThresholds()
        self._tracking = tracking
        self._max_faces = max_faces
        self._mesh, self._forget_previous = _GRAPHS.acquire(tracking=tracking, max_faces=max_faces)
        self._forget_previous = self._forget_previous and tracking
        self._closed = False

    def process(self, frame_bgr: np.ndarray, timestamp_s: float) -> FrameGaze:
        import cv2

        h, w = frame_bgr.shape[:2]
        rgb = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB)
        if self._forget_previous:
            # A reused tracking graph would follow the previous video's face: one empty frame
            # loses it, and the first real frame is detected afresh.
            self._forget_previous = False
            self._mesh.process(np.zeros_like(rgb))
        result = self._mesh.process(rgb)
        faces = result.multi_face_landmarks or []
        if not faces:
            return FrameGaze(timestamp_s=timestamp_s, face_count=0)

        # The largest face is the candidate; others only count as "multiple faces".
        def width(face: object) -> float:
            xs = [p.x for p in face.landmark]  # type: ignore[attr-defined]
            return max(xs) - min(xs)

        face = max(faces, key=width)
        pts = np.array([(p.x * w, p.y * h, p.z * w) for p in face.landmark], dtype=np.float64)
        yaw, pitch = _head_pose(pts, w, h)
        iris = _iris_horizontal(pts) if len(pts) >= 478 else float("nan")
        t = self.thresholds
        looking = (
            math.isfinite(yaw)
            and abs(yaw) <= t.max_yaw_deg
            and abs(pitch) <= t.max_pitch_deg
            and (not math.isfinite(iris) or abs(iris - 0.5) <= t.max_iris_offset)
        )
        return FrameGaze(
            timestamp_s=timestamp_s,
            face_count=len(faces),
            yaw_deg=round(yaw, 2) if math.isfinite(yaw) else None,
            pitch_deg=round(pitch, 2) if math.isfinite(pitch) else None,
            iris_horizontal=round(iris, 3) if math.isfinite(iris) else None,
            looking_at_camera=bool(looking),
        )

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            _GRAPHS.release(self._mesh, tracking=self._tracking, max_faces=self._max_faces)

    def __enter__(self) -> FaceMeshTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def away_episodes(
    frames: Sequence[FrameGaze], min_duration_s: float, frame_interval_s: float
) -> list[tuple[float, float]]:
    """Runs of not-looking frames lasting at least ``min_duration_s``. A run ends where the next
    looking frame starts; the last run ends one frame interval after its last frame."""
    episodes: list[tuple[float, float]] = []
    start: float | None = None
    for f in frames:
        if not f.looking_at_camera:
            if start is None:
                start = f.timestamp_s
        elif start is not None:
            if f.timestamp_s - start >= min_duration_s:
                episodes.append((round(start, 3), round(f.timestamp_s, 3)))
            start = None
    if start is not None and frames:
        end = frames[-1].timestamp_s + frame_interval_s
        if end - start >= min_duration_s:
            episodes.append((round(start, 3), round(end, 3)))
    return episodes


def summarize_gaze(
    frames: Iterable[FrameGaze], thresholds: GazeThresholds | None = None, *, frame_interval_s: float = 0.2
) -> GazeSummary:
    t = thresholds or GazeThresholds()
    fs = sorted(frames, key=lambda f: f.timestamp_s)
    n = len(fs)
    if n == 0:
        return GazeSummary(0, None, None, None, (), None, None)
    with_face = [f for f in fs if f.face_count > 0]
    yaws = [abs(f.yaw_deg) for f in with_face if f.yaw_deg is not None]
    pitches = [abs(f.pitch_deg) for f in with_face if f.pitch_deg is not None]
    return GazeSummary(
        sampled_frames=n,
        eye_contact_ratio=round(sum(f.looking_at_camera for f in fs) / n, 4),
        face_present_ratio=round(len(with_face) / n, 4),
        multiple_faces_ratio=round(sum(f.face_count > 1 for f in fs) / n, 4),
        away_episodes=tuple(away_episodes(fs, t.min_away_episode_s, frame_interval_s)),
        mean_abs_yaw_deg=round(float(np.mean(yaws)), 2) if yaws else None,
        mean_abs_pitch_deg=round(float(np.mean(pitches)), 2) if pitches else None,
    )
