"""Room tokens: signed, short-lived, bound to one room and one person; refused in the WebSocket
handshake (before any message, so before any SDP) when missing, tampered, expired, `alg=none`
or for another room."""

from __future__ import annotations

import base64
import json

import pytest
from starlette.websockets import WebSocketDisconnect

from server.interviews.tokens import RoomGrants, RoomTokenError, issue_room_token, verify_room_token

pytestmark = pytest.mark.unit

SECRET = "s" * 40


def _token(room: str = "interview-1", **kwargs) -> str:
    token, _ = issue_room_token(SECRET, room=room, user_id=7, name="김면접", role="interviewer",
                                grants=RoomGrants(admit=True, record=True), **kwargs)
    return token


def _b64(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def _refused(token: str, room: str = "interview-1", now: float | None = None) -> str:
    with pytest.raises(RoomTokenError) as info:
        verify_room_token(SECRET, token, room=room, now=now)
    return info.value.code


def test_a_valid_token_carries_room_identity_and_grants() -> None:
    claims = verify_room_token(SECRET, _token(), room="interview-1")
    assert (claims.room, claims.user_id, claims.identity, claims.name) == ("interview-1", 7, "user-7", "김면접")
    assert claims.grants == RoomGrants(publish=True, subscribe=True, admit=True, record=True)


def test_bad_tokens_are_refused_with_a_reason() -> None:
    token = _token()
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert _refused(token, room="interview-2") == "token_wrong_room"
    assert _refused(_token(ttl_s=60, now=1_000), now=1_000 + 3600) == "token_expired"
    assert _refused(_token(now=10_000_000_000)) == "token_not_yet_valid"
    elevated = _b64({**claims, "room": "interview-2"})
    assert _refused(f"{header}.{elevated}.{signature}", room="interview-2") == "token_bad_signature"
    assert _refused(f"{header}.{payload}.{signature[:-2]}AA") == "token_bad_signature"
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}."
    assert _refused(unsigned) == "token_bad_algorithm"
    assert _refused(f"{_b64({'alg': 'HS512', 'typ': 'JWT'})}.{payload}.{signature}") == "token_bad_algorithm"
    assert verify_room_token(SECRET, token, room="interview-1").room == "interview-1"
    other_secret = issue_room_token("x" * 40, room="interview-1", user_id=7, name="a", role="candidate",
                                    grants=RoomGrants())[0]
    assert _refused(other_secret) == "token_bad_signature"
    for junk in ("", "a.b", "a.b.c.d", "!!!.???.***"):
        assert _refused(junk) in ("token_missing", "token_malformed", "token_bad_algorithm")


def _live_invitation(app_client, make_client):
    employer = app_client
    employer.signup("employer", "room@a.kr", company_name="룸컴퍼니", name="면접관")
    seeker = make_client()
    seeker.signup("seeker", "room-seeker@x.kr", name="지원자")
    stranger = make_client()
    stranger.signup("seeker", "room-stranger@x.kr", name="남")
    inv = employer.send_json("POST", "/api/interviews/invitations", {
        "seeker_email": "room-seeker@x.kr", "kind": "live", "scheduled_at": "2030-01-01T10:00:00"}).json()
    other = employer.send_json("POST", "/api/interviews/invitations", {
        "seeker_email": "room-stranger@x.kr", "kind": "live", "scheduled_at": "2030-01-01T11:00:00"}).json()
    return employer, seeker, stranger, inv, other


def _close_code(client, url: str) -> int:
    try:
        with client.websocket_connect(url) as ws:
            hello = ws.receive_json()
            assert hello["type"] == "hello"
            return 0
    except WebSocketDisconnect as exc:
        return exc.code


def test_the_room_socket_refuses_bad_tokens_in_the_handshake(app_client, make_client) -> None:
    employer, seeker, stranger, inv, other = _live_invitation(app_client, make_client)
    url = f"/ws/interviews/{inv['id']}/room"
    # The seeker must accept before they get a token.
    early = seeker.send_json("POST", f"/api/interviews/invitations/{inv['id']}/room-token")
    assert early.status_code == 409 and early.json()["error"]["code"] == "interview_not_open"
    seeker.send_json("POST", f"/api/interviews/invitations/{inv['id']}/respond", {"action": "accept"})
    seeker_grant = seeker.send_json("POST", f"/api/interviews/invitations/{inv['id']}/room-token").json()
    assert seeker_grant["grants"] == {"publish": True, "subscribe": True, "admit": False, "record": False}
    employer_grant = employer.send_json("POST", f"/api/interviews/invitations/{inv['id']}/room-token").json()
    assert employer_grant["grants"]["admit"] and employer_grant["grants"]["record"]
    # The stranger cannot get a token for this room, and their own room's token does not open it.
    assert stranger.send_json("POST", f"/api/interviews/invitations/{inv['id']}/room-token").status_code == 404
    stranger.send_json("POST", f"/api/interviews/invitations/{other['id']}/respond", {"action": "accept"})
    other_grant = stranger.send_json("POST", f"/api/interviews/invitations/{other['id']}/room-token").json()

    assert _close_code(seeker, url) == 4498  # no token
    assert _close_code(stranger, f"{url}?token={other_grant['token']}") == 4498  # another room
    assert _close_code(stranger, f"{url}?token={seeker_grant['token']}") == 4498  # someone else's token
    header, payload, _ = seeker_grant["token"].split(".")
    assert _close_code(seeker, f"{url}?token={_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.") == 4498
    assert _close_code(seeker, f"{url}?token={header}.{payload}.AAAA") == 4498
    expired, _ = issue_room_token(app_client.app.state.settings.secret_key, room=f"interview-{inv['id']}",
                                  user_id=_user_id(app_client, "room-seeker@x.kr"),
                                  name="지원자", role="candidate", grants=RoomGrants(), ttl_s=1, now=1_000)
    assert _close_code(seeker, f"{url}?token={expired}") == 4498

    # A valid token gets in: the candidate lands in the lobby, where they cannot offer media, chat,
    # admit themselves or record. (Admission, chat and media between two people are covered by the
    # two-Chromium test against the real server: TestClient runs each client's socket on its own loop.)
    with employer.websocket_connect(f"{url}?token={employer_grant['token']}") as interviewer:
        hello = interviewer.receive_json()
        assert hello["state"] == "admitted" and hello["role"] == "interviewer" and hello["room"] == f"interview-{inv['id']}"
        interviewer.send_json({"type": "start_recording"})
        assert _next(interviewer, "error")["code"] == "consent_required"
        interviewer.send_json({"type": "admit", "identity": "user-999"})
        assert _next(interviewer, "error")["code"] == "not_in_lobby"
        interviewer.send_json({"type": "wormhole"})
        assert _next(interviewer, "error")["code"] == "unknown_type"
        interviewer.send_json({"type": "ping"})
        assert _next(interviewer, "pong")["type"] == "pong"
    with seeker.websocket_connect(f"{url}?token={seeker_grant['token']}") as candidate:
        hello = candidate.receive_json()
        assert hello["state"] == "lobby" and hello["role"] == "candidate" and hello["consent"] is False
        candidate.send_json({"type": "offer", "sdp": "v=0"})
        assert _next(candidate, "error")["code"] == "not_admitted"
        candidate.send_json({"type": "admit", "identity": hello["identity"]})
        assert _next(candidate, "error")["code"] == "not_allowed"
        candidate.send_json({"type": "chat", "text": "hi"})
        assert _next(candidate, "error")["code"] == "not_admitted"
        candidate.send_json({"type": "start_recording"})
        assert _next(candidate, "error")["code"] == "not_allowed"
        candidate.send_json({"type": "consent", "recording": True})
        assert _next(candidate, "consent")["recording"] is True
    with app_client.app.state.sessionmaker() as db:
        from server.models.interviews import InterviewInvitation

        assert db.get(InterviewInvitation, inv["id"]).recording_consent_at is not None


def _next(ws, wanted: str) -> dict:
    for _ in range(20):
        message = ws.receive_json()
        if message["type"] == wanted:
            return message
    raise AssertionError(f"no {wanted}")


def _user_id(client, email: str) -> int:
    from sqlalchemy import select

    from server.models import User

    with client.app.state.sessionmaker() as db:
        return db.scalar(select(User.id).where(User.email == email))
