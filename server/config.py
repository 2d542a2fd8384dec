"""The one settings object. Only `server/` reads the environment, and only here."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "dev-insecure-secret-change-me"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Runtime configuration, from the environment (``UNTACT_*``, plus ``DATABASE_URL``) and ``.env``."""

    model_config = SettingsConfigDict(
        env_prefix="UNTACT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    environment: Literal["development", "test", "production"] = "development"
    secret_key: str = DEFAULT_SECRET
    database_url: str = Field(default="", validation_alias="DATABASE_URL")
    data_dir: Path = PROJECT_ROOT / "var"
    model_cache_dir: Path = Path(os.path.expanduser("~/.cache/untact/models"))
    whisper_model: str = "base"
    analysis_worker: Literal["inprocess", "none"] = "inprocess"
    prewarm_models: bool = True
    host: str = "127.0.0.1"
    port: int = 8000
    public_base_url: str = ""
    default_locale: Literal["ko", "en"] = "ko"
    session_max_age_s: int = 60 * 60 * 12
    max_json_body_bytes: int = 1_000_000
    max_upload_bytes: int = 200_000_000
    max_intro_video_mb: int = Field(default=100, ge=1)  # one-way question sets' intro videos
    login_max_failures: int = 5
    login_failure_window_s: int = 300
    redis_url: str = ""
    log_level: str = "INFO"
    ice_servers: str = ""
    turn_secret: str = ""
    turn_ttl_s: int = Field(default=6 * 3600, ge=60)  # lifetime of a browser's TURN credentials
    # Live answers on this node (server/live_capacity.py, docs/benchmarks.md "Live answers under
    # load"): answers recorded at once (one more gets `server_busy`), answers analysed while they
    # are recorded (the others are analysed from the file afterwards), the wait suggested.
    max_live_answers: int = Field(default=4, ge=1)
    max_live_analyses: int = Field(default=2, ge=0)
    live_busy_retry_s: int = Field(default=20, ge=1)

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.environment == "production" and (
            self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32
        ):
            raise ValueError(
                "UNTACT_SECRET_KEY must be set to a random value of at least 32 characters "
                "outside development (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
            )
        return self

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'untact.db'}"

    @property
    def recordings_dir(self) -> Path:
        return self.data_dir / "recordings"

    @property
    def https(self) -> bool:
        return self.public_base_url.startswith("https://")


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
