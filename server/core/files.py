"""Serving stored recordings to the people allowed to see them (access is checked by the caller).

One path for every backend (server/core/storage.py): the API streams the object and answers a
single Range request with 206 and the bytes asked for, which players use to seek. A request
for several ranges gets the whole file (RFC 9110 lets a server ignore Range)."""

from __future__ import annotations

import re

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from server.core.errors import NotFound
from server.core.storage import Storage

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def byte_range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """(start, end inclusive) for a satisfiable single range, None to send the whole file,
    "unsatisfiable" for a range past the end."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if match is None:
        return None  # several ranges or not bytes: ignored
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        length = int(last)
        if length == 0:
            return "unsatisfiable"
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        return "unsatisfiable"
    return start, end


class StoredFileResponse(Response):
    """The stored object of `key`, whole (200) or the range the request asks for (206)."""

    def __init__(self, storage: Storage, key: str, size: int, *, media_type: str) -> None:
        super().__init__(media_type=media_type, headers={"Cache-Control": "private, no-store", "Accept-Ranges": "bytes"})
        self.storage = storage
        self.key = key
        self.size = size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or [])
        wanted = byte_range(headers.get(b"range", b"").decode("latin-1"), self.size)
        if wanted == "unsatisfiable":
            self.status_code = 416
            self.headers["content-range"] = f"bytes */{self.size}"
            self.headers["content-length"] = "0"
            await send({"type": "http.response.start", "status": 416, "headers": self.raw_headers})
            await send({"type": "http.response.body", "body": b""})
            return
        if wanted is None:
            start, end, status = 0, self.size - 1, 200
        else:
            assert isinstance(wanted, tuple)
            (start, end), status = wanted, 206
            self.headers["content-range"] = f"bytes {start}-{end}/{self.size}"
        self.headers["content-length"] = str(max(0, end - start + 1))
        await send({"type": "http.response.start", "status": status, "headers": self.raw_headers})
        if scope.get("method") != "HEAD" and self.size > 0:
            chunks = await run_in_threadpool(self.storage.iter_range, self.key, start, end)  # S3: opens the GET
            async for chunk in iterate_in_threadpool(chunks):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})


def private_file(
    storage: Storage,
    key: str | None,
    *,
    media_type: str = "video/webm",
    not_found: str = "recording_not_found",
) -> StoredFileResponse:
    """The stored file of `key`, never cached by shared caches; ``404 not_found`` when there is
    no key or no stored file."""
    size = storage.size(key) if key else None
    if not key or size is None:
        raise NotFound(not_found)
    return StoredFileResponse(storage, key, size, media_type=media_type)
