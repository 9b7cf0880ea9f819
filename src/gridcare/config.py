"""Settings from ``GRIDCARE_*`` environment variables.

A bad value stops start-up with one line naming the variable (see ``load_settings``):
an operator reading a systemd journal should not have to parse a traceback.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the environment variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GRIDCARE_", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="Where the SQLite file, uploads and the secret key live.")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; unset means SQLite in data_dir.")
    redis_url: str | None = Field(default=None, description="Redis for pub/sub between web processes.")
    secret_key: str | None = Field(default=None, description="Signs session cookies; generated into data_dir when unset.")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # Embedded mode: `serve` runs the outbox worker itself; scaled mode sets this off and runs
    # `gridcare worker` processes instead.
    embedded_worker: bool = True
    # ... as a child process of `serve` (a core of its own; pushes come back over a pipe)
    # rather than a thread sharing the web process's GIL.
    embedded_worker_process: bool = True
    # How long a web process's thread may hold the GIL while another waits for it (CPython's
    # default is 5 ms). A screen pop or a group commit waits for it once per round trip.
    gil_switch_ms: float = Field(default=0.5, gt=0, le=100, description="Web processes hand the GIL over after this many milliseconds (decision 023).")
    default_locale: Literal["zh_CN", "en"] = "zh_CN"
    display_timezone: str = "Asia/Shanghai"
    secure_cookies: bool = False
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_minutes: int = Field(default=15, ge=1)
    session_hours: int = Field(default=12, ge=1)
    worker_poll_seconds: float = Field(default=1.0, gt=0)
    outbox_batch_size: int = Field(default=50, ge=1, le=1000)
    # With the outbox's backoff (5 s doubling, then every 10 min) 150 tries span about 24 h: a
    # gateway down for a night loses nothing; it is dead-lettered only after a day of refusals.
    outbox_max_attempts: int = Field(default=150, ge=1)
    outbox_lease_seconds: int = Field(default=60, ge=5)
    audit_checkpoint_minutes: int = Field(default=10, ge=1)
    # Import paths of modules to load at start-up; they may register outbox handlers or jobs.
    plugins: str = ""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Notifications. A channel left unconfigured dead-letters its messages with the reason
    # (visible in the notification log) instead of stopping start-up.
    notify_quiet_hours: str = Field(default="21:00-08:00", description="Non-urgent customer messages wait out this local window; 'off' for none.")
    notify_rate_limits: str = Field(default="sms=60/min;voice=10/min;email=120/min;wecom=20/min", description="Per-channel send rate, CHANNEL=COUNT/UNIT (s, min, h).")
    notify_ladders: str = Field(default="default=5/15; roster.week=30/-", description="Pop-up fallback per event, EVENT=SMS_MIN/VOICE_MIN; '-' skips a rung.")
    triage_rules: str = Field(default="", description="Fault-triage rules, e.g. 'window=30;leaf=3;point_share=0.4' (see outages/triage.py).")
    rate_limits: str = Field(default="login=10/min;login_ip=100/min;intake=100000/min;open311_read=600/min", description="Sign-in, intake and public look-up limits, NAME=COUNT/UNIT (s, min, h); a name left out is not limited (see core/ratelimit.py).")
    notify_templates_dir: Path | None = Field(default=None, description="TOML message templates overriding the shipped ones, file by file.")
    sms_transport: Literal["http", "smpp"] = "http"
    sms_http_url: str | None = Field(default=None, description="SMS gateway endpoint (JSON POST).")
    sms_http_token: str | None = None
    sms_http_timeout_seconds: float = Field(default=10.0, gt=0)
    sms_sender: str = Field(default="", description="Sender id or signature the gateway shows.")
    smpp_host: str | None = None
    smpp_port: int = Field(default=2775, ge=1, le=65535)
    smpp_system_id: str | None = None
    smpp_password: str | None = None
    smpp_system_type: str = ""
    smpp_source_addr: str = ""
    smpp_timeout_seconds: float = Field(default=10.0, gt=0)
    voice_http_url: str | None = Field(default=None, description="Voice-call (TTS) gateway endpoint (JSON POST).")
    voice_http_token: str | None = None
    voice_http_timeout_seconds: float = Field(default=10.0, gt=0)
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str | None = None
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    wecom_timeout_seconds: float = Field(default=10.0, gt=0)
    # For tests only: `serve` and `worker` run this many seconds ahead of the wall clock, so a
    # crash test can restart the server "after" deadlines passed. Never set it in production.
    clock_offset_seconds: float = Field(default=0.0, description="Tests only: run the clock this far ahead of the wall clock.")

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must start with sqlite:// or postgresql://")
        if value.startswith("postgresql://"):
            # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @field_validator("notify_quiet_hours", "notify_rate_limits", "notify_ladders")
    @classmethod
    def _notify_rules(cls, value: str, info: ValidationInfo) -> str:
        from gridcare.notify import rules

        parse = {"notify_quiet_hours": rules.parse_quiet_hours, "notify_rate_limits": rules.parse_rate_limits, "notify_ladders": rules.parse_ladders}[info.field_name]
        parse(value)
        return value

    @field_validator("rate_limits")
    @classmethod
    def _rate_limits(cls, value: str) -> str:
        from gridcare.core.ratelimit import parse_limits

        parse_limits(value)
        return value

    @field_validator("triage_rules")
    @classmethod
    def _triage_rules(cls, value: str) -> str:
        from gridcare.outages.triage import parse_rules

        parse_rules(value)
        return value

    @field_validator("sms_http_url", "voice_http_url")
    @classmethod
    def _http_endpoint(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'gridcare.sqlite3').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.sqlalchemy_url.startswith("sqlite")

    def ensure_secret_key(self) -> str:
        """The configured key, or one kept in data_dir so sessions survive a restart."""
        if self.secret_key:
            return self.secret_key
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / "secret_key"
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
        self.secret_key = path.read_text().strip()
        return self.secret_key


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    name = "GRIDCARE_" + str(first["loc"][0]).upper() if first["loc"] else "GRIDCARE_*"
    reason = first["msg"].removeprefix("Value error, ")
    value = first.get("input")
    shown = f" (got {value!r})" if isinstance(value, str | int | float) and not any(s in name for s in ("KEY", "URL")) else ""
    return f"{name}: {reason}{shown}"


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
