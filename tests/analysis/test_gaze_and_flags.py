"""Gaze from mediapipe on generated face videos, and the flags for missing face or speech."""

from __future__ import annotations

import pytest

from analysis import AnalysisOptions, analyze_file
from analysis.gaze import FaceMeshTracker, summarize_gaze
from analysis.models import ModelPool
from tests import mediakit

pytestmark = [pytest.mark.model, pytest.mark.media]


def test_face_mesh_reads_the_turned_face_as_large_yaw_and_the_facing_one_as_small() -> None:
    with FaceMeshTracker() as tracker:
        facing = [tracker.process(f, t) for f, t in mediakit.face_frames("facing", seconds=2, fps=5)]
    with FaceMeshTracker() as tracker:
        away = [tracker.process(f, t) for f, t in mediakit.face_frames("away", seconds=2, fps=5)]
    assert all(f.face_count == 1 for f in facing + away)
    assert max(abs(f.yaw_deg or 0) for f in facing) < 10
    assert min(abs(f.yaw_deg or 0) for f in away) > 25
    assert all(f.iris_horizontal is not None and 0.3 < f.iris_horizontal < 0.7 for f in facing)
    assert summarize_gaze(facing).eye_contact_ratio == 1.0
    assert summarize_gaze(away).eye_contact_ratio == 0.0


def test_a_sideways_glance_with_the_head_still_counts_as_looking_away() -> None:
    with FaceMeshTracker() as tracker:
        glance = [tracker.process(f, t) for f, t in mediakit.face_frames("glance", seconds=3, fps=5)]
    assert all(f.face_count == 1 for f in glance)
    assert max(abs(f.yaw_deg or 99) for f in glance) < 10  # the head did not turn
    assert all(f.iris_horizontal is not None and f.iris_horizontal > 0.65 for f in glance)
    summary = summarize_gaze(glance)
    assert summary.eye_contact_ratio is not None and summary.eye_contact_ratio <= 0.3
    assert summary.away_episodes == ((0.0, 3.0),)


def test_face_turned_away_gives_low_eye_contact_and_an_away_episode(model_pool: ModelPool) -> None:
    clip = mediakit.speech_wav("I organised the team and we finished the work early.", words_per_minute=150)
    path = mediakit.answer_recording("away", clip, fmt="mp4")
    report = analyze_file(
        path, AnalysisOptions(question_text="Tell me about teamwork.", language="en"), pool=model_pool
    )
    gaze = report.gaze
    assert gaze.eye_contact_ratio is not None and gaze.eye_contact_ratio <= 0.3
    assert gaze.face_present_ratio is not None and gaze.face_present_ratio >= 0.9
    assert len(gaze.away_episodes) == 1
    episode = gaze.away_episodes[0]
    assert episode.start_s <= 0.3 and episode.end_s >= report.duration_s - 0.5
    assert report.scores.gaze.score is not None and report.scores.gaze.score <= 40
    assert "camera lens" in report.scores.gaze.explanation_en
    assert "no_face" not in report.flags


def test_no_face_and_silence_give_flags_and_no_crash(model_pool: ModelPool) -> None:
    silence = mediakit.silence_wav(6.0)
    path = mediakit.answer_recording("none", silence, fmt="webm")
    report = analyze_file(path, AnalysisOptions(question_text="Introduce yourself."), pool=model_pool)
    assert report.gaze.face_present_ratio is not None and report.gaze.face_present_ratio <= 0.05
    assert report.gaze.eye_contact_ratio == 0.0
    assert {"no_face", "no_speech", "low_audio"} <= set(report.flags)
    assert report.transcript.text == "" and report.transcript.words == ()
    assert report.pace.words_per_minute is None
    assert report.pauses.count == 0 and report.fillers.count == 0
    assert report.scores.delivery.score == 0
    assert "No speech" in report.scores.delivery.explanation_en
    assert report.duration_s == pytest.approx(6.0, abs=0.2)


def test_faint_noise_only_is_no_speech_too(model_pool: ModelPool) -> None:
    path = mediakit.silence_wav(5.0, noise_dbfs=-55)
    report = analyze_file(
        path, AnalysisOptions(question_text="Introduce yourself.", language="en"), pool=model_pool
    )
    assert "no_speech" in report.flags
    assert "audio_only" in report.flags
    assert report.gaze.available is False and report.scores.gaze.score is None


def test_two_faces_give_the_multiple_faces_flag(model_pool: ModelPool) -> None:
    clip = mediakit.speech_wav("My colleague helped me prepare.", words_per_minute=150)
    path = mediakit.answer_recording("two", clip, fmt="webm")
    report = analyze_file(path, AnalysisOptions(question_text="q", language="en"), pool=model_pool)
    assert report.gaze.multiple_faces_ratio is not None and report.gaze.multiple_faces_ratio >= 0.9
    assert "multiple_faces" in report.flags
    assert "Another face" in report.scores.gaze.explanation_en
    assert report.scores.gaze.measured["multiple_faces_ratio"] >= 0.9


def _damage_video_packets(src, dst, every: int) -> int:  # type: ignore[no-untyped-def]
    """Copy a WebM, replacing every ``every``-th video packet after the first key frame with
    garbage (as packet loss leaves a live recording). Returns how many were damaged."""
    import av

    damaged = 0
    with av.open(str(src)) as inp, av.open(str(dst), "w", format="webm") as out:
        streams = {s.index: out.add_stream_from_template(s) for s in inp.streams}
        video_seen = 0
        for packet in inp.demux():
            if packet.dts is None:
                continue
            if packet.stream.type == "video":
                video_seen += 1
                if video_seen > 1 and video_seen % every == 0:
                    garbage = av.Packet(bytes([0x31, 0xFF, 0xFF]) + bytes(range(97)) * 3)
                    garbage.pts, garbage.dts, garbage.time_base = packet.pts, packet.dts, packet.time_base
                    packet = garbage
                    damaged += 1
            packet.stream = streams[packet.stream_index]
            out.mux(packet)
    return damaged


def test_a_few_damaged_video_frames_are_skipped_not_the_end_of_the_gaze_track(model_pool: ModelPool, tmp_path) -> None:  # type: ignore[no-untyped-def]
    clip = mediakit.speech_wav("I kept looking at the camera while I answered the question.")
    src = mediakit.answer_recording("facing", clip, fmt="webm", seconds=8.0)
    damaged_path = tmp_path / "damaged.webm"
    assert _damage_video_packets(src, damaged_path, every=25) >= 4
    report = analyze_file(damaged_path, AnalysisOptions(question_text="Q", language="en"), pool=model_pool)
    # The face mesh saw frames to the end of the answer, the damage did not cut the track short.
    assert report.gaze.sampled_frames >= 30
    assert report.gaze.eye_contact_ratio is not None and report.gaze.eye_contact_ratio >= 0.8
    assert "partial_recording" not in report.flags


def test_face_mesh_graphs_are_reused_and_forget_the_previous_videos_face() -> None:
    # MediaPipe keeps part of the memory of every graph it closes, so trackers hand theirs on.
    import cv2
    import numpy as np
    from skimage import data

    face = cv2.resize(data.astronaut()[:, :, ::-1].copy(), (320, 240))
    empty = np.full_like(face, 128)
    first = FaceMeshTracker()
    assert [first.process(face, i * 0.2).face_count for i in range(3)] == [1, 1, 1]
    graph = first._mesh
    first.close()
    second = FaceMeshTracker()
    assert second._mesh is graph  # the same graph, not a new one
    # The new video has no face: nothing is carried over from the last one.
    assert [second.process(empty, i * 0.2).face_count for i in range(2)] == [0, 0]
    assert second.process(face, 0.4).looking_at_camera in (True, False)
    assert second.process(face, 0.6).face_count == 1
    second.close()
