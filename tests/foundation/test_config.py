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


def test_email_is_off_without_an_smtp_host_and_a_host_needs_a_sender(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().email_enabled is False
    with pytest.raises(ValidationError, match="UNTACT_SMTP_FROM"):
        Settings(smtp_host="smtp.centre.example")
    monkeypatch.setenv("UNTACT_SMTP_HOST", "smtp.centre.example")
    monkeypatch.setenv("UNTACT_SMTP_FROM", "언택트 <no-reply@centre.example>")
    monkeypatch.setenv("UNTACT_SMTP_STARTTLS", "false")
    settings = Settings()
    assert settings.email_enabled and settings.smtp_port == 587 and settings.smtp_starttls is False
    assert settings.smtp_username == "" and settings.smtp_password == ""  # no default credentials
