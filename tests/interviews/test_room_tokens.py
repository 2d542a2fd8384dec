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


def test_a_token_alone_opens_the_room_socket_for_a_seated_person_only(app_client, make_client) -> None:
    """A media node on another host gets no login cookie: the token opens the socket after a
    membership check, and whenever a token is sent it decides over an ambient cookie."""
    employer, seeker, stranger, inv, _other = _live_invitation(app_client, make_client)
    url = f"/ws/interviews/{inv['id']}/room"
    grant = employer.send_json("POST", f"/api/interviews/invitations/{inv['id']}/room-token").json()
    secret = app_client.app.state.settings.secret_key
    anonymous = make_client()  # no cookie, as on a media node at another host
    with anonymous.websocket_connect(f"{url}?token={grant['token']}", headers={"Origin": "https://api.centre.kr"}) as ws:
        hello = ws.receive_json()
        assert hello["type"] == "hello" and hello["role"] == "interviewer"
    # A well-signed token for someone without a seat (the stranger) or with the wrong role opens nothing.
    stranger_token, _ = issue_room_token(secret, room=f"interview-{inv['id']}", user_id=_user_id(app_client, "room-stranger@x.kr"),
                                         name="남", role="candidate", grants=RoomGrants())
    assert _close_code(anonymous, f"{url}?token={stranger_token}") == 4498
    seeker_as_host, _ = issue_room_token(secret, room=f"interview-{inv['id']}", user_id=_user_id(app_client, "room-seeker@x.kr"),
                                         name="지원자", role="interviewer", grants=RoomGrants(admit=True, record=True))
    seeker.send_json("POST", f"/api/interviews/invitations/{inv['id']}/respond", {"action": "accept"})
    assert _close_code(anonymous, f"{url}?token={seeker_as_host}") == 4498  # their seat is candidate
    # Cross-site with the employer's cookie: a junk token does not fall back to the cookie.
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        employer.websocket_connect(f"{url}?token=junk", headers={"Origin": "https://evil.example"}),
    ):
        pass
    assert refused.value.code == 4498
    stranger.close()


def test_an_answer_session_token_opens_only_its_own_session(app_client, make_client) -> None:
    from server.answers.placement import ANSWER_TOKEN_ROLE, ANSWER_TOKEN_TTL_S, practice_room

    owner = app_client
    owner.signup("seeker", "owner@x.kr", name="주인")
    version = owner.get("/api/practice/consent").json()["version"]
    owner.send_json("POST", "/api/practice/consent", {"version": version})
    session = owner.send_json("POST", "/api/practice/sessions", {"source": "field", "field": "it_dev"}).json()
    other = owner.send_json("POST", "/api/practice/sessions", {"source": "field", "field": "it_dev"}).json()
    intruder = make_client()
    intruder.signup("seeker", "intruder@x.kr", name="남")
    secret = app_client.app.state.settings.secret_key
    owner_id = _user_id(app_client, "owner@x.kr")

    def token(room: str, role: str = ANSWER_TOKEN_ROLE) -> str:
        return issue_room_token(secret, room=room, user_id=owner_id, name="주인", role=role, grants=RoomGrants(),
                                ttl_s=ANSWER_TOKEN_TTL_S)[0]

    def code(client, session_id: int, query: str, origin: str = "https://api.centre.kr") -> int:
        try:
            with client.websocket_connect(f"/ws/practice/{session_id}{query}", headers={"Origin": origin}) as ws:
                assert ws.receive_json()["type"] == "hello"
                return 0
        except WebSocketDisconnect as exc:
            return exc.code

    anonymous = make_client()
    good = token(practice_room(session["id"]))
    assert code(anonymous, session["id"], f"?token={good}") == 0  # the token alone, from the API node's page
    assert code(owner, session["id"], f"?token={good}") == 0  # with the owner's own cookie, from another origin
    assert code(anonymous, other["id"], f"?token={good}") == 4401  # another session's token
    assert code(anonymous, session["id"], f"?token={token(practice_room(session['id']), 'interviewer')}") == 4401
    assert code(intruder, session["id"], f"?token={good}") == 4401  # a token with someone else's cookie
    assert code(owner, session["id"], "?token=junk", origin="https://evil.example") == 4401  # never the cookie
    assert code(owner, session["id"], "", origin="https://evil.example") == 4403  # cookie alone, cross-site: as before
    # Without placement the runner page keeps its path and needs no token.
    page = owner.get(f"/practice/{session['id']}")
    assert f'"ws_url": "/ws/practice/{session["id"]}"' in page.text and '"ws_token": null' in page.text
