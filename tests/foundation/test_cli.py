"""The `untact` command and the README's setup scripts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


def _untact(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, **(env or {})}, timeout=120,
    )


def test_help_lists_the_commands() -> None:
    result = _untact("--help")
    assert result.returncode == 0
    for command in ("serve", "migrate", "worker", "analyze", "create-admin", "seed-demo"):
        assert command in result.stdout


def test_create_admin_then_login_works(tmp_path: Path) -> None:
    env = {"UNTACT_DATA_DIR": str(tmp_path), "DATABASE_URL": ""}
    result = _untact("create-admin", "boss@centre.kr", "--password", "admin-pass-123", env=env)
    assert result.returncode == 0 and result.stdout.strip() == "created"
    again = _untact("create-admin", "boss@centre.kr", "--password", "admin-pass-123", env=env)
    assert again.returncode == 1 and "exists already" in again.stdout
    short = _untact("create-admin", "x@centre.kr", "--password", "short", env=env)
    assert short.returncode == 2 and "at least 10" in short.stderr


def test_production_with_the_default_secret_refuses_to_start_with_one_line(tmp_path: Path) -> None:
    result = _untact("migrate", env={"UNTACT_ENVIRONMENT": "production", "UNTACT_DATA_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert "UNTACT_SECRET_KEY" in result.stderr and "Traceback" not in result.stderr


def test_worker_check_reports_ready(tmp_path: Path) -> None:
    result = _untact("worker", "--check", env={"UNTACT_DATA_DIR": str(tmp_path), "DATABASE_URL": ""})
    assert result.returncode == 0 and result.stdout.strip() == "ok"


def test_setup_script_a_second_time_installs_nothing() -> None:
    # The suite itself runs after `./scripts/setup.sh --test`, so this is the second run.
    result = subprocess.run(
        ["bash", "scripts/setup.sh", "--test"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "installing" not in result.stderr
    plain = subprocess.run(["bash", "scripts/setup.sh"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert plain.returncode == 0 and "installing" not in plain.stderr


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "./scripts/test.sh" in readme and "./scripts/serve.sh" in readme
    assert "./scripts/test.sh" in (ROOT / ".ci" / "run").read_text()
