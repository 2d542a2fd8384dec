from __future__ import annotations

import pytest
from pydantic import ValidationError

from server.core.config import DEFAULT_SECRET, Settings

pytestmark = pytest.mark.unit


def test_production_refuses_the_default_secret() -> None:
    with pytest.raises(ValidationError, match="UNTACT_SECRET_KEY"):
        Settings(environment="production", secret_key=DEFAULT_SECRET)


def test_production_refuses_a_short_secret() -> None:
    with pytest.raises(ValidationError):
        Settings(environment="production", secret_key="short")


def test_development_runs_on_embedded_defaults(tmp_path) -> None:
    settings = Settings(environment="development", data_dir=tmp_path)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'untact.db'}"
    assert settings.recordings_dir == tmp_path / "recordings"
    assert settings.https is False


def test_environment_variables_configure_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@db:5432/untact")
    monkeypatch.setenv("UNTACT_ENVIRONMENT", "production")
    monkeypatch.setenv("UNTACT_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("UNTACT_PUBLIC_BASE_URL", "https://untact.example")
    settings = Settings()
    assert settings.resolved_database_url == "postgresql://postgres@db:5432/untact"
    assert settings.https is True
