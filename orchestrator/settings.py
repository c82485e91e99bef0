"""One typed settings object, read from ``FERNBLICK_*`` environment variables.

Every option is documented in ``compose/.env.example`` (a test keeps the two in step).
The defaults are embedded ones that need no server: SQLite under ``./var``, an
in-process message bus and fan-out, storage in ``./var/storage``. With
``FERNBLICK_ENV=production`` the process refuses to start while any secret still has
its sample value.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SAMPLE_SECRET_MARK = "change-me"


class JanusNode(BaseModel):
    """One Janus server of the pool, as the orchestrator and the browsers reach it."""

    name: str
    url: str = Field(description="Janus HTTP API endpoint, used by the orchestrator")
    admin_url: str = Field(description="Janus admin API endpoint (orchestrator only)")
    public_url: str = Field(description="Janus WebSocket or HTTP URL that browsers use")


def _default_janus_nodes() -> list[JanusNode]:
    return [
        JanusNode(
            name="janus-1",
            url="http://127.0.0.1:8088/janus",
            admin_url="http://127.0.0.1:7088/admin",
            public_url="ws://127.0.0.1:8188/",
        )
    ]


class Settings(BaseSettings):
    """All settings of every Fernblick process."""

    # An empty variable means "the default", as in .env.example (``FERNBLICK_X=``), which
    # compose passes to the containers as empty strings.
    model_config = SettingsConfigDict(
        env_prefix="FERNBLICK_", extra="ignore", frozen=True, env_ignore_empty=True
    )

    env: Literal["development", "test", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str | None = None
    instance_name: str = "orchestrator-1"
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    metrics_port: int = Field(default=0, ge=0, le=65535)

    database_url: str = "sqlite+aiosqlite:///./var/fernblick.sqlite3"
    database_pool_size: int = 10
    bus_url: str = "memory://"
    amqp_exchange: str = "fernblick.events"
    redis_url: str | None = None
    redis_channel_prefix: str = "fernblick"
    storage_dir: Path = Path("var/storage")
    web_dist_dir: Path = Path("web/dist")

    cookie_secure: bool | None = None
    login_session_hours: int = 12
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    invite_valid_hours: int = 72
    max_body_bytes: int = 1_048_576
    trust_forwarded_for: bool = False
    login_failures_per_minute: int = Field(default=10, ge=0)
    code_user_requests_per_minute: int = Field(default=120, ge=0)
    outbox_poll_seconds: float = 0.5
    ws_heartbeat_seconds: float = 20.0
    ws_queue_size: int = 256
    #: Each resource's shutdown (orchestrator/lifecycle.py) gets this long before it is
    #: logged with what it waits for and left behind, so that a stop always ends.
    shutdown_step_seconds: float = Field(default=60.0, gt=0)
    call_tool_max_bytes: int = Field(default=16_384, ge=1024, le=60_000)
    call_tool_messages_per_second: float = Field(default=60.0, gt=0)
    call_tool_burst: int = Field(default=120, ge=1)

    janus_nodes: list[JanusNode] = Field(default_factory=_default_janus_nodes)
    janus_api_secret: SecretStr = SecretStr(f"{SAMPLE_SECRET_MARK}-janus-api-secret")
    janus_admin_secret: SecretStr = SecretStr(f"{SAMPLE_SECRET_MARK}-janus-admin-secret")
    janus_videoroom_admin_key: SecretStr = SecretStr(f"{SAMPLE_SECRET_MARK}-videoroom-key")
    janus_request_timeout_seconds: float = 10.0
    janus_keepalive_seconds: float = 20.0
    janus_health_interval_seconds: float = 5.0
    janus_draining_nodes: list[str] = Field(default_factory=list)
    janus_event_user: str = "janus"
    janus_event_password: SecretStr = SecretStr(f"{SAMPLE_SECRET_MARK}-janus-event-password")
    janus_events_amqp_url: str = ""
    janus_events_exchange: str = "janus.events"

    call_ring_seconds: float = 45.0
    call_grace_seconds: float = 20.0

    recorder_embedded: bool = True
    recorder_rtp_host: str = "127.0.0.1"
    recorder_port_min: int = 40000
    recorder_port_max: int = 49999
    recorder_segment_seconds: float = 2.0
    recorder_stop_timeout_seconds: float = 10.0
    recorder_finalize_timeout_seconds: float = 120.0
    recorder_keep_segments: bool = False
    ffmpeg_path: str = "ffmpeg"
    ffprobe_path: str = "ffprobe"
    upload_max_attempts: int = Field(default=5, ge=1, le=9)
    upload_retry_base_seconds: float = 2.0
    upload_retry_max_seconds: float = 120.0
    storage_backend: Literal["local", "s3"] = "local"
    storage_timeout_seconds: float = 30.0
    playback_url_seconds: int = 300
    s3_endpoint_url: str = ""
    s3_region: str = "us-east-1"
    s3_bucket: str = "fernblick"
    s3_access_key_id: str = ""
    s3_secret_access_key: SecretStr = SecretStr("")

    stun_urls: list[str] = Field(default_factory=list)
    turn_urls: list[str] = Field(default_factory=list)
    turn_secret: SecretStr = SecretStr(f"{SAMPLE_SECRET_MARK}-turn-secret")
    turn_ttl_seconds: int = 3600

    tracker_embedded: bool = True
    # A tracker process renews its forwards every third of this; an orchestrator stops a
    # forward that was not renewed for this long (the process died).
    tracker_lease_seconds: float = Field(default=15.0, gt=0)
    notifier_embedded: bool = True
    notify_max_attempts: int = 8
    notify_retry_base_seconds: float = 2.0
    notify_retry_max_seconds: float = 300.0
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_tls: Literal["auto", "starttls", "tls", "none"] = "auto"
    smtp_from: str = "Fernblick <fernblick@localhost>"
    smtp_timeout_seconds: float = 10.0
    vapid_private_key: SecretStr = SecretStr("")
    vapid_public_key: str = ""
    vapid_subject: str = "mailto:admin@localhost"

    @model_validator(mode="after")
    def _refuse_sample_secrets_in_production(self) -> Settings:
        if self.env != "production":
            return self
        sample = [
            name
            for name in (
                "janus_api_secret",
                "janus_admin_secret",
                "janus_videoroom_admin_key",
                "janus_event_password",
                "turn_secret",
            )
            if SAMPLE_SECRET_MARK in getattr(self, name).get_secret_value()
        ]
        if sample:
            names = ", ".join(f"FERNBLICK_{n.upper()}" for n in sample)
            raise ValueError(f"refusing to start in production with sample secrets: {names}")
        if self.database_url.startswith("sqlite"):
            raise ValueError(
                "refusing to start in production on SQLite: set FERNBLICK_DATABASE_URL"
            )
        return self

    @cached_property
    def secure_cookies(self) -> bool:
        """Cookies carry ``Secure`` in production or when served over HTTPS."""
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.env == "production" or self.site_url.startswith("https://")

    @property
    def site_url(self) -> str:
        """The address browsers use (links, QR codes); defaults to host and port."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(**overrides: object) -> Settings:
    """Read the environment; keyword overrides win (tests and the CLI use them)."""
    return Settings(**overrides)  # type: ignore[arg-type]
