"""People in each role (shared with the careers and events tests) for the outreach tests."""

from __future__ import annotations

from tests.careers.conftest import create_posting, people, save_profile  # noqa: F401  (fixtures)
from tests.events.conftest import fair, future, ok  # noqa: F401
