"""Intro videos with UNTACT_STORAGE=s3 (a real S3 server on loopback, moto's): the uploaded file
is in the bucket before the set points at it, plays by range through the API, and replacing or
removing it deletes the object; nothing is left in the recordings directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import mediakit
from tests.storage.s3server import Bucket

pytestmark = pytest.mark.unit

SET = {
    "title": "백엔드 1차",
    "language": "ko",
    "closing_message": "수고하셨습니다.",
    "questions": [{"text": "자기소개를 해 주세요.", "think_time_s": 10, "answer_limit_s": 60, "max_retakes": 1}],
}


@pytest.fixture
def app_overrides(s3_bucket: Bucket) -> dict[str, object]:
    return {key.removeprefix("UNTACT_").lower(): value for key, value in s3_bucket.env().items()}


def _video(fmt: str) -> bytes:
    return mediakit.answer_recording("facing", None, fmt=fmt, seconds=2.0, fps=10, size=(320, 240)).read_bytes()


def _upload(client, set_id: int, body: bytes, content_type: str):
    return client.put(
        f"/api/interviews/sets/{set_id}/intro-video",
        content=body,
        headers={"Content-Type": content_type, "X-CSRF-Token": client.csrf()},
    )


def _local_files(client) -> list[Path]:
    recordings = Path(client.app.state.settings.recordings_dir)
    return [p for p in recordings.rglob("*") if p.is_file()]


def test_intro_videos_are_stored_served_and_deleted_in_the_bucket(app_client, s3_bucket: Bucket) -> None:
    employer = app_client
    employer.signup("employer", "boss@a.kr", company_name="에이컴퍼니", name="김면접")
    qset = employer.send_json("POST", "/api/interviews/sets", SET).json()
    webm = _video("webm")
    uploaded = _upload(employer, qset["id"], webm, "video/webm")
    assert uploaded.status_code == 200, uploaded.text
    [key] = s3_bucket.keys()
    assert key.startswith("interviews/") and key.endswith(".webm")
    assert s3_bucket.read(key) == webm
    assert _local_files(employer) == []

    url = uploaded.json()["intro_video_url"]
    part = employer.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == webm[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(webm)}"
    whole = employer.get(url)
    assert whole.status_code == 200 and whole.content == webm and whole.headers["content-type"] == "video/webm"

    mp4 = _video("mp4")
    replaced = _upload(employer, qset["id"], mp4, "video/mp4")
    assert replaced.status_code == 200, replaced.text
    [new_key] = s3_bucket.keys()  # the old object is gone
    assert new_key != key and new_key.endswith(".mp4") and s3_bucket.read(new_key) == mp4
    assert employer.get(replaced.json()["intro_video_url"]).content == mp4

    removed = employer.send_json("DELETE", f"/api/interviews/sets/{qset['id']}/intro-video")
    assert removed.status_code == 200
    assert s3_bucket.keys() == [] and _local_files(employer) == []
    assert employer.get(replaced.json()["intro_video_url"]).status_code == 404
