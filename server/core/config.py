"""The one settings object. Only `server/` reads the environment, and only here."""

from __future__ import annotations

import os
import re
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from analysis import ModelPool

DEFAULT_SECRET = "dev-insecure-secret-change-me"
# What one process runs (docs/scaling.md): `api` pages, REST and tokens; `media` the room and
# answer sockets with their recorders and live analysis; `worker` the job worker.
NODE_ROLES = ("api", "media", "worker")
PROJECT_ROOT = Path(__file__).resolve().parents[2]


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
    whisper_model: str = "base"  # base, tiny.en or a CTranslate2 Whisper directory (small, medium, ...)
    whisper_device: Literal["cpu", "cuda", "auto"] = "cpu"
    whisper_compute_type: Literal[
        "default", "auto", "int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16", "float16",
        "bfloat16", "float32",
    ] = "int8"  # fmt: skip
    whisper_cpu_threads: int | None = Field(default=None, ge=1)  # None: all cores of the process
    analysis_worker: Literal["inprocess", "none"] = "inprocess"
    prewarm_models: bool = True
    # Pages put their state on `window` for browser tests (web/static/js/app.js `testHook`).
    # Off unless a test server turns it on; refused in production.
    test_hooks: bool = False
    host: str = "127.0.0.1"
    port: int = 8000
    public_base_url: str = ""
    default_locale: Literal["ko", "en"] = "ko"
    session_max_age_s: int = 60 * 60 * 12
    max_json_body_bytes: int = 1_000_000
    max_intro_video_mb: int = Field(default=100, ge=1)  # one-way question sets' intro videos
    login_max_failures: int = Field(default=5, ge=1)  # per account + address, then progressive delay
    login_failure_window_s: int = Field(default=300, ge=1)  # quiet time after which counters reset
    login_max_delay_s: int = Field(default=900, ge=1)  # the longest progressive delay
    login_max_failures_per_address: int = Field(default=50, ge=1)  # looser cap over all accounts
    signup_max_per_address: int = Field(default=100, ge=1)  # a centre signs people up from one address
    signup_window_s: int = Field(default=3600, ge=1)
    forwarded_allow_ips: str = ""  # proxies whose X-Forwarded-For is believed; none by default
    audit_retention_days: int = Field(default=365, ge=1)
    redis_url: str = ""
    # Node roles and placement (docs/scaling.md). `roles`: comma-separated subset of NODE_ROLES
    # (`untact serve --role` overrides it). With Redis and a public WebSocket URL, a media node
    # registers itself and rooms and answer sessions are placed on the least-loaded live node.
    roles: str = "api,media,worker"
    placement: Literal["local", "redis"] = "local"  # local: this process is the only media node
    media_public_url: str = ""  # this media node's ws(s)://host[:port] base, as browsers reach it
    # CSP connect-src sources the pages may open sockets to, comma-separated (e.g.
    # `wss://*.media.centre.kr`): the media nodes' origins, when they are not the page's host.
    media_connect_src: str = ""
    media_capacity: int = Field(default=20, ge=1)  # rooms + live answers this node takes
    node_heartbeat_s: float = Field(default=2.0, gt=0.0)
    node_ttl_s: float = Field(default=6.0, gt=0.0)  # a node silent this long is dropped
    node_drain_grace_s: float = Field(default=30.0, ge=0.0)  # a stopping node's rooms get this long
    placement_prefix: str = "untact:"  # Redis key prefix of the node registry and claims
    # Jobs (server/jobs/queue.py): a worker's lease on a running job, extended by its heartbeat every
    # lease/3; how long a stopping worker lets the running job finish before handing it back
    # (keep it under `docker stop`'s 10 s, or raise `stop_grace_period`); the idle poll.
    job_lease_s: float = Field(default=60.0, ge=1.0)
    job_shutdown_grace_s: float = Field(default=8.0, ge=0.0)
    job_poll_interval_s: float = Field(default=1.0, gt=0.0)
    # Extra job kinds, `module:function` comma-separated; each returns {kind: handler}.
    job_handler_modules: str = ""
    # Each app process refreshes its `process_heartbeats` row this often; recovery treats a
    # process silent for `instance_timeout_s` as gone and re-queues its answers.
    instance_heartbeat_s: float = Field(default=5.0, gt=0.0)
    instance_timeout_s: float = Field(default=30.0, gt=0.0)
    log_level: str = "INFO"
    # Recordings and intro videos (server/core/storage.py, docs/storage.md): kept in the data
    # directory, or uploaded to an S3-compatible bucket once each file is closed. No defaults
    # for the keys (empty: boto3's own chain, e.g. an instance role).
    storage: Literal["local", "s3"] = "local"
    s3_endpoint_url: str = ""  # e.g. http://minio:9000; empty: AWS S3
    s3_bucket: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    ice_servers: str = ""
    turn_secret: str = ""
    turn_ttl_s: int = Field(default=6 * 3600, ge=60)  # lifetime of a browser's TURN credentials
    # Client ICE candidates at loopback/private/link-local/unspecified addresses: None means
    # allowed in development and test (everything runs on loopback there), dropped in production.
    ice_allow_private_candidates: bool | None = None

    @model_validator(mode="after")
    def _heartbeat_within_timeout(self) -> Settings:
        if self.instance_timeout_s < 2 * self.instance_heartbeat_s:
            raise ValueError("UNTACT_INSTANCE_TIMEOUT_S must be at least twice UNTACT_INSTANCE_HEARTBEAT_S")
        return self

    # Live answers on this node (server/answers/capacity.py, docs/benchmarks.md "Live answers under
    # load"): answers recorded at once (one more gets `server_busy`), answers analysed while they
    # are recorded (the others are analysed from the file afterwards), the wait suggested.
    max_live_answers: int = Field(default=4, ge=1)
    max_live_analyses: int = Field(default=2, ge=0)
    live_busy_retry_s: int = Field(default=20, ge=1)

    # Notifications (server/notifications/, docs/notifications.md). Email is off while no SMTP
    # host is set: notifications are then in-app only. No defaults for the secrets.
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_from: str = ""  # e.g. "언택트 <no-reply@centre.example>"; required with a host
    smtp_starttls: bool = True  # upgrade the connection with STARTTLS (port 587); false for a local relay
    smtp_timeout_s: float = Field(default=20.0, gt=0.0)
    # A centre's SMS / 카카오 알림톡 provider: the dotted path of a TextMessageSender class
    # (`package.module:Class` or `package.module.Class`); empty: text messages are only logged.
    text_sender: str = ""
    reminder_interval_s: int = Field(default=300, ge=10)  # how often due reminders are looked for
    unsubscribe_max_age_days: int = Field(default=180, ge=1)  # how long an email's unsubscribe link works
    # Centre events (server/events/): bookings (waiting included) per seeker per event, and how long
    # before a slot a seeker may still cancel (a cancellation moves the first person waiting up).
    event_bookings_per_seeker: int = Field(default=3, ge=1, le=50)
    event_cancel_cutoff_min: int = Field(default=60, ge=0)
    # Job To Job Visit (server/companies/): how long a company's one-time claim link works.
    company_claim_max_age_days: int = Field(default=14, ge=1, le=365)

    @model_validator(mode="after")
    def _known_roles(self) -> Settings:
        unknown = set(self.role_set) - set(NODE_ROLES)
        if unknown or not self.role_set:
            raise ValueError(f"UNTACT_ROLES must name some of {', '.join(NODE_ROLES)} (got {self.roles!r})")
        if self.media_public_url and not self.media_public_url.startswith(("ws://", "wss://")):
            raise ValueError("UNTACT_MEDIA_PUBLIC_URL must start with ws:// or wss://")
        if self.placement == "redis" and not self.redis_url:
            raise ValueError("UNTACT_PLACEMENT=redis needs UNTACT_REDIS_URL")
        if self.placement == "redis" and "media" in self.role_set and not self.media_public_url:
            raise ValueError("a media node with UNTACT_PLACEMENT=redis needs UNTACT_MEDIA_PUBLIC_URL")
        self.media_connect_sources  # noqa: B018 (validates the sources)
        if self.node_ttl_s < 2 * self.node_heartbeat_s:
            raise ValueError("UNTACT_NODE_TTL_S must be at least twice UNTACT_NODE_HEARTBEAT_S")
        return self

    @property
    def media_connect_sources(self) -> tuple[str, ...]:
        sources = tuple(part.strip() for part in self.media_connect_src.split(",") if part.strip())
        for source in sources:
            if not re.fullmatch(r"wss?://[A-Za-z0-9.*\-]+(:([0-9]{1,5}|\*))?", source):
                raise ValueError(f"UNTACT_MEDIA_CONNECT_SRC: not a ws(s):// source: {source!r}")
        return sources

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(part.strip() for part in self.roles.split(",") if part.strip())

    @model_validator(mode="after")
    def _s3_needs_a_bucket(self) -> Settings:
        if self.storage == "s3" and not self.s3_bucket:
            raise ValueError("UNTACT_S3_BUCKET must be set when UNTACT_STORAGE=s3")
        return self

    @model_validator(mode="after")
    def _smtp_needs_a_sender(self) -> Settings:
        if self.smtp_host and "@" not in self.smtp_from:
            raise ValueError("UNTACT_SMTP_FROM must be an email address when UNTACT_SMTP_HOST is set")
        return self

    @model_validator(mode="after")
    def _no_test_hooks_in_production(self) -> Settings:
        if self.environment == "production" and self.test_hooks:
            raise ValueError("UNTACT_TEST_HOOKS is for test servers; production pages leave it off")
        return self

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
    def allow_private_ice_candidates(self) -> bool:
        if self.ice_allow_private_candidates is not None:
            return self.ice_allow_private_candidates
        return self.environment != "production"

    @property
    def https(self) -> bool:
        return self.public_base_url.startswith("https://")

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host)

    @property
    def base_url(self) -> str:
        """Where links in emails point: the public URL, else this server's own address."""
        return self.public_base_url.rstrip("/") or f"http://{self.host}:{self.port}"


def make_model_pool(settings: Settings) -> ModelPool:
    """The process's one Whisper model pool, with this deployment's device, compute type and
    threads: live answers, captions and whole-file jobs all load ``whisper_model`` through it."""
    from analysis import ModelPool

    return ModelPool(
        settings.model_cache_dir,
        model=settings.whisper_model,
        device=settings.whisper_device,
        compute_type=settings.whisper_compute_type,
        cpu_threads=settings.whisper_cpu_threads,
    )


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
