"""After a live interview, the candidate's recorded track gets the same report as practice
(observable metrics only), visible to the company's interviewers and nobody else."""

from __future__ import annotations

import shutil

import pytest

from server.core.db import session_scope
from server.interviews.oneway import analyze_room_recording
from server.jobs.queue import JobContext
from server.models.interviews import RoomRecording
from tests import mediakit

pytestmark = [pytest.mark.unit, pytest.mark.model, pytest.mark.media]

SPEECH = "In my last job I led a small team that built a booking system for the city library."


def test_the_candidates_room_recording_is_analysed_and_shown_to_the_company_only(app_client, make_client) -> None:
    employer = app_client
    employer.signup("employer", "rec@a.kr", company_name="녹화컴퍼니", name="면접관")
    other = make_client()
    other.signup("employer", "rec@b.kr", company_name="남의회사", name="남")
    seeker = make_client()
    seeker_id = seeker.signup("seeker", "rec-seeker@x.kr", name="지원자")["id"]
    inv = employer.send_json("POST", "/api/interviews/invitations", {
        "seeker_email": "rec-seeker@x.kr", "kind": "live", "scheduled_at": "2030-07-01T10:00:00"}).json()

    app = employer.app
    settings = app.state.settings
    clip = mediakit.speech_wav(SPEECH, words_per_minute=150)
    source = mediakit.answer_recording("facing", clip, fmt="webm")
    relative = f"interviews/test/{inv['id']}/room-1-user-{seeker_id}.webm"
    (settings.recordings_dir / relative).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, settings.recordings_dir / relative)
    with session_scope(app.state.sessionmaker) as db:
        row = RoomRecording(invitation_id=inv["id"], participant_id=seeker_id, role="candidate",
                            recording_path=relative, duration_s=8.0, status="analyzing")
        db.add(row)
        db.flush()
        recording_id = row.id

    services = {"settings": settings, "model_pool": app.state.model_pool}
    analyze_room_recording(JobContext(sessionmaker=app.state.sessionmaker, services=services), {"recording_id": recording_id})

    listed = employer.get(f"/api/interviews/invitations/{inv['id']}/recordings").json()
    assert [r["status"] for r in listed] == ["ready"]
    assert listed[0]["scores"]["overall"] is not None and listed[0]["report"]["transcript"]["text"]
    assert employer.get(listed[0]["video_url"]).status_code == 200
    page = employer.get(f"/interviews/{inv['id']}").text
    assert 'data-role="candidate"' in page and "화상 면접 녹화" in page
    assert other.get(f"/api/interviews/invitations/{inv['id']}/recordings").status_code == 404
    assert other.get(listed[0]["video_url"]).status_code == 404
    assert seeker.get(listed[0]["video_url"]).status_code == 403

