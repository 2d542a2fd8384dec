"""A browser gets TURN credentials from the server and a real coturn accepts them.

coturn (apt) runs on loopback with the TURN REST API secret (`--use-auth-secret`), the server
under test is configured with its URL and secret, and Chromium, given only what
`GET /api/ice-servers` returns and `iceTransportPolicy: "relay"`, must gather a relay candidate:
coturn allocates only for a valid, unexpired HMAC credential. A wrong secret gathers none."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator

import pytest
import yaml

from tests.conftest import login_in_browser
from tests.liveserver import PROJECT_ROOT, LiveServer, free_port, start_live_server, stop_live_server

pytestmark = [pytest.mark.browser, pytest.mark.media]

SECRET = "turn-test-secret-0123456789"
LOOPBACK_DENIALS = ("127.0.0.0-127.255.255.255", "::1")

GATHER_RELAY = """async () => {
  const servers = (await (await fetch("/api/ice-servers")).json()).ice_servers;
  const pc = new RTCPeerConnection({ iceServers: servers, iceTransportPolicy: "relay" });
  pc.createDataChannel("probe");
  const types = [];
  const done = new Promise((resolve) => {
    pc.onicecandidate = (e) => { if (e.candidate) types.push(e.candidate.type); else resolve(); };
    setTimeout(resolve, 15000);
  });
  await pc.setLocalDescription(await pc.createOffer());
  await done;
  pc.close();
  return { servers, types };
}"""


@pytest.fixture(scope="module")
def turn_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    binary = shutil.which("turnserver")
    if binary is None:
        pytest.skip("coturn is not installed (scripts/setup.sh --test installs it)")
    port = free_port()
    work = tmp_path_factory.mktemp("coturn")
    log = work / "turn.log"
    # The deployment's peer restrictions, except loopback: everything here runs on 127.0.0.1.
    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
    restrictions = [
        arg for arg in compose["services"]["coturn"]["command"]
        if arg in ("--no-tcp-relay", "--no-multicast-peers")
        or (arg.startswith("--denied-peer-ip=") and arg.split("=", 1)[1] not in LOOPBACK_DENIALS)
    ]  # fmt: skip
    assert len(restrictions) >= 8, restrictions
    process = subprocess.Popen(
        [binary, "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", f"--listening-port={port}",
         "--use-auth-secret", f"--static-auth-secret={SECRET}", "--realm=untact-test", "--fingerprint",
         "--no-cli", "--no-tls", "--no-dtls", "--allow-loopback-peers", "--min-port=49500", "--max-port=49600",
         f"--userdb={work / 'turndb'}", f"--pidfile={work / 'turn.pid'}", f"--log-file={log}", "--simple-log",
         *restrictions],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while "Total General servers" not in (log.read_text(errors="replace") if log.exists() else ""):
        assert process.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
        time.sleep(0.1)
    yield port
    process.terminate()
    process.wait(10)


def _server(tmp_path_factory: pytest.TempPathFactory, port: int, secret: str) -> LiveServer:
    return start_live_server(
        tmp_path_factory.mktemp("turn-server"),
        {"UNTACT_ICE_SERVERS": f"turn:127.0.0.1:{port}?transport=udp", "UNTACT_TURN_SECRET": secret},
    )


def _relay_candidates(launch_chromium, server: LiveServer) -> dict:  # type: ignore[no-untyped-def]
    page = launch_chromium().new_page()
    login_in_browser(page, server.base_url, "seeker@demo.untact.kr", "demo-seeker-1234")
    return page.evaluate(GATHER_RELAY)  # type: ignore[no-any-return]


@pytest.mark.timeout(180)
def test_a_browser_relays_through_coturn_with_the_servers_credentials(
    turn_port: int, tmp_path_factory: pytest.TempPathFactory, launch_chromium
) -> None:  # type: ignore[no-untyped-def]
    good = _server(tmp_path_factory, turn_port, SECRET)
    try:
        result = _relay_candidates(launch_chromium, good)
    finally:
        stop_live_server(good)
    (turn,) = result["servers"]
    assert turn["urls"] == [f"turn:127.0.0.1:{turn_port}?transport=udp"]
    assert re.fullmatch(r"\d{10}:user-\d+", turn["username"]), turn
    assert "relay" in result["types"], result

    wrong = _server(tmp_path_factory, turn_port, "not-the-secret")
    try:
        refused = _relay_candidates(launch_chromium, wrong)
    finally:
        stop_live_server(wrong)
    assert refused["servers"][0]["username"]  # credentials were handed out ...
    assert "relay" not in refused["types"], refused  # ... but coturn refused to allocate with them
