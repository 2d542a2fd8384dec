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
    assert set(compose["services"]) == {
        "edge", "app", "media-1", "media-2", "worker", "postgres", "redis", "minio", "coturn",
    }


def test_every_service_has_a_healthcheck(compose: dict) -> None:
    for name, service in compose["services"].items():
        check = service.get("healthcheck", {})
        assert check.get("test"), f"{name} has no healthcheck"


NODES = ("app", "media-1", "media-2", "worker")
MEDIA_NODES = ("media-1", "media-2")


def test_app_and_worker_wait_for_healthy_dependencies(compose: dict) -> None:
    for name in NODES:
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
    # Reached from outside only through the app, which checks who may see what (loopback: media nodes).
    assert all(str(port).startswith("127.0.0.1:") for port in minio.get("ports", []))
    for name in NODES:
        env = compose["services"][name]["environment"]
        assert env["UNTACT_STORAGE"] == "s3"
        on_host = compose["services"][name].get("network_mode") == "host"
        assert env["UNTACT_S3_ENDPOINT_URL"] == ("http://127.0.0.1:9000" if on_host else "http://minio:9000")
        assert env["UNTACT_S3_ACCESS_KEY_ID"] == minio["environment"]["MINIO_ROOT_USER"]
        assert env["UNTACT_S3_SECRET_ACCESS_KEY"] == minio["environment"]["MINIO_ROOT_PASSWORD"]
    settings = _settings_of(compose, "app", tmp_path)
    assert isinstance(settings, Settings) and settings.storage == "s3" and settings.s3_bucket == "untact-recordings"
    assert settings.s3_endpoint_url == "http://minio:9000"


def test_compose_commands_exist_in_the_cli(compose: dict) -> None:
    from server.cli import build_parser

    parser = build_parser()
    for name in NODES:
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


def _filled(value: object) -> str:
    return re.sub(r"\$\{[A-Z0-9_]+(?::-([^}]*))?(?::\?[^}]*)?\}", _default_or_set, str(value))


def _settings_of(compose: dict, name: str, data_dir: Path) -> object:
    from server.core.config import Settings

    service = compose["services"][name]
    env = {key: _filled(value) for key, value in service["environment"].items()}
    env["UNTACT_DATA_DIR"] = str(data_dir)
    command = service["command"]
    env["UNTACT_ROLES"] = _option(command, "--role") if "--role" in command else "worker"
    return Settings(**{key.removeprefix("UNTACT_").lower(): value for key, value in env.items()
                       if key.startswith("UNTACT_")})  # fmt: skip


def _option(command: list[str], flag: str) -> str:
    return command[command.index(flag) + 1]


def test_each_node_runs_its_role_and_media_nodes_are_placed_through_redis(compose: dict, tmp_path: Path) -> None:
    services = compose["services"]
    assert _option(services["app"]["command"], "--role") == "api"
    for name in MEDIA_NODES:
        service = services[name]
        assert _option(service["command"], "--role") == "media"
        assert service["network_mode"] == "host"  # WebRTC media straight to the node's UDP ports
        settings = _settings_of(compose, name, tmp_path)
        assert settings.placement == "redis" and settings.redis_url == "redis://127.0.0.1:6379/0"  # type: ignore[attr-defined]
        database_url = service["environment"]["DATABASE_URL"]
        assert database_url.startswith("postgresql://") and "@127.0.0.1:5432/" in database_url
        # Above the drain grace: `docker stop` lets a node tell its rooms before they close.
        assert int(service["stop_grace_period"].removesuffix("s")) > settings.node_drain_grace_s  # type: ignore[attr-defined]
    assert services["worker"]["command"] == ["untact", "worker"]
    urls = {_settings_of(compose, name, tmp_path).media_public_url for name in MEDIA_NODES}  # type: ignore[attr-defined]
    assert len(urls) == len(MEDIA_NODES)  # each node its own address


def test_the_edge_routes_each_media_nodes_public_path_to_that_node(compose: dict, tmp_path: Path) -> None:
    """The edge's Caddyfile strips /media/<n> and proxies to the port media node n listens on,
    and the API upstream is the app's loopback port."""
    services = compose["services"]
    edge = services["edge"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in edge["volumes"]
    assert edge["network_mode"] == "host"
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    app_port = services["app"]["ports"][0].rsplit(":", 1)[1]
    assert edge["environment"]["UNTACT_API_UPSTREAM"] == f"127.0.0.1:{app_port}"
    for name in MEDIA_NODES:
        n = name.removeprefix("media-")
        public = _settings_of(compose, name, tmp_path).media_public_url  # type: ignore[attr-defined]
        assert public == f"wss://{'x' * 40}/media/{n}"
        assert f"handle_path /media/{n}/* {{" in caddyfile
        assert f"reverse_proxy {{$UNTACT_MEDIA_{n}_UPSTREAM:" in caddyfile
        port = _option(services[name]["command"], "--port")
        assert edge["environment"][f"UNTACT_MEDIA_{n}_UPSTREAM"] == f"127.0.0.1:{port}"
    assert _settings_of(compose, "app", tmp_path).public_base_url == f"https://{'x' * 40}"  # type: ignore[attr-defined]


def test_only_the_edge_and_turn_face_the_outside(compose: dict) -> None:
    """Every published port is bound to loopback; the host-network services are the edge, the
    media nodes (their UDP ports) and coturn, and the media nodes listen for HTTP on loopback."""
    for name, service in compose["services"].items():
        for mapping in service.get("ports", []):
            assert str(mapping).startswith("127.0.0.1:"), f"{name} publishes {mapping} to the outside"
    on_host = {name for name, s in compose["services"].items() if s.get("network_mode") == "host"}
    assert on_host == {"edge", "media-1", "media-2", "coturn"}
    for name in MEDIA_NODES:
        assert _option(compose["services"][name]["command"], "--host") == "127.0.0.1"
