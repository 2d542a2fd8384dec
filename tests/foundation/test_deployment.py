"""The scaled deployment file, checked by parsing it (no container engine runs here)."""

from __future__ import annotations

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
    assert set(compose["services"]) == {"app", "worker", "postgres", "redis", "coturn"}


def test_every_service_has_a_healthcheck(compose: dict) -> None:
    for name, service in compose["services"].items():
        check = service.get("healthcheck", {})
        assert check.get("test"), f"{name} has no healthcheck"


def test_app_and_worker_wait_for_healthy_dependencies(compose: dict) -> None:
    for name in ("app", "worker"):
        depends = compose["services"][name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"


def test_secrets_are_required_variables_without_defaults(compose: dict) -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    for var in ("UNTACT_SECRET_KEY", "POSTGRES_PASSWORD", "TURN_SECRET"):
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


def test_compose_commands_exist_in_the_cli(compose: dict) -> None:
    from server.cli import build_parser

    parser = build_parser()
    for name in ("app", "worker"):
        command = compose["services"][name]["command"]
        assert command[0] == "untact"
        parser.parse_args(command[1:])  # exits (fails the test) on an unknown command
