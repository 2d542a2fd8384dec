"""TURN credentials for browsers (TURN REST API scheme, as coturn's --use-auth-secret checks)."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from server.core.ice import browser_ice_servers, server_ice_servers, turn_credentials

pytestmark = pytest.mark.unit

URLS = "stun:stun.example.kr:3478, turn:turn.example.kr:3478?transport=udp,turns:turn.example.kr:5349"


def test_browsers_get_stun_as_is_and_turn_with_expiring_hmac_credentials() -> None:
    servers = browser_ice_servers(URLS, "s3cret", "user-7", ttl_s=3600, now=1_800_000_000)
    assert servers[0] == {"urls": ["stun:stun.example.kr:3478"]}
    turn = servers[1]
    assert turn["urls"] == ["turn:turn.example.kr:3478?transport=udp", "turns:turn.example.kr:5349"]
    assert turn["username"] == "1800003600:user-7"
    expected = base64.b64encode(hmac.new(b"s3cret", b"1800003600:user-7", hashlib.sha1).digest()).decode()
    assert turn["credential"] == expected
    # another user or another secret gives another password
    assert turn_credentials("s3cret", "user-8", ttl_s=3600, now=1_800_000_000)[1] != expected
    assert turn_credentials("other", "user-7", ttl_s=3600, now=1_800_000_000)[1] != expected


def test_without_a_secret_turn_is_left_out_and_the_server_keeps_stun_only() -> None:
    assert browser_ice_servers(URLS, "", "user-7", ttl_s=60) == [{"urls": ["stun:stun.example.kr:3478"]}]
    assert browser_ice_servers("", "s3cret", "user-7", ttl_s=60) == []
    (server,) = server_ice_servers(URLS)
    assert server.urls == ("stun:stun.example.kr:3478",) and server.username is None
    assert server_ice_servers("turn:only.example.kr") == ()


def test_the_api_hands_a_logged_in_user_their_own_credentials(make_settings) -> None:  # type: ignore[no-untyped-def]
    from server.app import create_app
    from tests.conftest import ApiClient

    app = create_app(
        make_settings(ice_servers="turn:turn.example.kr:3478", turn_secret="s3cret", turn_ttl_s=600)
    )
    with ApiClient(app, base_url="http://testserver", raise_server_exceptions=False) as client:
        _check_api(client)


def _check_api(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/ice-servers").status_code == 401
    user_id = client.signup("seeker", "ice@x.kr", name="아이스")["id"]
    body = client.get("/api/ice-servers").json()
    assert body["ttl_s"] == 600
    (turn,) = body["ice_servers"]
    assert turn["username"].endswith(f":user-{user_id}")
    expected = base64.b64encode(
        hmac.new(b"s3cret", turn["username"].encode(), hashlib.sha1).digest()
    ).decode()
    assert turn["credential"] == expected
