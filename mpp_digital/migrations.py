"""Schema migrations as a release step: ``alembic upgrade heads`` under a database-wide lock,
and the check a production backend makes before it serves (the schema is at the heads).

Two machines that start a release at once must not race: on PostgreSQL the upgrade holds a
session-level advisory lock (the second waits, then finds nothing to do); on SQLite an
exclusive ``flock`` on a file beside the database does the same for processes of one machine.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import make_url, text

from alembic import command
from mpp_digital.db import engine_for, normalise_url
from mpp_digital.settings import PROJECT_ROOT

# pg_advisory_lock key: "MPPmigr" as a number, so no other lock of this database collides with it.
MIGRATION_LOCK_KEY = int.from_bytes(b"MPPmigr", "big")


class SchemaNotCurrent(RuntimeError):
    """The database is not at the migration heads of this release (run ``cli migrate`` first)."""


def alembic_config(database_url: str) -> Config:
    """Alembic's configuration for this checkout, pointed at ``database_url``."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    config.attributes["database_url"] = database_url
    return config


@contextmanager
def migration_lock(database_url: str) -> Iterator[None]:
    """Hold the database's migration lock (waits for another holder to finish)."""
    engine = engine_for(database_url)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            conn.commit()  # the lock is the session's, not the transaction's
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
                conn.commit()
        return
    database = make_url(normalise_url(database_url)).database
    lock_path = Path(f"{database}.migrate.lock") if database and database != ":memory:" else None
    if lock_path is None:
        yield
        return
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def upgrade(database_url: str) -> None:
    """Bring the schema to the newest migrations, holding the migration lock."""
    with migration_lock(database_url):
        command.upgrade(alembic_config(database_url), "heads")


@lru_cache(maxsize=1)
def release_heads() -> frozenset[str]:
    """The heads of this checkout's migrations (read once: /readyz asks every few seconds)."""
    return frozenset(ScriptDirectory.from_config(alembic_config("")).get_heads())


def pending_heads(database_url: str) -> tuple[set[str], set[str]]:
    """The release's migration heads and the revisions the database is at."""
    heads = set(release_heads())
    with engine_for(database_url).connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return heads, current


def require_current(database_url: str) -> None:
    """Refuse to serve on a database that is not at this release's migration heads.

    Raises:
        SchemaNotCurrent: naming the heads expected and the revisions found.
    """
    heads, current = pending_heads(database_url)
    if heads != current:
        url = make_url(normalise_url(database_url)).render_as_string(hide_password=True)
        raise SchemaNotCurrent(
            f"the database {url} is at {sorted(current) or 'no migration'}, this release needs "
            f"{sorted(heads)}: run `python -m mpp_digital.cli migrate` (the release step) before starting the app"
        )
