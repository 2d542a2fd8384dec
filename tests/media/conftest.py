"""Markers and fixtures for media tests (helpers live in media_testkit.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

# `tests.mediakit` (the shared test-media builder) is imported from the repo root,
# whether pytest runs as `pytest` or `python -m pytest`.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from media_testkit import synthetic_frames  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "media: needs aiortc/PyAV media processing")
    config.addinivalue_line("markers", "browser: drives a real Chromium")


@pytest.fixture(scope="session")
def frames_640() -> list[np.ndarray]:
    return synthetic_frames(30, (640, 480))
