"""Typed settings read from environment variables (see the README's configuration table).

Two modes: ``MPP_ENV=demo`` (the default, what ``make run`` serves) fills in what is missing
with something that works on a laptop (a per-checkout secret key, the local mail outbox);
``MPP_ENV=production`` fills in nothing: ``load_settings()`` refuses to start, naming every
missing or unsafe setting at once.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIN_SECRET_KEY_LENGTH = 32  # characters of MPP_SECRET_KEY required in production


class UnsafeSettings(RuntimeError):
    """Production mode was asked for, but settings are missing or unsafe (each one named)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("MPP_ENV=production refuses to start:\n" + "\n".join(f"  - {p}" for p in problems))


class SecretKey(SecretStr):
    """The secret key: hidden in repr and str like any ``SecretStr``; ``encode()`` gives its bytes,
    so code that derives keys with ``settings.secret_key.encode()`` keeps working."""

    def encode(self, encoding: str = "utf-8") -> bytes:
        """The secret's bytes (for HMAC and key derivation)."""
        return self.get_secret_value().encode(encoding)


class Settings(BaseSettings):
    """Everything that differs between a laptop, CI and production (env prefix ``MPP_``)."""

    model_config = SettingsConfigDict(env_prefix="MPP_", env_ignore_empty=True, extra="ignore", frozen=True)

    env: Literal["demo", "production"] = "demo"
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'mpp_digital.db'}"
    redis_url: str | None = None
    public_base_url: str = "http://localhost:3000"
    # Comma-separated in the environment; empty means "the public base URL" (demo only).
    allowed_origins: Annotated[tuple[str, ...], NoDecode] = ()
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_sender: str = "MPP Digital <no-reply@mpp.localhost>"
    smtp_starttls: bool = False
    outbox_dir: Path = PROJECT_ROOT / "var" / "outbox"
    secret_key: SecretKey = SecretKey("")  # empty: generated once per checkout (demo only)
    holidays_file: Path | None = None  # national holidays and cuti bersama (JSON); None: the shipped list
    # How many reverse proxies in front of the app append to X-Forwarded-For (nginx: 1).
    trusted_proxy_hops: int = 0
    # Rates of named limits (services/rate_limits.py) this deployment sets otherwise, as JSON:
    # MPP_RATE_LIMITS='{"sign_in": "60/minute;600/hour"}' (an MPP whose staff share one public address).
    rate_limits: dict[str, str] = {}
    # Bearer token that opens /metrics from other hosts than loopback (production).
    metrics_token: SecretStr | None = None
    data_key_version: int = 1  # key version that seals personal data at rest (services/sealing.py)
    dpo_email: str = "pelindungan-data@mpp.localhost"  # the data protection officer (privacy notice)
    # Online applications' documents (services/documents.py): encrypted, outside anything served.
    document_storage_dir: Path = PROJECT_ROOT / "var" / "documents"
    document_max_bytes: int = 5 * 1024 * 1024  # one file
    application_max_bytes: int = 20 * 1024 * 1024  # every file of one application
    # A real signing certificate and key (PEM) for the outputs; unset: the demo CA (demo only).
    signing_cert_file: Path | None = None
    signing_key_file: Path | None = None
    signing_key_password: SecretStr | None = None
    # Whether dashboards, reports and /api/v1 count the history generator's synthetic rows ("data
    # contoh"). Shown apart and labelled when counted; a deployment with real data sets it false.
    include_synthetic: bool = True

    @field_validator("public_base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.strip().rstrip("/")

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> tuple[str, ...]:
        items = value.split(",") if isinstance(value, str) else list(value or ())  # type: ignore[call-overload]
        origins = tuple(o.strip().rstrip("/") for o in items if o.strip())
        if "*" in origins:
            raise ValueError("MPP_ALLOWED_ORIGINS must list origins; '*' is not allowed")
        return origins

    @field_validator("rate_limits")
    @classmethod
    def _rates_parse(cls, value: dict[str, str]) -> dict[str, str]:
        from limits import parse_many

        for name, rates in value.items():
            try:
                parse_many(rates)
            except ValueError:
                raise ValueError(f"MPP_RATE_LIMITS: {name}: {rates!r} is not a rate such as '20/minute;200/hour'") \
                    from None
        return value

    @field_validator("trusted_proxy_hops")
    @classmethod
    def _not_negative(cls, value: int) -> int:
        if value < 0:
            raise ValueError("MPP_TRUSTED_PROXY_HOPS must be 0 or more")
        return value

    @property
    def production(self) -> bool:
        """``MPP_ENV=production``: no demo data, no generated secrets, migrations as a release step."""
        return self.env == "production"

    @property
    def cookie_secure(self) -> bool:
        """Session cookies carry the Secure flag whenever the site is served over https."""
        return self.public_base_url.startswith("https://")

    @property
    def uses_outbox(self) -> bool:
        """Without an SMTP host, mail is written to a local outbox folder (demo only)."""
        return not self.smtp_host

    def production_problems(self) -> list[str]:
        """What keeps these settings from being served as production (empty: nothing)."""
        problems = []
        key = self.secret_key.get_secret_value()
        if not key:
            problems.append("MPP_SECRET_KEY is not set (production never generates one)")
        elif len(key) < MIN_SECRET_KEY_LENGTH:
            problems.append(f"MPP_SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters")
        if not self.smtp_host:
            problems.append("MPP_SMTP_HOST is not set (production sends real mail; there is no outbox page)")
        if not self.public_base_url.startswith("https://"):
            problems.append(f"MPP_PUBLIC_BASE_URL must be an https:// address (is {self.public_base_url!r})")
        if not self.allowed_origins:
            problems.append("MPP_ALLOWED_ORIGINS is not set (list the https origins allowed to open the websocket)")
        problems += [f"MPP_ALLOWED_ORIGINS: {o!r} is not https" for o in self.allowed_origins
                     if not o.startswith("https://")]
        if not (self.signing_cert_file and self.signing_key_file):
            problems.append("MPP_SIGNING_CERT_FILE and MPP_SIGNING_KEY_FILE are not set (outputs would be signed "
                            "by the demo CA, which nobody trusts)")
        else:
            problems += [f"{name}: {path} does not exist" for name, path in
                         (("MPP_SIGNING_CERT_FILE", self.signing_cert_file),
                          ("MPP_SIGNING_KEY_FILE", self.signing_key_file)) if not path.is_file()]
        return problems


def _generated_secret_key() -> str:
    """A secret key generated once per checkout under var/ (demo only)."""
    path = PROJECT_ROOT / "var" / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def load_settings() -> Settings:
    """Read settings from the environment (no caching; tests call this directly).

    Raises:
        UnsafeSettings: in production, listing every missing or unsafe setting.
    """
    settings = Settings()
    if settings.production:
        if problems := settings.production_problems():
            raise UnsafeSettings(problems)
        return settings
    updates: dict[str, object] = {}
    if not settings.allowed_origins:
        updates["allowed_origins"] = (settings.public_base_url,)
    if not settings.secret_key.get_secret_value():
        updates["secret_key"] = SecretKey(_generated_secret_key())
    return settings.model_copy(update=updates) if updates else settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings."""
    return load_settings()
