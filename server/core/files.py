"""Serving stored recordings to the people allowed to see them (access is checked by the caller)."""

from __future__ import annotations

from pathlib import Path

from fastapi.responses import FileResponse

from server.core.errors import NotFound


def private_file(
    recordings_dir: Path | str,
    relative_path: str | None,
    *,
    media_type: str = "video/webm",
    not_found: str = "recording_not_found",
) -> FileResponse:
    """The file at ``relative_path`` under the recordings directory, never cached by shared
    caches; ``404 not_found`` when there is no path or the file is gone. FileResponse answers
    Range requests (206), which players use to seek."""
    path = Path(recordings_dir) / (relative_path or "")
    if not relative_path or not path.is_file():
        raise NotFound(not_found)
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "private, no-store"})
