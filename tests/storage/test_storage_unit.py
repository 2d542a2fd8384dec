"""The storage interface (server/core/storage.py) behaves the same on both backends: a file
written locally and committed can be read back whole and by range, copied out for analysis,
and deleted; S3 keeps it in the bucket (on a real S3 server, moto's, on loopback) and not on
local disk. The Range handling of the API (server/core/files.py) is checked here byte for byte."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from server.core.config import load_settings
from server.core.errors import install_error_handlers
from server.core.files import byte_range, private_file
from server.core.storage import LocalStorage, S3Storage, Storage, StorageError, make_storage
from tests.liveserver import free_port
from tests.storage.s3server import ACCESS_KEY, REGION, SECRET_KEY, Bucket

pytestmark = pytest.mark.unit

KEY = "practice/7/3/answer-11.webm"


def _bytes(n: int) -> bytes:
    return os.urandom(n)


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "local":
        return make_storage(load_settings(data_dir=tmp_path, environment="test"))
    bucket: Bucket = request.getfixturevalue("s3_bucket")
    settings = load_settings(
        data_dir=tmp_path, environment="test", storage="s3", s3_endpoint_url=bucket.server.endpoint_url,
        s3_bucket=bucket.name, s3_region=REGION, s3_access_key_id=ACCESS_KEY, s3_secret_access_key=SECRET_KEY,
    )  # fmt: skip
    made = make_storage(settings)
    assert isinstance(made, S3Storage)
    made.test_bucket = bucket  # type: ignore[attr-defined]
    return made


def _write(storage: Storage, key: str, data: bytes) -> Path:
    path = storage.local_path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _read(storage: Storage, key: str, start: int, end: int) -> bytes:
    return b"".join(storage.iter_range(key, start, end))


def test_a_committed_file_reads_back_whole_and_by_range(storage: Storage) -> None:
    data = _bytes(700_000)  # more than one read chunk
    local = _write(storage, KEY, data)
    assert storage.key_of(local) == KEY
    storage.commit(KEY)
    assert storage.size(KEY) == len(data)
    assert _read(storage, KEY, 0, len(data) - 1) == data
    assert _read(storage, KEY, 100, 199) == data[100:200]
    assert _read(storage, KEY, 300_000, 650_123) == data[300_000:650_124]
    with storage.local_copy(KEY) as copy:
        assert copy.read_bytes() == data
    if isinstance(storage, S3Storage):
        bucket: Bucket = storage.test_bucket  # type: ignore[attr-defined]
        assert bucket.keys() == [KEY] and bucket.read(KEY) == data
        # Uploaded: not kept on local disk, nor its empty folders.
        assert not local.exists() and not (storage.staging_dir / "practice").exists()
        assert storage.commit_leftover(KEY) is False  # nothing left to upload
    else:
        assert local.read_bytes() == data


def test_delete_removes_the_object_and_a_missing_one_is_none(storage: Storage) -> None:
    _write(storage, KEY, b"x" * 1000)
    storage.commit(KEY)
    storage.delete(KEY)
    assert storage.size(KEY) is None
    assert not storage.local_path(KEY).exists()
    storage.delete(KEY)  # twice is fine
    assert storage.size("practice/none.webm") is None
    if isinstance(storage, S3Storage):
        assert storage.test_bucket.keys() == []  # type: ignore[attr-defined]


def test_delete_prefix_removes_a_folder_of_objects_and_nothing_else(storage: Storage) -> None:
    for key in ("practice/1/5/answer-1.webm", "practice/1/5/answer-2.webm", "practice/1/6/answer-3.webm"):
        _write(storage, key, key.encode())
        storage.commit(key)
    _write(storage, "practice/1/5/answer-4.webm", b"still local")  # never committed (a crash)
    storage.delete_prefix("practice/1/5")
    assert storage.size("practice/1/5/answer-1.webm") is None
    assert storage.size("practice/1/5/answer-2.webm") is None
    assert not storage.local_path("practice/1/5").exists()
    assert _read(storage, "practice/1/6/answer-3.webm", 0, 100) == b"practice/1/6/answer-3.webm"
    if isinstance(storage, S3Storage):
        assert storage.test_bucket.keys() == ["practice/1/6/answer-3.webm"]  # type: ignore[attr-defined]


def test_a_file_left_locally_is_uploaded_by_commit_leftover(storage: Storage) -> None:
    """A process that died before uploading left the file on disk: recovery uploads it."""
    data = _bytes(5000)
    _write(storage, KEY, data)
    uploaded = storage.commit_leftover(KEY)
    assert storage.size(KEY) == len(data) and _read(storage, KEY, 0, 4999) == data
    if isinstance(storage, S3Storage):
        assert uploaded is True
        assert storage.test_bucket.read(KEY) == data  # type: ignore[attr-defined]
        assert not storage.local_path(KEY).exists()
    else:
        assert uploaded is False  # already where it is kept


def test_a_file_not_uploaded_yet_is_still_served_from_local_disk(storage: Storage) -> None:
    data = _bytes(3000)
    _write(storage, KEY, data)  # being written, or its upload failed
    assert storage.size(KEY) == 3000 and _read(storage, KEY, 10, 19) == data[10:20]


def test_keys_outside_the_recordings_folder_are_refused(storage: Storage) -> None:
    for key in ("../etc/passwd", "/etc/passwd", "", ".", "a/../../b"):
        with pytest.raises(ValueError):
            storage.local_path(key)


def test_an_unreachable_store_is_a_retryable_storage_error_and_the_file_stays(tmp_path: Path) -> None:
    settings = load_settings(
        data_dir=tmp_path, environment="test", storage="s3", s3_endpoint_url=f"http://127.0.0.1:{free_port()}",
        s3_bucket="nowhere", s3_access_key_id=ACCESS_KEY, s3_secret_access_key=SECRET_KEY,
    )  # fmt: skip
    storage = make_storage(settings)
    local = _write(storage, KEY, b"kept")
    with pytest.raises(StorageError) as raised:
        storage.commit(KEY)
    assert raised.value.retryable is True
    assert local.read_bytes() == b"kept"  # nothing lost: recovery or the job uploads it later


def test_a_missing_bucket_is_created_at_start_and_an_existing_one_kept(tmp_path: Path, s3_bucket: Bucket) -> None:
    def storage_for(bucket: str) -> Storage:
        return make_storage(load_settings(
            data_dir=tmp_path, environment="test", storage="s3", s3_endpoint_url=s3_bucket.server.endpoint_url,
            s3_bucket=bucket, s3_access_key_id=ACCESS_KEY, s3_secret_access_key=SECRET_KEY,
        ))  # fmt: skip

    fresh = f"{s3_bucket.name}-new"
    storage_for(fresh).prepare()
    names = {b["Name"] for b in s3_bucket.client.list_buckets()["Buckets"]}
    assert fresh in names
    existing = storage_for(s3_bucket.name)
    _write(existing, KEY, b"kept")
    existing.commit(KEY)
    existing.prepare()  # a second start
    assert s3_bucket.keys() == [KEY]


def test_s3_needs_a_bucket() -> None:
    with pytest.raises(ValueError, match="UNTACT_S3_BUCKET"):
        load_settings(environment="test", storage="s3")
    assert isinstance(make_storage(load_settings(environment="test")), LocalStorage)  # the default


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-99", (0, 99)),
        ("bytes=100-", (100, 999)),
        ("bytes=-10", (990, 999)),
        ("bytes=-5000", (0, 999)),
        ("bytes=990-5000", (990, 999)),
        ("bytes=1000-", "unsatisfiable"),
        ("bytes=-0", "unsatisfiable"),
        ("bytes=5-3", "unsatisfiable"),
        ("bytes=0-1,5-6", None),  # several ranges: the whole file
        ("items=0-1", None),
    ],
)
def test_byte_ranges(header: str | None, expected: object) -> None:
    assert byte_range(header, 1000) == expected


def test_the_api_answers_range_requests_from_either_backend(storage: Storage) -> None:
    data = _bytes(10_000)
    _write(storage, KEY, data)
    storage.commit(KEY)
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/video")
    def video() -> object:
        return private_file(storage, KEY)

    @app.get("/missing")
    def missing() -> object:
        return private_file(storage, "practice/none.webm")

    with TestClient(app) as client:
        whole = client.get("/video")
        assert whole.status_code == 200 and whole.content == data
        assert whole.headers["accept-ranges"] == "bytes" and whole.headers["cache-control"] == "private, no-store"
        part = client.get("/video", headers={"Range": "bytes=1000-1999"})
        assert part.status_code == 206 and part.content == data[1000:2000]
        assert part.headers["content-range"] == "bytes 1000-1999/10000"
        tail = client.get("/video", headers={"Range": "bytes=-100"})
        assert tail.status_code == 206 and tail.content == data[-100:]
        past = client.get("/video", headers={"Range": "bytes=10000-"})
        assert past.status_code == 416 and past.headers["content-range"] == "bytes */10000"
        missing_reply = client.get("/missing")
        assert missing_reply.status_code == 404 and missing_reply.json()["error"]["code"] == "recording_not_found"


def test_a_video_asked_for_while_the_store_is_down_gets_a_typed_retryable_503(tmp_path: Path) -> None:
    storage = make_storage(load_settings(
        data_dir=tmp_path, environment="test", storage="s3", s3_endpoint_url=f"http://127.0.0.1:{free_port()}",
        s3_bucket="nowhere", s3_access_key_id=ACCESS_KEY, s3_secret_access_key=SECRET_KEY,
    ))  # fmt: skip
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/video")
    def video() -> object:
        return private_file(storage, KEY)

    with TestClient(app) as client:
        reply = client.get("/video", headers={"Accept": "application/json"})
    assert reply.status_code == 503 and reply.headers["retry-after"] == "30"
    assert reply.json()["error"]["code"] == "storage_unavailable"
    assert reply.json()["error"]["message"] == "녹화 저장소에 연결할 수 없습니다. 잠시 후 다시 시도하세요."
