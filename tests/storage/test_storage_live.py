"""Recordings in an S3-compatible bucket, end to end: the real server (`untact serve`) with
UNTACT_STORAGE=s3 against a real S3 server on loopback (moto's server mode), and an aiortc
client answering a practice question.

- The answer is in the bucket, and gone from local disk, by the time the server says it
  stopped: it is stored before it is analysed or marked ready.
- It plays through the API with a Range request (206, the bucket's own bytes).
- Deleting the answer deletes the object.
- A server killed mid-answer leaves a partial file on local disk; the restarted server's
  recovery uploads it, and the whole-file analysis (which reads it back from the bucket)
  makes it a ready, partial answer.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import threading
from pathlib import Path

import httpx
import pytest

from tests.liveserver import start_live_server, stop_live_server
from tests.reliability.jobs_harness import wait_until
from tests.reliability.live_seeker import Seeker, answer_media, answer_once, check_recording
from tests.storage.s3server import Bucket

pytestmark = [pytest.mark.media, pytest.mark.model, pytest.mark.timeout(900)]

ANSWER_S = 5.0


def _local_answers(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "recordings").rglob("answer-*.webm"))


def test_a_practice_answer_is_stored_in_the_bucket_plays_by_range_and_is_deleted_with_it(
    tmp_path: Path, s3_bucket: Bucket
) -> None:
    media = answer_media(ANSWER_S)
    server = start_live_server(tmp_path / "server", s3_bucket.env())
    try:
        seeker = Seeker(server.base_url)
        outcome = asyncio.run(answer_once(seeker, media, ANSWER_S, wait_report=False))
        assert outcome.answer_id is not None and outcome.stopped is not None, outcome
        answer_id = outcome.answer_id
        # Stored before the server said it stopped (and so before any report): in the bucket,
        # not left on local disk.
        [key] = s3_bucket.keys()
        assert re.fullmatch(rf"practice/\d+/{outcome.session_id}/answer-{answer_id}\.webm", key), key
        assert _local_answers(server.data_dir) == []
        stored = s3_bucket.read(key)
        copy = tmp_path / "stored.webm"
        copy.write_bytes(stored)
        check = check_recording(copy)  # a whole, decodable recording
        assert check.video_packets > 0 and check.rejected_packets == 0, check

        url = f"/api/practice/answers/{answer_id}/video"
        part = seeker.http.get(url, headers={"Range": "bytes=100-4195"})
        assert part.status_code == 206, part.text
        assert part.content == stored[100:4196]
        assert part.headers["content-range"] == f"bytes 100-4195/{len(stored)}"
        assert "no-store" in part.headers["cache-control"]  # never kept by a shared cache
        whole = seeker.http.get(url)
        assert whole.status_code == 200 and whole.content == stored
        # Another person cannot play it.
        other = Seeker(server.base_url)
        assert other.http.get(url).status_code == 404

        assert seeker.wait_analysed(outcome.session_id, answer_id)["status"] == "ready"
        headers = {"X-CSRF-Token": seeker.http.cookies["untact_csrf"]}
        assert seeker.http.delete(f"/api/practice/answers/{answer_id}", headers=headers).status_code == 204
        assert s3_bucket.keys() == []
        assert seeker.http.get(url).status_code == 404
    finally:
        stop_live_server(server)


def test_a_killed_servers_partial_recording_is_uploaded_on_recovery(tmp_path: Path, s3_bucket: Bucket) -> None:
    media = answer_media(30.0)
    env = {
        **s3_bucket.env(),
        # The dead process is noticed two seconds after its last heartbeat.
        "UNTACT_INSTANCE_HEARTBEAT_S": "0.5",
        "UNTACT_INSTANCE_TIMEOUT_S": "2",
    }
    data_dir = tmp_path / "server"
    server = start_live_server(data_dir, env)
    seeker = Seeker(server.base_url)
    hold = threading.Event()
    errors: list[BaseException] = []

    def answer() -> None:
        try:
            asyncio.run(answer_once(seeker, media, 0, wait_report=False, hold=hold))
        except BaseException as exc:  # the server is killed under it
            errors.append(exc)

    client = threading.Thread(target=answer, name="seeker")
    client.start()
    try:
        # Recording: the file grows on local disk, and nothing is in the bucket yet.
        wait_until(lambda: any(p.stat().st_size > 40_000 for p in _local_answers(data_dir)), 120, "recording")
        assert s3_bucket.keys() == []
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait()
    finally:
        hold.set()
        client.join(60)
    [local] = _local_answers(data_dir)
    partial = local.read_bytes()
    key = local.relative_to(data_dir / "recordings").as_posix()
    answer_id = int(local.stem.removeprefix("answer-"))
    session_id = int(local.parent.name)

    restarted = start_live_server(data_dir, env)
    try:
        wait_until(lambda: s3_bucket.keys() == [key], 60, "the partial recording uploaded")
        assert s3_bucket.read(key) == partial  # what the killed process wrote, nothing lost
        assert not local.exists()
        seeker.http.base_url = httpx.URL(restarted.base_url)  # the same person, signed in
        seeker.base_url = restarted.base_url
        summary = seeker.wait_analysed(session_id, answer_id)
        # Analysed from the bucket's copy (the local one is gone), flagged partial.
        assert summary["status"] == "ready" and summary["partial"] is True, summary
        part = seeker.http.get(f"/api/practice/answers/{answer_id}/video", headers={"Range": "bytes=0-999"})
        assert part.status_code == 206 and part.content == partial[:1000]
    finally:
        stop_live_server(restarted)
