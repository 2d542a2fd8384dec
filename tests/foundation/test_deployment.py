"""The scaled deployment file, checked by parsing it (no container engine runs here)."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_services_of_the_scaled_deployment(compose: dict) -> None:
    assert set(compose["services"]) == {"app", "worker", "postgres", "redis", "minio", "coturn"}


def test_every_service_has_a_healthcheck(compose: dict) -> None:
    for name, service in compose["services"].items():
        check = service.get("healthcheck", {})
        assert check.get("test"), f"{name} has no healthcheck"


def test_app_and_worker_wait_for_healthy_dependencies(compose: dict) -> None:
    for name in ("app", "worker"):
        depends = compose["services"][name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        assert depends["minio"]["condition"] == "service_healthy"


def test_secrets_are_required_variables_without_defaults(compose: dict) -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    for var in ("UNTACT_SECRET_KEY", "POSTGRES_PASSWORD", "TURN_SECRET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"):
        uses = re.findall(r"\$\{" + var + r"(:[?-][^}]*)?\}", text)
        assert uses, f"{var} is not used"
        assert all(u.startswith(":?") for u in uses), f"{var} must be ${{{var}:?}}, never defaulted"
    app_env = compose["services"]["app"]["environment"]
    assert app_env["UNTACT_ENVIRONMENT"] == "production"
    assert app_env["DATABASE_URL"].startswith("postgresql://")


def test_recordings_live_on_a_volume_shared_by_app_and_worker(compose: dict) -> None:
    assert "recordings" in compose["volumes"]
    for name in ("app", "worker"):
        assert "recordings:/data" in compose["services"][name]["volumes"]
    assert compose["services"]["app"]["environment"]["UNTACT_DATA_DIR"] == "/data"


def _default_or_set(match: re.Match[str]) -> str:
    """`${VAR:-default}` as its default, `${VAR:?message}` as a value the operator set."""
    return match.group(1) if match.group(1) is not None else "x" * 40


def test_recordings_are_uploaded_to_the_minio_service(compose: dict, tmp_path: Path) -> None:
    """The app and worker store into MinIO, with MinIO's own credentials, and the settings they
    get are valid (the variables filled in as `docker compose` would)."""
    from server.core.config import Settings

    minio = compose["services"]["minio"]
    assert minio["image"].startswith("minio/minio:") and minio["command"][0] == "server"
    assert "objects:/data" in minio["volumes"] and "objects" in compose["volumes"]
    assert "ports" not in minio  # served through the app, which checks who may see what
    for name in ("app", "worker"):
        env = compose["services"][name]["environment"]
        assert env["UNTACT_STORAGE"] == "s3"
        assert env["UNTACT_S3_ENDPOINT_URL"] == "http://minio:9000"
        assert env["UNTACT_S3_ACCESS_KEY_ID"] == minio["environment"]["MINIO_ROOT_USER"]
        assert env["UNTACT_S3_SECRET_ACCESS_KEY"] == minio["environment"]["MINIO_ROOT_PASSWORD"]
    filled = {
        key: re.sub(r"\$\{[A-Z0-9_]+(?::-([^}]*))?(?::\?[^}]*)?\}", _default_or_set, str(value))
        for key, value in compose["services"]["app"]["environment"].items()
    }
    filled["UNTACT_DATA_DIR"] = str(tmp_path)
    settings = Settings(**{key.removeprefix("UNTACT_").lower(): value for key, value in filled.items()
                           if key.startswith("UNTACT_")})  # fmt: skip
    assert settings.storage == "s3" and settings.s3_bucket == "untact-recordings"
    assert settings.s3_endpoint_url == "http://minio:9000"


def test_compose_commands_exist_in_the_cli(compose: dict) -> None:
    from server.cli import build_parser

    parser = build_parser()
    for name in ("app", "worker"):
        command = compose["services"][name]["command"]
        assert command[0] == "untact"
        parser.parse_args(command[1:])  # exits (fails the test) on an unknown command


def coturn_denied_ranges(command: list[str]) -> list[tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, ...]]:
    """`--denied-peer-ip=A[-B]` values of a coturn command line, as (first, last) addresses."""
    ranges = []
    for arg in command:
        if arg.startswith("--denied-peer-ip="):
            first, _, last = arg.split("=", 1)[1].partition("-")
            ranges.append((ipaddress.ip_address(first), ipaddress.ip_address(last or first)))
    return ranges


MUST_NOT_RELAY_TO = [
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.168.0.0/16", "::1/128", "fc00::/7", "fe80::/10",
]


def test_coturn_relays_to_no_local_or_private_address(compose: dict) -> None:
    command = compose["services"]["coturn"]["command"]
    denied = coturn_denied_ranges(command)

    def is_denied(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return any(
            first.version == address.version and first <= address <= last for first, last in denied
        )

    for block in MUST_NOT_RELAY_TO:
        network = ipaddress.ip_network(block)
        assert is_denied(network[0]) and is_denied(network[-1]), f"coturn may relay to {block}"
    assert not is_denied(ipaddress.ip_address("8.8.8.8"))  # the public internet stays reachable
    assert "--allow-loopback-peers" not in command
    assert "--no-tcp-relay" in command and "--no-multicast-peers" in command
