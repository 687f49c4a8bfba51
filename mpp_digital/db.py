"""Database engine and sessions: the one way the app and the tests reach the database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from mpp_digital.settings import get_settings


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgresql:// URLs."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.removeprefix("postgres://")
    return url


@lru_cache(maxsize=8)
def engine_for(url: str, *, autocommit: bool = False) -> Engine:
    """One engine per database URL, configured for concurrent use.

    ``autocommit=True`` (PostgreSQL): a second, small pool whose statements commit on their
    own; see ``statement_scope``. Its connections never roll back, so psycopg keeps their
    prepared statements (a rollback makes psycopg drop them all).
    """
    url = normalise_url(url)
    if url.startswith("sqlite"):
        eng = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(eng, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return eng
    # No pre-ping: it is one more round trip on every checkout, and every event handler checks
    # out a connection. A connection that died (a database restart) fails one statement, and
    # SQLAlchemy then throws away the whole pool; recycling keeps idle connections fresh.
    if autocommit:
        return create_engine(url, isolation_level="AUTOCOMMIT", pool_size=5, max_overflow=10, pool_recycle=1800)
    return create_engine(url, pool_size=10, max_overflow=20, pool_recycle=1800)


def get_engine() -> Engine:
    """The engine for the configured database."""
    return engine_for(get_settings().database_url)


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise


@contextmanager
def statement_scope() -> Iterator[Session]:
    """A session whose statements each commit on their own: no BEGIN and COMMIT round trips.

    Only for work whose statements need not be atomic together, on the hottest path: the
    session check behind every guarded event (one read, now and then one touch). On SQLite,
    where a transaction costs no round trip, this is ``session_scope``.
    """
    url = get_settings().database_url
    if normalise_url(url).startswith("sqlite"):
        with session_scope() as session:
            yield session
        return
    with Session(engine_for(url, autocommit=True), expire_on_commit=False) as session:
        yield session
