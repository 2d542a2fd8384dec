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


def test_test_hooks_are_off_by_default_and_refused_in_production() -> None:
    assert Settings().test_hooks is False
    with pytest.raises(ValidationError, match="UNTACT_TEST_HOOKS"):
        Settings(environment="production", secret_key="x" * 40, test_hooks=True)


@pytest.mark.parametrize("hooks", [False, True])
def test_pages_carry_the_test_hook_flag_only_when_it_is_on(make_settings, hooks: bool) -> None:
    from fastapi.testclient import TestClient

    from server.app import create_app

    with TestClient(create_app(make_settings(test_hooks=hooks))) as client:
        page = client.get("/login", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert ("data-test-hooks" in page.text.split(">", 2)[1]) is hooks


def test_page_scripts_put_nothing_on_window_but_through_test_hook() -> None:
    """State for tests goes through app.js `testHook`, which production pages leave off."""
    import re

    from server.core.config import PROJECT_ROOT

    scripts = sorted((PROJECT_ROOT / "web" / "static" / "js").glob("*.js"))
    assert scripts
    offenders = [
        f"{path.name}:{n}: {line.strip()}"
        for path in scripts
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\bwindow\.\w+\s*=[^=]", line) and "testHook" not in line
        and not re.search(r"window\[name\]\s*=", line)
    ]
    assert offenders == []
