"""Short-lived signed room tokens in the style of LiveKit's access tokens.

A token is a compact JWT (HS256 only, signed with the app's `secret_key`) carrying the room,
the identity and its grants. The room socket checks it in the handshake, before any message,
so a refused client never gets an SDP processed. A token for room X does not open room Y;
expired, not-yet-valid, tampered tokens and any `alg` other than HS256 (`none` included)
are refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass

DEFAULT_TTL_S = 600
LEEWAY_S = 5
ISSUER = "untact"


class RoomTokenError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class RoomGrants:
    """What the holder may do in the room (LiveKit: canPublish, canSubscribe, roomAdmin, roomRecord)."""

    publish: bool = True
    subscribe: bool = True
    admit: bool = False
    record: bool = False

    def to_dict(self) -> dict[str, bool]:
        return {"publish": self.publish, "subscribe": self.subscribe, "admit": self.admit, "record": self.record}


@dataclass(frozen=True)
class RoomClaims:
    room: str
    identity: str
    user_id: int
    name: str
    role: str  # interviewer | candidate
    grants: RoomGrants
    expires_at: int
    token_id: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        raise RoomTokenError("token_malformed") from None


def _sign(secret: str, signing_input: str) -> str:
    return _b64(hmac.new(secret.encode("utf-8"), signing_input.encode("ascii"), hashlib.sha256).digest())


def issue_room_token(
    secret: str,
    *,
    room: str,
    user_id: int,
    name: str,
    role: str,
    grants: RoomGrants,
    ttl_s: int = DEFAULT_TTL_S,
    now: float | None = None,
) -> tuple[str, int]:
    """The token and its expiry (Unix seconds)."""
    issued = int(now if now is not None else time.time())
    payload = {
        "iss": ISSUER,
        "sub": f"user-{user_id}",
        "uid": user_id,
        "name": name,
        "role": role,
        "room": room,
        "grants": grants.to_dict(),
        "iat": issued,
        "nbf": issued,
        "exp": issued + ttl_s,
        "jti": uuid.uuid4().hex,
    }
    header = {"alg": "HS256", "typ": "JWT"}
    signing_input = f"{_b64(json.dumps(header, separators=(',', ':')).encode())}." + _b64(
        json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    )
    return f"{signing_input}.{_sign(secret, signing_input)}", issued + ttl_s


def verify_room_token(secret: str, token: str, *, room: str, now: float | None = None) -> RoomClaims:
    """The claims of a valid token for `room`, else `RoomTokenError(code)`."""
    if not token or len(token) > 4096:
        raise RoomTokenError("token_missing")
    parts = token.split(".")
    if len(parts) != 3:
        raise RoomTokenError("token_malformed")
    header_b64, payload_b64, signature = parts
    try:
        header = json.loads(_unb64(header_b64))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise RoomTokenError("token_malformed") from None
    # Decide the algorithm ourselves: never trust the header to pick it (alg=none, HS/RS confusion).
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        raise RoomTokenError("token_bad_algorithm")
    if not hmac.compare_digest(_sign(secret, f"{header_b64}.{payload_b64}"), signature):
        raise RoomTokenError("token_bad_signature")
    try:
        payload = json.loads(_unb64(payload_b64))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise RoomTokenError("token_malformed") from None
    if not isinstance(payload, dict) or payload.get("iss") != ISSUER:
        raise RoomTokenError("token_malformed")
    current = now if now is not None else time.time()
    try:
        expires, not_before = int(payload["exp"]), int(payload["nbf"])
        grants = RoomGrants(**{k: bool(v) for k, v in dict(payload["grants"]).items()})
        claims = RoomClaims(
            room=str(payload["room"]),
            identity=str(payload["sub"]),
            user_id=int(payload["uid"]),
            name=str(payload["name"]),
            role=str(payload["role"]),
            grants=grants,
            expires_at=expires,
            token_id=str(payload["jti"]),
        )
    except (KeyError, TypeError, ValueError):
        raise RoomTokenError("token_malformed") from None
    if current > expires + LEEWAY_S:
        raise RoomTokenError("token_expired")
    if current + LEEWAY_S < not_before:
        raise RoomTokenError("token_not_yet_valid")
    if claims.room != room:
        raise RoomTokenError("token_wrong_room")
    return claims
