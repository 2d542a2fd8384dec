"""동행면접: the seeker's own consultant joins a live room as a visible companion when asked,
without interviewer powers or access to notes; other consultants get nothing."""

from __future__ import annotations

import pytest

from server.accounts.security import open_session
from server.accounts.service import ensure_user
from server.core.db import session_scope
from server.models import ConsultantAssignment, Role

pytestmark = pytest.mark.unit


def _consultant(app, make_client, email: str):
    client = make_client()
    with session_scope(app.state.sessionmaker) as db:
        user, _ = ensure_user(db, email=email, password="consult-pass-1", role=Role.CONSULTANT,
                              display_name="상담사", company_name=None)
        client.cookies.set("untact_session", open_session(db, user, 3600))
        return client, user.id


def test_the_assigned_consultant_joins_as_a_companion_only_when_asked(app_client, make_client) -> None:
    employer = app_client
    employer.signup("employer", "comp@a.kr", company_name="동행컴퍼니", name="면접관")
    seeker = make_client()
    seeker_id = seeker.signup("seeker", "comp-seeker@x.kr", name="지원자")["id"]
    mine, mine_id = _consultant(employer.app, make_client, "mine@centre.kr")
    other, _ = _consultant(employer.app, make_client, "other@centre.kr")
    with session_scope(employer.app.state.sessionmaker) as db:
        db.add(ConsultantAssignment(seeker_id=seeker_id, consultant_id=mine_id, centre="서울"))
    inv = employer.send_json("POST", "/api/interviews/invitations", {
        "seeker_email": "comp-seeker@x.kr", "kind": "live", "scheduled_at": "2030-06-01T10:00:00"}).json()
    token_url = f"/api/interviews/invitations/{inv['id']}/room-token"

    seeker.send_json("POST", f"/api/interviews/invitations/{inv['id']}/respond", {"action": "accept"})
    assert mine.send_json("POST", token_url).status_code == 404  # no companion asked for
    seeker.send_json("POST", f"/api/interviews/invitations/{inv['id']}/respond",
                     {"action": "reschedule", "note": "동행 상담사와 함께 하고 싶습니다"})
    employer.send_json("POST", f"/api/interviews/invitations/{inv['id']}/status",
                       {"status": "invited", "scheduled_at": "2030-06-02T10:00:00"})
    accepted = seeker.send_json("POST", f"/api/interviews/invitations/{inv['id']}/respond",
                                {"action": "accept", "companion": True}).json()
    assert accepted["companion_requested"] is True
    assert employer.get(f"/api/interviews/invitations/{inv['id']}").json()["companion_requested"] is True

    grant = mine.send_json("POST", token_url)
    assert grant.status_code == 200 and grant.json()["role"] == "companion"
    assert grant.json()["grants"] == {"publish": True, "subscribe": True, "admit": False, "record": False}
    assert other.send_json("POST", token_url).status_code == 404
    # No notes, scorecards or reviews for a companion.
    for url in (f"/api/interviews/invitations/{inv['id']}/scorecard", f"/api/interviews/invitations/{inv['id']}/review"):
        assert mine.get(url).status_code == 403
    assert mine.get(f"/interviews/{inv['id']}/room").status_code == 200
    assert "private-notes" not in mine.get(f"/interviews/{inv['id']}/room").text

    with mine.websocket_connect(f"/ws/interviews/{inv['id']}/room?token={grant.json()['token']}") as ws:
        hello = ws.receive_json()
        assert hello["role"] == "companion" and hello["state"] == "lobby"
        # Neither recording nor captions are a companion's to turn on.
        for request in ({"type": "start_recording"}, {"type": "captions", "on": True}):
            ws.send_json(request)
            for _ in range(10):
                message = ws.receive_json()
                if message["type"] == "error":
                    break
            assert message["code"] == "not_allowed", request
        assert hello["captions"] is False and hello["screen_sharer"] is None
