"""Production mode: settings that refuse to start unsafe, seed without demo data, the first
superadmin, migrations as a locked release step, and a backend that refuses an unmigrated
database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import create_engine, text
from sqlmodel import Session, func, select

from mpp_digital.db import engine_for, normalise_url
from mpp_digital.settings import Settings, UnsafeSettings, load_settings

ROOT = Path(__file__).resolve().parents[2]
SIGNING = ROOT / "tests" / "fixtures" / "signing"  # a throwaway certificate and key (never trusted)
SAFE = {
    "MPP_ENV": "production",
    "MPP_SECRET_KEY": "p" * 40,
    "MPP_SMTP_HOST": "smtp.example.go.id",
    "MPP_PUBLIC_BASE_URL": "https://mpp.example.go.id/",
    "MPP_ALLOWED_ORIGINS": "https://mpp.example.go.id",
    "MPP_SIGNING_CERT_FILE": str(SIGNING / "cert.pem"),
    "MPP_SIGNING_KEY_FILE": str(SIGNING / "key.pem"),
}


@pytest.fixture()
def clean_env(monkeypatch):
    """No MPP_ variable of the developer's or the suite's leaks into these tests."""
    for name in list(os.environ):
        if name.startswith("MPP_"):
            monkeypatch.delenv(name)
    return monkeypatch


def test_production_lists_every_missing_setting(clean_env):
    clean_env.setenv("MPP_ENV", "production")
    with pytest.raises(UnsafeSettings) as refused:
        load_settings()
    text_ = str(refused.value)
    for name in ("MPP_SECRET_KEY", "MPP_SMTP_HOST", "MPP_PUBLIC_BASE_URL", "MPP_ALLOWED_ORIGINS",
                 "MPP_SIGNING_CERT_FILE"):
        assert name in text_
    assert len(refused.value.problems) == 5


def test_production_refuses_the_demo_signing_ca_and_missing_certificate_files(clean_env, tmp_path):
    for name, value in SAFE.items():
        clean_env.setenv(name, value)
    clean_env.delenv("MPP_SIGNING_KEY_FILE")
    with pytest.raises(UnsafeSettings, match="demo CA"):
        load_settings()
    clean_env.setenv("MPP_SIGNING_KEY_FILE", str(tmp_path / "missing.pem"))
    with pytest.raises(UnsafeSettings, match="MPP_SIGNING_KEY_FILE: .* does not exist"):
        load_settings()


def test_production_refuses_unsafe_values(clean_env):
    for name, value in SAFE.items():
        clean_env.setenv(name, value)
    clean_env.setenv("MPP_SECRET_KEY", "short")
    clean_env.setenv("MPP_PUBLIC_BASE_URL", "http://mpp.example.go.id")
    clean_env.setenv("MPP_ALLOWED_ORIGINS", "https://mpp.example.go.id,http://evil.example")
    with pytest.raises(UnsafeSettings) as refused:
        load_settings()
    assert len(refused.value.problems) == 3
    assert "shorter than" in str(refused.value) and "'http://evil.example' is not https" in str(refused.value)


def test_production_generates_no_secret_key_and_keeps_secrets_out_of_repr(clean_env, tmp_path):
    for name, value in SAFE.items():
        clean_env.setenv(name, value)
    clean_env.setenv("MPP_SMTP_PASSWORD", "smtp-password-value")
    settings = load_settings()
    assert settings.production and not settings.uses_outbox and settings.cookie_secure
    assert settings.public_base_url == "https://mpp.example.go.id"
    assert settings.secret_key.get_secret_value() == "p" * 40
    assert settings.secret_key.encode() == b"p" * 40 and str(settings.secret_key) == "**********"
    assert "p" * 40 not in repr(settings) and "smtp-password-value" not in repr(settings)
    assert settings.smtp_password == SecretStr("smtp-password-value")


def test_demo_fills_in_what_a_laptop_needs(clean_env):
    settings = load_settings()
    assert not settings.production
    assert settings.allowed_origins == (settings.public_base_url,)
    assert len(settings.secret_key.get_secret_value()) >= 32  # the per-checkout key under var/
    assert settings.uses_outbox


def test_settings_parse_lists_flags_and_hops(clean_env):
    clean_env.setenv("MPP_ALLOWED_ORIGINS", " https://a.example/ , https://b.example ")
    clean_env.setenv("MPP_SMTP_STARTTLS", "1")
    clean_env.setenv("MPP_TRUSTED_PROXY_HOPS", "1")
    settings = Settings()
    assert settings.allowed_origins == ("https://a.example", "https://b.example")
    assert settings.smtp_starttls and settings.trusted_proxy_hops == 1
    clean_env.setenv("MPP_ALLOWED_ORIGINS", "*")
    with pytest.raises(ValueError, match="not allowed"):
        Settings()


def _cli(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("MPP_")}
    return subprocess.run([sys.executable, "-m", "mpp_digital.cli", *args], cwd=ROOT, env={**base, **env},
                          input=stdin, capture_output=True, text=True, timeout=300)


def test_production_seed_loads_no_demo_accounts_or_history_and_makes_a_superadmin(tmp_path):
    from mpp_digital.models import MppSite, Role, RoleAssignment, ServiceEvent, User

    url = f"sqlite:///{tmp_path / 'prod.db'}"
    env = {**SAFE, "MPP_DATABASE_URL": url}
    assert _cli("migrate", env=env).returncode == 0
    seeded = _cli("seed", env=env)
    assert seeded.returncode == 0, seeded.stderr
    weak = _cli("create-superadmin", "--email", "ops@example.go.id", "--name", "Operator", env=env, stdin="password\n")
    assert weak.returncode == 2 and "password" in weak.stderr
    made = _cli("create-superadmin", "--email", "ops@example.go.id", "--name", "Operator", env=env,
                stdin="Sragen-Operator-Kuat-2026\n")
    assert made.returncode == 0, made.stderr
    engine = create_engine(url)
    with Session(engine) as db:
        assert db.exec(select(func.count()).select_from(MppSite)).one() > 100  # reference data is there
        assert db.exec(select(func.count()).select_from(ServiceEvent)).one() == 0  # no generated history
        assert db.exec(select(User.email)).all() == ["ops@example.go.id"]  # no demo account
        roles = set(db.exec(select(RoleAssignment.role)).all())
    engine.dispose()
    assert roles == {Role.CITIZEN, Role.SUPERADMIN}


def test_a_production_cli_refuses_unsafe_settings(tmp_path):
    refused = _cli("migrate", env={"MPP_ENV": "production", "MPP_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert refused.returncode != 0
    assert "MPP_ENV=production refuses to start" in refused.stderr and "MPP_SMTP_HOST" in refused.stderr


# --------------------------------------------------------------------------- migrations


def test_require_current_refuses_an_unmigrated_then_accepts_a_migrated_database(tmp_path):
    from mpp_digital import migrations

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    with pytest.raises(migrations.SchemaNotCurrent, match="cli migrate"):
        migrations.require_current(url)
    migrations.upgrade(url)
    migrations.require_current(url)
    heads, current = migrations.pending_heads(url)
    assert heads == current and heads


def test_readiness_names_the_failing_check(tmp_path, monkeypatch):
    from mpp_digital import ops_routes
    from mpp_digital.settings import get_settings

    monkeypatch.setenv("MPP_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    monkeypatch.setenv("MPP_REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens on port 1
    get_settings.cache_clear()
    try:
        ready, checks = ops_routes.readiness()
    finally:
        get_settings.cache_clear()
    assert not ready
    assert checks["database"] == "ok"
    assert checks["redis"].startswith("failed: ConnectionError")
    assert checks["migrations"].startswith("failed: SchemaNotCurrent")


def _postgres_server() -> str:
    url = os.environ.get("MPP_TEST_DATABASE_URL", "").strip()
    if not url.startswith("postgres"):
        pytest.skip("MPP_TEST_DATABASE_URL does not name a PostgreSQL server")
    return url.rsplit("/", 1)[0]


def test_two_machines_migrating_one_fresh_postgresql_database_at_once_both_succeed():
    server = _postgres_server()
    name = "mpp_migrate_race"
    admin = create_engine(normalise_url(server + "/postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = f"{server}/{name}"
    base = {k: v for k, v in os.environ.items() if not k.startswith("MPP_")}
    env = {**base, "MPP_DATABASE_URL": url, "MPP_SECRET_KEY": "race-test-secret-key"}
    try:
        procs = [subprocess.Popen([sys.executable, "-m", "mpp_digital.cli", "migrate"], cwd=ROOT, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        results = [(p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in procs]
        assert [code for code, _ in results] == [0, 0], results
        from mpp_digital import migrations

        migrations.require_current(url)
        with engine_for(url).connect() as conn:
            tables = set(conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())
        assert {"user", "queueticket", "pendingmail", "serviceevent"} <= tables
    finally:
        engine_for(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def test_a_production_backend_refuses_to_serve_an_unmigrated_database(tmp_path):
    """`make prod-backend` (the real Reflex backend, two Granian workers) on an empty database
    stops at start-up with the reason, instead of serving errors page by page."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = {k: v for k, v in os.environ.items() if not k.startswith("MPP_")}
    env = {**base, **SAFE, "MPP_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}", "GRANIAN_WORKERS": "2"}
    started = subprocess.run(["make", "prod-backend", f"BACKEND_PORT={port}"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=180)
    assert started.returncode != 0
    assert "SchemaNotCurrent" in started.stdout + started.stderr
    assert "run `python -m mpp_digital.cli migrate`" in started.stdout + started.stderr


def test_make_run_is_the_demo_and_refuses_production():
    base = {k: v for k, v in os.environ.items() if not k.startswith("MPP_")}
    refused = subprocess.run(["make", "run", "PORT=1"], cwd=ROOT, env={**base, **SAFE}, capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode != 0
    assert "make run is the demo" in refused.stdout + refused.stderr


def test_two_processes_migrating_one_fresh_sqlite_database_at_once_both_succeed(tmp_path):
    url = f"sqlite:///{tmp_path / 'race.db'}"
    base = {k: v for k, v in os.environ.items() if not k.startswith("MPP_")}
    env = {**base, "MPP_DATABASE_URL": url, "MPP_SECRET_KEY": "race-test-secret-key"}
    procs = [subprocess.Popen([sys.executable, "-m", "mpp_digital.cli", "migrate"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in procs]
    assert [code for code, _ in results] == [0, 0], results
    from mpp_digital import migrations

    migrations.require_current(url)
