"""Checks on what a browser sends before aiortc is given it: the offer SDP and ICE candidates.

aiortc takes a lot on trust. An offer without a DTLS fingerprint is answered and then crashes
the connect task; a candidate line is split on spaces, so ``999.999.0.1:70000`` goes into the
ICE agent as given. Everything is checked here first, so a bad offer or candidate is a typed
:class:`MediaError` and the working peer is never touched.

Codes: ``bad_sdp`` (empty or unparseable), ``sdp_too_large``, ``invalid_sdp`` (parses, but
lacks what WebRTC requires: a DTLS fingerprint with a supported algorithm, ICE credentials, or
has a malformed candidate line), ``bad_candidate``, and ``candidate_not_allowed`` (a candidate
at a loopback, private, link-local or unspecified address while those are not allowed).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from aiortc.sdp import SessionDescription

from .errors import MediaError

MAX_SDP_BYTES = 64 * 1024
MAX_CANDIDATE_BYTES = 1024
# The algorithms aiortc can verify (rtcdtlstransport.X509_DIGEST_ALGORITHMS); an offer with only
# others would fail the DTLS handshake after being answered.
FINGERPRINT_ALGORITHMS = ("sha-256", "sha-384", "sha-512")
CANDIDATE_TYPES = ("host", "srflx", "prflx", "relay")

_FOUNDATION = re.compile(r"^[A-Za-z0-9+/]{1,32}$")
_DIGITS = re.compile(r"^[0-9]{1,10}$")
_TOKEN = re.compile(r"^[A-Za-z0-9+/._:-]{1,256}$")
_MDNS_NAME = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+local$", re.IGNORECASE)
_FINGERPRINT_VALUE = re.compile(r"^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){19,63}$")


@dataclass(frozen=True)
class CheckedCandidate:
    """One candidate line that passed the grammar (RFC 8839 section 5.1)."""

    foundation: str
    component: int
    transport: str
    priority: int
    address: str
    port: int
    type: str
    private: bool  # loopback, private, link-local, unspecified or an mDNS (.local) name


def parse_candidate(line: str) -> CheckedCandidate:
    """Check a candidate line (with or without the ``candidate:`` prefix); raises ``bad_candidate``."""
    if len(line.encode("utf-8", "surrogatepass")) > MAX_CANDIDATE_BYTES:
        raise MediaError("bad_candidate", "the candidate is too long")
    text = line[len("candidate:") :] if line.startswith("candidate:") else line
    bits = text.split(" ")
    if len(bits) < 8 or len(bits) % 2 != 0:
        raise MediaError("bad_candidate", "a candidate has 8 fields and then name/value pairs")
    foundation, component, transport, priority, address, port, typ, cand_type = bits[:8]
    if not _FOUNDATION.match(foundation):
        raise MediaError("bad_candidate", "bad foundation")
    if not _DIGITS.match(component) or not 1 <= int(component) <= 256:
        raise MediaError("bad_candidate", "the component must be 1..256")
    if transport.lower() not in ("udp", "tcp"):
        raise MediaError("bad_candidate", "the transport must be udp or tcp")
    if not _DIGITS.match(priority) or int(priority) > 2**32 - 1:
        raise MediaError("bad_candidate", "the priority must be 0..2^32-1")
    private = _address_is_private(address)
    if not _DIGITS.match(port) or not 1 <= int(port) <= 65535:
        raise MediaError("bad_candidate", "the port must be 1..65535")
    if typ != "typ" or cand_type not in CANDIDATE_TYPES:
        raise MediaError("bad_candidate", "the type must be host, srflx, prflx or relay")
    for name, value in zip(bits[8::2], bits[9::2], strict=True):
        if not _TOKEN.match(name) or not _TOKEN.match(value):
            raise MediaError("bad_candidate", "bad extension attribute")
        if name == "raddr":
            _address_is_private(value)  # must be an address; 0.0.0.0 is what browsers send with mDNS
        elif name == "rport" and (not _DIGITS.match(value) or int(value) > 65535):
            raise MediaError("bad_candidate", "the related port must be 0..65535")
        elif name == "tcptype" and value not in ("active", "passive", "so"):
            raise MediaError("bad_candidate", "tcptype must be active, passive or so")
    if transport.lower() == "udp" and "tcptype" in bits[8::2]:
        raise MediaError("bad_candidate", "tcptype on a udp candidate")
    return CheckedCandidate(
        foundation=foundation,
        component=int(component),
        transport=transport.lower(),
        priority=int(priority),
        address=address,
        port=int(port),
        type=cand_type,
        private=private,
    )


def _address_is_private(address: str) -> bool:
    """Whether the address is one a server must not be pointed at; raises on a non-address."""
    if _MDNS_NAME.match(address) and len(address) <= 253:
        return True  # a browser's obfuscated host candidate: it resolves to a LAN address
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise MediaError("bad_candidate", "the address must be IPv4, IPv6 or an mDNS .local name") from None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_unspecified
        or ip.is_multicast
        or ip.is_reserved
        or (isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED_ADDRESS_SPACE)
    )


_SHARED_ADDRESS_SPACE = ipaddress.IPv4Network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)


def check_candidate(line: str, *, allow_private: bool) -> CheckedCandidate:
    candidate = parse_candidate(line)
    if candidate.private and not allow_private:
        raise MediaError("candidate_not_allowed", "candidates at local or private addresses are not used")
    return candidate


def check_offer(sdp: object, *, allow_private_candidates: bool) -> str:
    """The offer as aiortc may be given it, or a :class:`MediaError`.

    Candidate lines at private addresses are removed (not refused) when they are not allowed:
    a browser on a LAN always has some, and its public ones still connect."""
    if not isinstance(sdp, str) or not sdp.strip():
        raise MediaError("bad_sdp", "the offer SDP is empty")
    if len(sdp.encode("utf-8", "surrogatepass")) > MAX_SDP_BYTES:
        raise MediaError("sdp_too_large", f"the offer SDP is over {MAX_SDP_BYTES} bytes")
    kept: list[str] = []
    for raw_line in sdp.splitlines():
        if raw_line.startswith("a=candidate:"):
            try:
                candidate = parse_candidate(raw_line[len("a=") :])
            except MediaError as exc:
                raise MediaError("invalid_sdp", f"a candidate line is malformed: {exc}") from None
            if candidate.private and not allow_private_candidates:
                continue
        kept.append(raw_line)
    cleaned = "\r\n".join(kept) + "\r\n"
    try:
        parsed = SessionDescription.parse(cleaned)
    except Exception as exc:
        raise MediaError("bad_sdp", f"the offer SDP cannot be parsed: {exc}") from None
    if not parsed.media:
        raise MediaError("bad_sdp", "the offer has no media sections")
    for media in parsed.media:
        if media.kind not in ("audio", "video", "application"):
            continue
        fingerprints = media.dtls.fingerprints if media.dtls is not None else []
        if not any(
            f.algorithm.lower() in FINGERPRINT_ALGORITHMS and _FINGERPRINT_VALUE.match(f.value)
            for f in fingerprints
        ):
            raise MediaError("invalid_sdp", f"the {media.kind} m-line has no usable a=fingerprint")
        ice = media.ice
        if ice is None or not ice.usernameFragment or not ice.password:
            raise MediaError("invalid_sdp", "the offer has no ICE credentials (a=ice-ufrag, a=ice-pwd)")
    return cleaned
