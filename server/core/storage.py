"""Where recordings and intro videos are kept: one interface, a backend per deployment.

Every stored file has a key, its path below the recordings directory as a POSIX string (the
`recording_path` and `intro_video_path` columns). Files are always written locally first,
at `local_path(key)` (the recorder keeps writing a plain file while an answer is recorded,
an upload is streamed to disk), and `commit(key)` makes the closed file the stored object:

- `LocalStorage` (``UNTACT_STORAGE=local``, the default): the file stays where it was written.
- `S3Storage` (``UNTACT_STORAGE=s3``): any S3-compatible store (MinIO, AWS S3, ...). `commit`
  uploads the file and removes the local copy, so the recordings directory only holds files
  being written and files whose upload has not happened yet (a crash, the store unreachable);
  recovery and the analysis jobs upload those (`commit_leftover`).

Reads go through the API (`server/core/files.py` answers Range requests from `size` and
`iter_range`), so access checks and `Cache-Control: no-store` stay in one place for both
backends. See docs/storage.md.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from server.core.config import Settings

log = logging.getLogger("untact.storage")

CHUNK_BYTES = 256 * 1024


class StorageError(Exception):
    """The object store failed (unreachable, refused): retryable, the local file is kept."""

    code = "storage_unavailable"
    retryable = True


def check_key(key: str) -> str:
    """A key is a relative path below the recordings directory, without `..`."""
    path = PurePosixPath(key)
    if not key or path.as_posix() == "." or path.is_absolute() or ".." in path.parts or "\\" in key:
        raise ValueError(f"not a storage key: {key!r}")
    return path.as_posix()


class Storage(ABC):
    """Recordings and intro videos by key; written at `local_path(key)`, then `commit(key)`."""

    name: str
    stages_files: bool = False  # whether committed files leave the staging directory

    def __init__(self, staging_dir: Path) -> None:
        self.staging_dir = Path(staging_dir)

    def prepare(self) -> None:
        """At a process's start: make sure files can be stored (logs, never raises: recording
        still works locally while the store is unreachable, and uploads are retried)."""
        self.staging_dir.mkdir(parents=True, exist_ok=True)

    def local_path(self, key: str) -> Path:
        """Where the file of `key` is written (and, for local storage, kept)."""
        return self.staging_dir / check_key(key)

    def key_of(self, path: Path | str) -> str:
        """The key of a file written below the staging directory."""
        return check_key(Path(path).relative_to(self.staging_dir).as_posix())

    @abstractmethod
    def commit(self, key: str) -> None:
        """The closed local file of `key` becomes the stored object; nothing to do when there is
        no local file (none was written, or it is stored already). Raises `StorageError`."""

    def commit_leftover(self, key: str) -> bool:
        """Commit what is left locally of `key` (after a crash, a failed upload); whether
        there was anything. Nothing to do for local storage."""
        return False

    @abstractmethod
    def size(self, key: str) -> int | None:
        """The stored object's size in bytes; None when there is none."""

    @abstractmethod
    def iter_range(self, key: str, start: int, end: int) -> Iterator[bytes]:
        """Bytes `start` to `end` (inclusive) of the stored object, in chunks."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object and any local copy; nothing happens when there is none."""

    @abstractmethod
    def delete_prefix(self, prefix: str) -> None:
        """Remove every object below the folder `prefix` (and the local folder)."""

    @contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        """A local file with the object's bytes, for the whole-file analysis."""
        yield self.local_path(key)

    def _remove_local(self, key: str) -> None:
        path = self.local_path(key)
        path.unlink(missing_ok=True)
        _prune_empty_parents(path.parent, self.staging_dir)


def _prune_empty_parents(directory: Path, root: Path) -> None:
    """Remove empty folders from `directory` up to (not including) `root`."""
    root = root.resolve()
    current = directory.resolve()
    while current != root and root in current.parents:
        try:
            current.rmdir()
        except OSError:  # not empty, or already gone
            return
        current = current.parent


def _read_file_range(path: Path, start: int, end: int) -> Iterator[bytes]:
    with path.open("rb") as handle:
        handle.seek(start)
        left = end - start + 1
        while left > 0:
            chunk = handle.read(min(CHUNK_BYTES, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk


class LocalStorage(Storage):
    """Files stay in the recordings directory (one node, or a shared volume)."""

    name = "local"

    def commit(self, key: str) -> None:
        check_key(key)  # the file is where it was written

    def size(self, key: str) -> int | None:
        path = self.local_path(key)
        return path.stat().st_size if path.is_file() else None

    def iter_range(self, key: str, start: int, end: int) -> Iterator[bytes]:
        return _read_file_range(self.local_path(key), start, end)

    def delete(self, key: str) -> None:
        self.local_path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> None:
        directory = self.local_path(prefix)
        if directory.is_dir():
            shutil.rmtree(directory)


class S3Storage(Storage):
    """Objects in one bucket of an S3-compatible store; files are staged locally until committed."""

    name = "s3"
    stages_files = True

    def __init__(self, staging_dir: Path, client: Any, bucket: str) -> None:
        super().__init__(staging_dir)
        self.client = client
        self.bucket = bucket

    def prepare(self) -> None:
        """Create the bucket when it does not exist (a fresh MinIO); an existing one is used as is."""
        super().prepare()
        from botocore.exceptions import ClientError

        try:
            self._call("head bucket", self.client.head_bucket, Bucket=self.bucket)
            return
        except ClientError:
            pass  # missing
        except StorageError as exc:
            log.warning("the object store is unreachable", extra={"bucket": self.bucket, "error": str(exc)})
            return
        try:
            region = self.client.meta.region_name
            where = {} if region in (None, "us-east-1") else {"CreateBucketConfiguration": {"LocationConstraint": region}}
            self._call("create bucket", self.client.create_bucket, Bucket=self.bucket, **where)
            log.info("bucket created", extra={"bucket": self.bucket})
        except (ClientError, StorageError) as exc:
            log.warning("could not create the bucket", extra={"bucket": self.bucket, "error": str(exc)})

    def _call(self, what: str, fn: Any, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return fn(**kwargs)
        except ClientError as exc:
            if _is_missing(exc):
                raise
            raise StorageError(f"{what}: {exc}") from exc
        except BotoCoreError as exc:  # connection refused, timeouts, ...
            raise StorageError(f"{what}: {exc}") from exc

    def commit(self, key: str) -> None:
        path = self.local_path(key)
        if not path.is_file():
            return
        self._call("upload", self.client.upload_file, Filename=str(path), Bucket=self.bucket, Key=check_key(key))
        self._remove_local(key)
        log.info("uploaded", extra={"key": key, "bucket": self.bucket})

    def commit_leftover(self, key: str) -> bool:
        if not self.local_path(key).is_file():
            return False
        self.commit(key)
        return True

    def size(self, key: str) -> int | None:
        from botocore.exceptions import ClientError

        try:
            head = self._call("head", self.client.head_object, Bucket=self.bucket, Key=check_key(key))
        except ClientError:  # missing
            local = self.local_path(key)  # not uploaded yet (being written, or the upload failed)
            return local.stat().st_size if local.is_file() else None
        return int(head["ContentLength"])

    def iter_range(self, key: str, start: int, end: int) -> Iterator[bytes]:
        from botocore.exceptions import ClientError

        try:
            reply = self._call(
                "get", self.client.get_object, Bucket=self.bucket, Key=check_key(key), Range=f"bytes={start}-{end}"
            )
        except ClientError:
            return _read_file_range(self.local_path(key), start, end)
        return _stream_body(reply["Body"])

    def delete(self, key: str) -> None:
        self._remove_local(key)
        self._call("delete", self.client.delete_object, Bucket=self.bucket, Key=check_key(key))

    def delete_prefix(self, prefix: str) -> None:
        folder = check_key(prefix).rstrip("/") + "/"
        paginator = self.client.get_paginator("list_objects_v2")
        pages = self._call("list", paginator.paginate, Bucket=self.bucket, Prefix=folder)
        try:
            for page in pages:
                keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
                if keys:
                    self._call(
                        "delete", self.client.delete_objects, Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True}
                    )
        except Exception as exc:
            if isinstance(exc, StorageError):
                raise
            raise StorageError(f"delete {folder}: {exc}") from exc
        directory = self.local_path(prefix)
        if directory.is_dir():
            shutil.rmtree(directory)

    @contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        local = self.local_path(key)
        if local.is_file():  # not uploaded yet: no need to fetch it
            yield local
            return
        self.staging_dir.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=".download-", suffix=Path(key).suffix, dir=self.staging_dir)
        os.close(handle)
        try:
            from botocore.exceptions import ClientError

            try:
                self._call("download", self.client.download_file, Bucket=self.bucket, Key=check_key(key), Filename=name)
            except ClientError:
                Path(name).unlink(missing_ok=True)  # missing: the analysis reports the file as unreadable
            yield Path(name)
        finally:
            Path(name).unlink(missing_ok=True)


def _stream_body(body: Any) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(CHUNK_BYTES)
    finally:
        body.close()


def _is_missing(exc: Any) -> bool:
    code = str(exc.response.get("Error", {}).get("Code", ""))
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code in ("404", "NoSuchKey", "NotFound") or status == 404


def make_storage(settings: Settings) -> Storage:
    """The storage `settings` name (`UNTACT_STORAGE`)."""
    if getattr(settings, "storage", "local") == "local":  # (jobs' tests pass a settings stand-in)
        return LocalStorage(settings.recordings_dir)
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url or None,
        region_name=settings.s3_region,
        aws_access_key_id=settings.s3_access_key_id or None,  # empty: boto3's own credential chain
        aws_secret_access_key=settings.s3_secret_access_key or None,
        config=Config(
            retries={"max_attempts": 5, "mode": "standard"},
            connect_timeout=10,
            read_timeout=60,
            s3={"addressing_style": "path" if settings.s3_endpoint_url else "auto"},
        ),
    )
    return S3Storage(settings.recordings_dir, client, settings.s3_bucket)


def storage_of(services: Mapping[str, Any]) -> Storage:
    """A job's storage: the worker's, or (workers built without one) one from its settings."""
    storage: Storage | None = services.get("storage")
    return storage if storage is not None else make_storage(services["settings"])


__all__ = ["LocalStorage", "S3Storage", "Storage", "StorageError", "make_storage", "storage_of"]
