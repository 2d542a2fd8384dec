"""STUN/TURN servers for WebRTC, and short-lived TURN credentials for browsers.

`UNTACT_ICE_SERVERS` lists STUN/TURN URLs. Browsers get all of them; TURN URLs come with
credentials in the "TURN REST API" scheme that coturn checks with `--use-auth-secret
--static-auth-secret=...`: the username is `<expiry unix time>:<who>` and the password is
base64(HMAC-SHA1(secret, username)). Nothing is stored, and a leaked credential stops working
when it expires. Without `UNTACT_TURN_SECRET`, TURN URLs are left out (a browser cannot use
them without credentials).

The server's own aiortc peers get the STUN URLs only: the media server is reachable on its own
address, and it is the browsers behind strict NATs or firewalls that need a relay.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from media import IceServer

TURN_SCHEMES = ("turn:", "turns:")


def _urls(value: str) -> list[str]:
    return [u.strip() for u in value.split(",") if u.strip()]


def server_ice_servers(value: str) -> tuple[IceServer, ...]:
    """The STUN URLs of ``UNTACT_ICE_SERVERS``, for the server's own peers."""
    stun = tuple(u for u in _urls(value) if not u.lower().startswith(TURN_SCHEMES))
    return (IceServer(urls=stun),) if stun else ()


def turn_credentials(secret: str, who: str, *, ttl_s: int, now: float | None = None) -> tuple[str, str]:
    """``(username, credential)`` valid for ``ttl_s`` seconds from ``now``."""
    expiry = int((now if now is not None else time.time()) + ttl_s)
    username = f"{expiry}:{who}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def browser_ice_servers(
    value: str, turn_secret: str, who: str, *, ttl_s: int, now: float | None = None
) -> list[dict[str, Any]]:
    """``RTCPeerConnection({iceServers})`` entries for one user: STUN as is, TURN with
    credentials (or left out when there is no secret)."""
    urls = _urls(value)
    stun = [u for u in urls if not u.lower().startswith(TURN_SCHEMES)]
    turn = [u for u in urls if u.lower().startswith(TURN_SCHEMES)]
    servers: list[dict[str, Any]] = []
    if stun:
        servers.append({"urls": stun})
    if turn and turn_secret:
        username, credential = turn_credentials(turn_secret, who, ttl_s=ttl_s, now=now)
        servers.append({"urls": turn, "username": username, "credential": credential})
    return servers
