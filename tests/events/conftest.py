"""People in each role (shared with the careers tests) and a published event with two booths."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tests.careers.conftest import create_posting, people, save_profile  # noqa: F401  (fixture)


def future(hours: float) -> dt.datetime:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)).replace(microsecond=0)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


@pytest.fixture
def fair(people) -> Callable[..., dict[str, Any]]:  # noqa: F811
    """`fair(slots=[hours from now, ...])`: a consultant's published meeting day with one booth
    (a company and its posting) whose slots start at those times; returns the people and ids."""

    def make(slot_hours: tuple[float, ...] = (24,), minutes: int = 20, tag: str = "a") -> dict[str, Any]:
        consultant = people("consultant", f"con-{tag}@events.kr", name="박상담")
        employer = people("employer", f"emp-{tag}@events.kr", name="이채용", company=f"가나물류-{tag}")
        posting = create_posting(employer, title="물류 관리 사무원")
        event = ok(consultant.send_json("POST", "/api/events", {
            "kind": "meeting_day", "title": "12월 구인·구직 만남의 날",
            "starts_at": future(20).isoformat(), "ends_at": future(30).isoformat(), "status": "published",
        }), 201)
        booth = ok(consultant.send_json("POST", f"/api/events/{event['id']}/booths", {
            "company_id": employer.user["company_id"], "posting_id": posting["id"],
        }), 201)
        slots = []
        for hours in slot_hours:
            made = ok(consultant.send_json("POST", f"/api/events/booths/{booth['id']}/slots", {
                "starts_at": future(hours).isoformat(), "count": 1, "minutes": minutes,
            }), 201)
            slots += [s["id"] for s in made["slots"]]
        return {"consultant": consultant, "employer": employer, "posting": posting, "event": event,
                "booth": booth, "slots": slots}

    return make
