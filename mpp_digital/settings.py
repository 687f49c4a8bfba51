"""Typed settings read from environment variables (see the README's configuration table)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _secret_key() -> str:
    """The configured secret key, or one generated once per checkout under var/."""
    configured = _env("MPP_SECRET_KEY")
    if configured:
        return configured
    path = PROJECT_ROOT / "var" / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


@dataclass(frozen=True)
class Settings:
    """Everything that differs between a laptop, CI and production."""

    database_url: str
    redis_url: str | None
    public_base_url: str
    allowed_origins: tuple[str, ...]
    smtp_host: str | None
    smtp_port: int
    smtp_user: str | None
    smtp_password: str | None
    smtp_sender: str
    smtp_starttls: bool
    outbox_dir: Path
    secret_key: str = field(repr=False)
    holidays_file: Path | None = None  # national holidays and cuti bersama (JSON); None: the shipped list
    data_key_version: int = 1  # key version that seals personal data at rest (services/sealing.py)
    dpo_email: str = "pelindungan-data@mpp.localhost"  # the data protection officer (privacy notice)

    @property
    def cookie_secure(self) -> bool:
        """Session cookies carry the Secure flag whenever the site is served over https."""
        return self.public_base_url.startswith("https://")

    @property
    def uses_outbox(self) -> bool:
        """Without an SMTP host, mail is written to a local outbox folder (demo default)."""
        return not self.smtp_host


def load_settings() -> Settings:
    """Read settings from the environment (no caching; tests call this directly)."""
    base_url = _env("MPP_PUBLIC_BASE_URL", "http://localhost:3000").rstrip("/")
    origins = tuple(
        o.strip().rstrip("/") for o in _env("MPP_ALLOWED_ORIGINS", base_url).split(",") if o.strip()
    )
    if "*" in origins:
        raise ValueError("MPP_ALLOWED_ORIGINS must list origins; '*' is not allowed")
    return Settings(
        database_url=_env("MPP_DATABASE_URL", f"sqlite:///{PROJECT_ROOT / 'mpp_digital.db'}"),
        redis_url=_env("MPP_REDIS_URL") or None,
        public_base_url=base_url,
        allowed_origins=origins,
        smtp_host=_env("MPP_SMTP_HOST") or None,
        smtp_port=int(_env("MPP_SMTP_PORT", "25")),
        smtp_user=_env("MPP_SMTP_USER") or None,
        smtp_password=_env("MPP_SMTP_PASSWORD") or None,
        smtp_sender=_env("MPP_SMTP_SENDER", "MPP Digital <no-reply@mpp.localhost>"),
        smtp_starttls=_env("MPP_SMTP_STARTTLS", "0") in {"1", "true", "yes"},
        outbox_dir=Path(_env("MPP_OUTBOX_DIR", str(PROJECT_ROOT / "var" / "outbox"))),
        secret_key=_secret_key(),
        holidays_file=Path(_env("MPP_HOLIDAYS_FILE")) if _env("MPP_HOLIDAYS_FILE") else None,
        data_key_version=int(_env("MPP_DATA_KEY_VERSION", "1")),
        dpo_email=_env("MPP_DPO_EMAIL", "pelindungan-data@mpp.localhost"),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings."""
    return load_settings()
